"""Figure 2: bytes written to the terminal per streamed token, at 120x40 (the SSH cost).

Both sides stream the same N tokens at 100 tokens/s under a pty (as in figure 1b, without
keys); the app counts what its driver writes over the streaming window, divided by N. Once
with truecolor (``COLORTERM=truecolor``) and once as over SSH, where ``COLORTERM`` is
usually not forwarded and Textual falls back to 256 colours.
"""

from __future__ import annotations

from bench.model import Case, Figure, Metric, Options, Sample, ratio_at_most
from bench.support.env import trial_dir
from bench.tui.run import stream_trial
from bench.tui.spec import StreamSpec

PACE = 100.0
TOKENS = 500
QUICK_TOKENS = 40
MODES = {"truecolor": "truecolor", "256 colours": ""}


def _trial(options: Options, side: str, tokens: int, colorterm: str, key: str) -> Sample:
    spec = StreamSpec(tokens, pace=PACE, budget=options.budget, headless=False)
    root = trial_dir(options.workdir, f"bytes-{side}")
    outcome = stream_trial(side, spec, root, colorterm=colorterm)
    result = outcome.result
    sample = Sample({key: result.bytes / max(result.done, 1)})
    if result.partial:
        sample.notes[key] = "stopped at --budget before the stream ended"
    return sample


def cases(options: Options) -> list[Case]:
    tokens = QUICK_TOKENS if options.quick else TOKENS
    out = []
    for label, colorterm in MODES.items():
        key = f"2.{'truecolor' if colorterm else '256'}"
        metric = Metric(key, f"bytes/token at 120x40, {label}", "B/token", ratio_at_most(0.5))
        out.append(
            Case(
                f"{tokens} tokens, {label}",
                (metric,),
                threadline=lambda c=colorterm, k=key: _trial(options, "threadline", tokens, c, k),
                baseline=lambda c=colorterm, k=key: _trial(options, "baseline", tokens, c, k),
            )
        )
    return out


FIGURE = Figure("2", "bytes", "bytes to the terminal per streamed token", cases)
