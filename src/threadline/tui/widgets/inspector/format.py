"""Pure helpers for the inspector: JSON, durations, times, usage, as clean text or Content.

Everything here takes API data (untrusted) and returns text that went through
``core.sanitize.clean``/``clean_line``, or ``Content`` built from such text, never markup.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any

from textual.content import Content
from textual.highlight import highlight

from threadline.core.sanitize import clean, clean_line

# Run statuses -> (mark, css class suffix). Plain glyphs that every terminal font has.
STATUS_MARKS: dict[str, str] = {
    "completed": "✓",
    "failed": "✗",
    "expired": "✗",
    "cancelled": "⊘",
    "cancelling": "⊘",
    "incomplete": "!",
    "requires_action": "?",
    "queued": "…",
    "in_progress": "●",
}
FAILED = frozenset({"failed", "expired", "incomplete", "cancelled"})

# A run status -> the run field holding when it was reached.
STATUS_TIME_FIELD = {
    "in_progress": "started_at",
    "completed": "completed_at",
    "failed": "failed_at",
    "cancelled": "cancelled_at",
    "expired": "expired_at",
    "incomplete": "incomplete_at",
}


def to_json(value: Any) -> str:
    """Pretty JSON exactly as the API returned it (unknown fields kept), raw text."""
    return json.dumps(value, indent=2, ensure_ascii=False)


def json_content(value: Any, redact: Callable[[str], str] | None = None) -> Content:
    """Pretty, highlighted JSON of ``value``, cleaned for the terminal (and ``redact``-ed)."""
    text = to_json(value)
    return highlight(clean(redact(text) if redact is not None else text), language="json")


def arguments_content(arguments: str) -> tuple[Content, bool]:
    """A tool call's arguments pretty-printed as JSON, or the raw text; True if valid."""
    try:
        parsed = json.loads(arguments)
    except (ValueError, RecursionError):
        return Content(clean(arguments)), False
    return json_content(parsed), True


def short_id(object_id: str, keep: int = 8) -> str:
    """``run_abc…wxyz``-style ids that still tell runs apart in a narrow pane."""
    object_id = clean_line(object_id)
    prefix, sep, rest = object_id.partition("_")
    if not sep or len(rest) <= keep:
        return object_id
    return f"{prefix}_{rest[-keep:]}"


def seconds(value: float) -> str:
    """``0.8s``, ``12s``, ``3m 05s``."""
    if value < 10:
        return f"{value:.1f}s" if value >= 0.1 or value == 0 else f"{value * 1000:.0f}ms"
    if value < 60:
        return f"{value:.0f}s"
    minutes, rest = divmod(int(value), 60)
    return f"{minutes}m {rest:02d}s"


def offset(value: float | None) -> str:
    """An arrival offset: ``+1.234s``; blank when unknown."""
    return "" if value is None else f"+{value:.3f}s"


def clock_time(epoch: float | None, zone: tzinfo | None = None) -> str:
    """``15:09:01`` in ``zone`` (the local zone when None); blank for a missing time."""
    if not epoch:
        return ""
    return datetime.fromtimestamp(epoch, tz=zone or UTC).astimezone(zone).strftime("%H:%M:%S")


def number(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


END_FIELDS = ("completed_at", "failed_at", "cancelled_at", "expired_at")
"""Where a run or step object records how it ended."""


def ended_at(obj: Mapping[str, Any]) -> int | None:
    """When a run or step ended (its first end timestamp that is set)."""
    return next((stamp for f in END_FIELDS if (stamp := number(obj.get(f)))), None)


def _span(start: int | None, end: int | None) -> float | None:
    return float(end - start) if start and end and end >= start else None


def run_duration(run: Mapping[str, Any]) -> float | None:
    """Seconds from a run's start (or creation) to its end; None while it runs."""
    return _span(number(run.get("started_at")) or number(run.get("created_at")), ended_at(run))


def step_duration(step: Mapping[str, Any]) -> float | None:
    return _span(number(step.get("created_at")), ended_at(step))


def usage_lines(usage: Any) -> list[str]:
    """``prompt 120 · completion 35 · total 155`` and, when present, the details."""
    if not isinstance(usage, Mapping):
        return []
    main = " · ".join(
        f"{name} {usage[key]}"
        for key, name in (
            ("prompt_tokens", "prompt"),
            ("completion_tokens", "completion"),
            ("total_tokens", "total"),
        )
        if number(usage.get(key)) is not None
    )
    lines = [main] if main else []
    details = []
    for key in ("prompt_token_details", "prompt_tokens_details"):
        cached = usage.get(key)
        if isinstance(cached, Mapping) and number(cached.get("cached_tokens")) is not None:
            details.append(f"cached {cached['cached_tokens']}")
    for key in ("completion_tokens_details", "completion_token_details"):
        reasoning = usage.get(key)
        if isinstance(reasoning, Mapping) and number(reasoning.get("reasoning_tokens")) is not None:
            details.append(f"reasoning {reasoning['reasoning_tokens']}")
    if details:
        lines.append(" · ".join(details))
    return [clean_line(line) for line in lines]


def usage_short(usage: Any) -> str:
    """``21 in / 2 out`` for a step header; blank without usage."""
    if not isinstance(usage, Mapping):
        return ""
    prompt, completion = number(usage.get("prompt_tokens")), number(usage.get("completion_tokens"))
    if prompt is None and completion is None:
        return ""
    return f"{prompt or 0} in / {completion or 0} out"


def tokens(usage: Any) -> str:
    """``155 tok`` for a run list row; blank without usage."""
    if isinstance(usage, Mapping) and number(usage.get("total_tokens")) is not None:
        return f"{usage['total_tokens']} tok"
    return ""


def value_text(value: Any) -> str:
    """A setting's value on one line: strings as they are, the rest as compact JSON."""
    if value is None:
        return "—"
    if isinstance(value, str):
        return clean_line(value)
    return clean_line(json.dumps(value, ensure_ascii=False))


def labelled(label: str, value: str) -> Content:
    """``label  value`` with the label dimmed (both already clean)."""
    return Content.assemble((f"{label} ", "dim"), value)
