"""Figure 1a: streaming render throughput, tokens/s into one assistant message, headless.

Threadline: the real app (``bench.tui.threadline_app``) on the embedded demo profile at
demo speed 0 is sent "stream N tokens" (or "... of code"); the clock runs from the first
message delta reaching the app's reducer to the assistant message's final render
(``finish`` returned, one more frame). Baseline: the stock chat app
(``bench.baselines.chat``) writes the same N tokens one ``MarkdownStream.write`` at a
time; the clock runs from the first write until the widget has appended the last token,
plus one frame. Rate = N / that time.

Each trial is a fresh headless process at 120x40. A trial that runs past ``--budget``
stops; its rate is then over the tokens that made it, which flatters a renderer whose cost
grows with length (the table marks it).
"""

from __future__ import annotations

from collections.abc import Callable

from bench.model import (
    Case,
    Derived,
    Figure,
    Goal,
    Metric,
    Options,
    Sample,
    all_of,
    at_least,
    at_most,
    ratio_at_least,
)
from bench.support.env import trial_dir
from bench.tui.run import stream_trial
from bench.tui.spec import StreamSpec

LENGTHS = (1_000, 5_000, 20_000, 50_000)
QUICK_LENGTHS = (40, 120)
EARLIER = 1_000
QUICK_EARLIER = 6
Lookup = Callable[[str], float | None]
PARTIAL = "stopped at --budget: the rate is over the tokens shown by then"
NOTHING = "nothing of the reply on screen by --budget"

# Goals of issue 9 that depend on the length.
PROSE_RATIO = {1_000: 2.0, 20_000: 5.0}


def _k(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def _key(kind: str, n: int) -> str:
    return f"1a.{kind}.{n}"


def _prose_goal(n: int) -> Goal:
    if n in PROSE_RATIO:
        return all_of(at_least(1000), ratio_at_least(PROSE_RATIO[n]))
    return at_least(1000)


def _trial(options: Options, side: str, spec: StreamSpec, key: str) -> Sample:
    outcome = stream_trial(side, spec, trial_dir(options.workdir, f"render-{side}"))
    result = outcome.result
    if result.seconds <= 0:
        raise RuntimeError("the stream took no time: the clock is broken")
    sample = Sample({key: result.done / result.seconds})
    if result.partial:
        sample.notes[key] = PARTIAL if result.done else NOTHING
    return sample


def _case(options: Options, kind: str, n: int, goal: Goal, earlier: int = 0) -> Case:
    spec = StreamSpec(n, code=kind == "code", earlier=earlier, budget=options.budget)
    key = _key(kind, n)
    where = f", below {earlier:,} messages" if earlier else ""
    label = f"render {kind if kind != 'below' else 'prose'} {_k(n)}{where}"
    return Case(
        label,
        (Metric(key, label, "tokens/s", goal),),
        threadline=lambda: _trial(options, "threadline", spec, key),
        baseline=lambda: _trial(options, "baseline", spec, key),
    )


def cases(options: Options) -> list[Case]:
    lengths = QUICK_LENGTHS if options.quick else LENGTHS
    earlier = QUICK_EARLIER if options.quick else EARLIER
    out = [_case(options, "prose", n, _prose_goal(n)) for n in lengths]
    out += [_case(options, "code", n, at_least(500)) for n in lengths]
    out.append(_case(options, "below", lengths[0], at_least(1000), earlier=earlier))
    return out


def _ratio(numerator: str, denominator: str) -> Callable[[Lookup], float | None]:
    def compute(median: Lookup) -> float | None:
        top, bottom = median(numerator), median(denominator)
        return top / bottom if top is not None and bottom else None

    return compute


def derived(options: Options) -> list[Derived]:
    """Cost per token (1 / rate) compared between rows: flat cost is a goal of its own."""
    lengths = QUICK_LENGTHS if options.quick else LENGTHS
    short, long = lengths[0], lengths[2] if len(lengths) > 2 else lengths[-1]
    earlier = QUICK_EARLIER if options.quick else EARLIER
    return [
        Derived(
            Metric(
                "1a.flat",
                f"cost/token at {_k(long)} / at {_k(short)}, prose",
                "x",
                at_most(1.3),
            ),
            _ratio(_key("prose", short), _key("prose", long)),
        ),
        Derived(
            Metric(
                "1a.below_cost",
                f"cost/token below {earlier:,} messages / empty, {_k(short)}",
                "x",
                at_most(1.2),
            ),
            _ratio(_key("prose", short), _key("below", short)),
        ),
    ]


FIGURE = Figure("1a", "render", "streaming render throughput (headless)", cases, derived)
