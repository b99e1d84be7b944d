"""Runs each case's two sides interleaved (A, B, A, B, ...) and summarises the samples.

Interleaving in one invocation is what makes the ratio hold on a noisy, shared machine:
whatever else the machine is doing hits both sides alike. A side that raises
:class:`~bench.model.Pending` is reported as pending and not tried again; any other error
is reported in its cell, and the run carries on with the next case.
"""

from __future__ import annotations

import statistics
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

from .model import Case, Derived, Figure, Metric, Options, Pending, Sample, Trial


@dataclass
class Stats:
    median: float
    low: float
    high: float
    runs: int

    @classmethod
    def of(cls, values: list[float]) -> Stats:
        return cls(statistics.median(values), min(values), max(values), len(values))


@dataclass
class Side:
    """What one side of a row measured: stats, or why there are none."""

    stats: Stats | None = None
    pending: str | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Row:
    figure: Figure
    metric: Metric
    threadline: Side
    baseline: Side | None  # None: the figure has no stock baseline


@dataclass
class _Collected:
    samples: list[Sample] = field(default_factory=list)
    pending: str | None = None
    error: str | None = None


Log = Callable[[str], None]


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def run_figures(figures: list[Figure], options: Options, log: Log = _say) -> list[Row]:
    rows: list[Row] = []
    for figure in figures:
        log(f"figure {figure.id} ({figure.slug}): {figure.title}")
        try:
            cases = figure.cases(options)
        except Exception as exc:  # a figure that cannot even set up still gets a row
            log(f"  setup failed: {exc!r}")
            if options.verbose:
                traceback.print_exc()
            failed = Side(error=f"setup: {type(exc).__name__}: {exc}")
            rows.append(Row(figure, Metric(f"{figure.id}.setup", figure.slug, "-"), failed, None))
            continue
        figure_rows: list[Row] = []
        for case in cases:
            figure_rows.extend(run_case(figure, case, options, log))
        figure_rows.extend(_derive(figure, figure_rows, options))
        rows.extend(figure_rows)
    return rows


def run_case(figure: Figure, case: Case, options: Options, log: Log = _say) -> list[Row]:
    ours, theirs = _Collected(), _Collected()
    sides: list[tuple[str, Trial, _Collected]] = [("threadline", case.threadline, ours)]
    if case.baseline is not None:
        sides.append(("baseline", case.baseline, theirs))
    for attempt in range(options.repeat):
        for name, trial, collected in sides:
            if collected.pending is not None or collected.error is not None:
                continue
            started = time.perf_counter()
            try:
                sample = trial()
            except Pending as exc:
                collected.pending = str(exc)
                log(f"  {case.name} {name}: pending: {exc}")
                continue
            except Exception as exc:
                collected.error = f"{type(exc).__name__}: {exc}"
                log(f"  {case.name} {name}: error: {collected.error}")
                if options.verbose:
                    traceback.print_exc()
                continue
            collected.samples.append(sample)
            took = time.perf_counter() - started
            shown = ", ".join(f"{k}={_short(v)}" for k, v in sample.values.items())
            log(f"  {case.name} {name} #{attempt + 1} ({took:.1f} s): {shown}")
    return [
        Row(
            figure,
            metric,
            _side(ours, metric.key),
            _side(theirs, metric.key) if case.baseline is not None and metric.baseline else None,
        )
        for metric in case.metrics
    ]


def _short(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _side(collected: _Collected, key: str) -> Side:
    if collected.pending is not None:
        return Side(pending=collected.pending)
    values = [s.values[key] for s in collected.samples if key in s.values]
    notes = sorted({s.notes[key] for s in collected.samples if key in s.notes})
    if collected.error is not None and not values:
        return Side(error=collected.error)
    if not values:
        return Side(error="no value measured", notes=notes)
    return Side(Stats.of(values), notes=notes)


def _derive(figure: Figure, rows: list[Row], options: Options) -> list[Row]:
    by_key = {row.metric.key: row for row in rows}
    derived: list[Row] = []
    for item in figure.derived(options) if figure.derived else []:
        ours = _derived_side(item, lambda key: by_key[key].threadline if key in by_key else None)
        theirs = _derived_side(item, lambda key: by_key[key].baseline if key in by_key else None)
        derived.append(Row(figure, item.metric, ours, theirs if item.metric.baseline else None))
    return derived


def _derived_side(item: Derived, side_of: Callable[[str], Side | None]) -> Side:
    reasons: list[str] = []

    def median(key: str) -> float | None:
        side = side_of(key)
        if side is None or side.stats is None:
            if side is not None and side.pending:
                reasons.append(side.pending)
            return None
        return side.stats.median

    value = item.compute(median)
    if value is None:
        return Side(pending=reasons[0]) if reasons else Side(error="inputs missing")
    return Side(Stats(value, value, value, 1), notes=["from the rows' medians"])
