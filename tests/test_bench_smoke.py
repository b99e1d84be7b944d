"""The benchmark suite still runs (so it cannot rot); it is not the benchmark itself.

Every figure's quick cases are built, and one trial of each kind of child the suite
starts runs end to end: the real ``threadline`` app under a pty (streaming below seeded
messages, paced with keys typed in; opening a long thread and scrolling up), the console
script and the stock apps' start-up, ``threadline serve``, and the CLI with figure 5's
in-process trials. Sizes are tiny and only "every side produced a value" is checked.

Each trial starts fresh processes (that is the code under test), so these take 1-3 s
each. Left out, as they run the same programs the same way as a case here: figure 2
(1b's programs with another COLORTERM) and 1b's stock side (1a's stock app, under a pty).
The benchmark itself is ``make bench``.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from bench.cli import main
from bench.figures import FIGURES
from bench.model import Case, Figure, Options
from bench.runner import run_case

SMOKED = ("render", "live", "startup", "thread", "server")
THREADLINE_ONLY = ("live",)


def _options(tmp_path: Path) -> Options:
    return Options(quick=True, repeat=1, budget=20.0, workdir=tmp_path)


def test_every_figure_builds_its_cases_with_distinct_rows(tmp_path: Path) -> None:
    keys: list[str] = []
    for figure in FIGURES:
        cases: list[Case] = figure.cases(_options(tmp_path))
        assert cases, figure.slug
        keys += [metric.key for case in cases for metric in case.metrics]
        if figure.derived:
            keys += [item.metric.key for item in figure.derived(_options(tmp_path))]
    assert len(keys) == len(set(keys))


@pytest.mark.slow
@pytest.mark.parametrize("slug", SMOKED)
def test_a_figure_measures_both_sides(slug: str, tmp_path: Path) -> None:
    figure: Figure = next(f for f in FIGURES if f.slug == slug)
    case = figure.cases(_options(tmp_path))[-1]  # the last case exercises the most code
    if slug in THREADLINE_ONLY:
        case = replace(case, baseline=None)
    rows = run_case(figure, case, _options(tmp_path), log=lambda _: None)
    assert rows
    for row in rows:
        ours, theirs = row.threadline, row.baseline
        assert ours.stats is not None, f"{row.metric.key}: {ours.error or ours.pending}"
        assert ours.stats.median >= 0
        if theirs is not None:
            assert theirs.stats is not None, f"{row.metric.key}: {theirs.error}"


def test_cli_prints_the_table_and_writes_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results.json"
    assert main(["--quick", "--only", "sse", "--json", str(out)]) == 0
    table = capsys.readouterr().out
    assert "parse+reduce" in table
    assert ">= 3x baseline" in table
    data = json.loads(out.read_text())
    (cpu, wall) = data["rows"]
    assert cpu["key"] == "5.cpu"
    assert cpu["threadline"]["median"] > 0
    assert cpu["baseline"]["median"] > 0
    assert cpu["ratio"] == pytest.approx(cpu["threadline"]["median"] / cpu["baseline"]["median"])
    assert wall["goal"] is None


def test_cli_rejects_an_unknown_figure(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--only", "nonsense"])
    assert exit_info.value.code == 2
    assert "no figure named nonsense" in capsys.readouterr().err
