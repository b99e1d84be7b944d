"""The results as a text table (median [min–max] per side, ratio, goal) and as JSON."""

from __future__ import annotations

import json
import os
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from .runner import Row, Side

HEADERS = ("figure", "Threadline", "baseline", "ratio", "goal", "met")


def fmt(value: float) -> str:
    """Three significant digits, thousands separated: 34,100 / 512 / 2.47 / 0.0312."""
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{round(value, -len(str(int(magnitude))) + 3):,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    return f"{value:.3g}"


def ratio(row: Row) -> float | None:
    ours, theirs = row.threadline.stats, row.baseline.stats if row.baseline else None
    if ours is None or theirs is None or theirs.median == 0:
        return None
    return ours.median / theirs.median


def met(row: Row) -> bool | None:
    """Whether the row's goal is met; None when there is no goal or nothing to judge."""
    goal = row.metric.goal
    if goal is None or row.threadline.stats is None:
        return None
    theirs = row.baseline.stats.median if row.baseline and row.baseline.stats else None
    if goal.needs_baseline and theirs is None:
        return None
    return goal.check(row.threadline.stats.median, theirs)


def _cell(side: Side | None, notes: list[str]) -> str:
    if side is None:
        return "—"
    if side.pending is not None:
        return f"pending: {side.pending}"
    if side.stats is None:
        error = f"error: {side.error}"
        return error if len(error) <= 60 else error[:59] + "…"
    stats = side.stats
    text = fmt(stats.median)
    if stats.runs > 1:
        text += f" [{fmt(stats.low)}–{fmt(stats.high)}]"
    for note in side.notes:
        if note == "from the rows' medians":
            continue
        if note not in notes:
            notes.append(note)
        text += f" *{notes.index(note) + 1}"
    return text


def table(rows: list[Row]) -> str:
    notes: list[str] = []
    lines: list[tuple[str, ...]] = [HEADERS]
    for row in rows:
        r = ratio(row)
        ok = met(row)
        lines.append(
            (
                f"{row.figure.id} {row.metric.label} ({row.metric.unit})",
                _cell(row.threadline, notes),
                _cell(row.baseline, notes),
                f"{r:.2f}x" if r is not None else "—",
                row.metric.goal.text if row.metric.goal else "",
                ""
                if ok is None and row.metric.goal is None
                else {True: "yes", False: "NO"}.get(ok, "?"),
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(HEADERS))]
    out = []
    for index, line in enumerate(lines):
        out.append("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
        if index == 0:
            out.append("  ".join("-" * w for w in widths))
    out.extend(f"*{i + 1} {note}" for i, note in enumerate(notes))
    out.append("median [min–max] of the runs; ratio = Threadline / baseline (medians)")
    return "\n".join(out)


def _side_json(side: Side | None) -> dict[str, Any] | None:
    if side is None:
        return None
    stats = side.stats
    return {
        "median": stats.median if stats else None,
        "min": stats.low if stats else None,
        "max": stats.high if stats else None,
        "runs": stats.runs if stats else 0,
        "pending": side.pending,
        "error": side.error,
        "notes": side.notes,
    }


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def to_json(rows: list[Row], argv: list[str], started: float, took: float) -> dict[str, Any]:
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "command": ["python", "-m", "bench", *argv],
        "started": started,
        "seconds": round(took, 1),
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average": list(load) if load else None,
            "textual": _version("textual"),
            "openai": _version("openai"),
            "threadline": _version("threadline"),
        },
        "rows": [
            {
                "figure": row.figure.id,
                "slug": row.figure.slug,
                "key": row.metric.key,
                "label": row.metric.label,
                "unit": row.metric.unit,
                "threadline": _side_json(row.threadline),
                "baseline": _side_json(row.baseline),
                "ratio": ratio(row),
                "goal": row.metric.goal.text if row.metric.goal else None,
                "met": met(row),
            }
            for row in rows
        ],
    }


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
