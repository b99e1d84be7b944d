"""What a figure is made of: metrics (the table's rows), goals, cases and samples.

A *case* is one input measured on both sides: its ``threadline`` and ``baseline`` callables
each run one trial and return a :class:`Sample` with a value for every metric of the case.
The runner interleaves the two sides' trials and keeps every sample; the report takes the
median, min and max of each metric.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


class Pending(Exception):
    """This side cannot be measured yet (for example the TUI is not built); says why."""


@dataclass(frozen=True)
class Goal:
    """A goal of the issue, as text, with a check on the two sides' medians.

    ``check(threadline, baseline)`` returns whether it is met; ``baseline`` is None when the
    figure has none or it failed.
    """

    text: str
    check: Callable[[float, float | None], bool]
    needs_baseline: bool = False


def at_least(value: float, unit: str = "") -> Goal:
    return Goal(f">= {_num(value)}{_unit(unit)}", lambda t, b: t >= value)


def at_most(value: float, unit: str = "") -> Goal:
    return Goal(f"<= {_num(value)}{_unit(unit)}", lambda t, b: t <= value)


def ratio_at_least(factor: float) -> Goal:
    """Threadline / baseline >= ``factor`` (higher is better)."""
    return Goal(
        f">= {_num(factor)}x baseline",
        lambda t, b: b is not None and b > 0 and t / b >= factor,
        needs_baseline=True,
    )


def ratio_at_most(factor: float) -> Goal:
    """Threadline / baseline <= ``factor`` (lower is better)."""
    return Goal(
        f"<= {_num(factor)}x baseline",
        lambda t, b: b is not None and b > 0 and t / b <= factor,
        needs_baseline=True,
    )


def all_of(*goals: Goal) -> Goal:
    return Goal(
        " and ".join(g.text for g in goals),
        lambda t, b: all(g.check(t, b) for g in goals),
        needs_baseline=any(g.needs_baseline for g in goals),
    )


def _num(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:g}"


def _unit(unit: str) -> str:
    return f" {unit}" if unit else ""


@dataclass(frozen=True)
class Metric:
    """One row of the table."""

    key: str  # unique across the suite, e.g. "5.events"
    label: str  # the "figure" column
    unit: str
    goal: Goal | None = None
    baseline: bool = True  # False: no stock baseline exists (the column shows "—")


@dataclass
class Sample:
    """One trial's values by metric key; ``notes`` say why a value is partial."""

    values: dict[str, float]
    notes: dict[str, str] = field(default_factory=dict)


Trial = Callable[[], Sample]


@dataclass(frozen=True)
class Case:
    """One input, measured on both sides in the same invocation."""

    name: str
    metrics: tuple[Metric, ...]
    threadline: Trial
    baseline: Trial | None = None


@dataclass(frozen=True)
class Derived:
    """A row computed from other rows' medians (e.g. cost at 20k / cost at 1k), per side."""

    metric: Metric
    compute: Callable[[Callable[[str], float | None]], float | None]


@dataclass(frozen=True)
class Options:
    quick: bool
    repeat: int
    budget: float  # seconds one TUI trial may take before it stops and says so
    workdir: Path  # a temporary folder the run owns
    verbose: bool = False


@dataclass(frozen=True)
class Figure:
    """One figure of the issue: its cases, and rows derived from them."""

    id: str  # "1a", "5", ...
    slug: str  # "render", "sse", ...
    title: str
    cases: Callable[[Options], list[Case]]
    derived: Callable[[Options], list[Derived]] | None = None

    def matches(self, name: str) -> bool:
        name = name.lower()
        return name in (self.id, self.slug) or self.id.rstrip("abcdef") == name
