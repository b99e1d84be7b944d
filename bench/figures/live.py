"""Figure 1b: streaming at a steady 100 tokens/s, under a real terminal (a pty, 120x40).

Both sides stream the same N tokens paced at 100 tokens/s: Threadline through the demo
engine at demo speed 100, the stock app from a paced writer. While they stream the parent
types F12 into the terminal every 100-150 ms. Measured inside the app over the streaming
window: process CPU time / wall time (share of one core; everything the process does,
the embedded server included for Threadline), frames painted per second, and per key the
time from the parent typing it to the app starting to handle it (p50 and p99).

Under a pty rather than headless: the last step of each frame (building and writing the
escape sequences) is part of the cost a user pays.
"""

from __future__ import annotations

import statistics

from bench.model import Case, Figure, Metric, Options, Sample, at_least, at_most
from bench.support.env import trial_dir
from bench.support.pty_run import Keys
from bench.tui.run import stream_trial
from bench.tui.spec import StreamSpec

PACE = 100.0
TOKENS = 1_000  # 10 s of streaming
QUICK_TOKENS = 60

CPU = Metric("1b.cpu", "at 100 tok/s: CPU", "% of a core", at_most(25))
FPS = Metric("1b.fps", "at 100 tok/s: frames", "frames/s", at_least(20))
LAG50 = Metric("1b.lag_p50", "at 100 tok/s: input lag p50", "ms")
LAG99 = Metric("1b.lag_p99", "at 100 tok/s: input lag p99", "ms", at_most(50))


def _percentile(values: list[float], q: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def _trial(options: Options, side: str, tokens: int) -> Sample:
    spec = StreamSpec(tokens, pace=PACE, budget=options.budget, headless=False)
    outcome = stream_trial(side, spec, trial_dir(options.workdir, f"live-{side}"), keys=Keys())
    result = outcome.result
    if not outcome.lags_ms:
        raise RuntimeError("no keypress was handled while streaming")
    values = {
        CPU.key: 100 * result.cpu / result.seconds,
        FPS.key: result.frames / result.seconds,
        LAG50.key: _percentile(outcome.lags_ms, 50),
        LAG99.key: _percentile(outcome.lags_ms, 99),
    }
    notes = {}
    if result.partial:
        notes = {key: "stopped at --budget before the stream ended" for key in values}
    return Sample(values, notes)


def cases(options: Options) -> list[Case]:
    tokens = QUICK_TOKENS if options.quick else TOKENS
    return [
        Case(
            f"{tokens} tokens at {PACE:g}/s",
            (CPU, FPS, LAG50, LAG99),
            threadline=lambda: _trial(options, "threadline", tokens),
            baseline=lambda: _trial(options, "baseline", tokens),
        )
    ]


FIGURE = Figure("1b", "live", "streaming at 100 tokens/s under a pty", cases)
