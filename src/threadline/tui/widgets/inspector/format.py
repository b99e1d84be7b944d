"""Pure helpers for the inspector: JSON, durations, times, usage, as clean text or Content.

Everything here takes API data (untrusted) and returns text that went through
``core.sanitize.clean``/``clean_line``, or ``Content`` built from such text, never markup.

What is shown is bounded, whatever the server sends (a 1 MB tool argument, a step list
of ten thousand): a string value at most :data:`MAX_STRING` characters, a block of text at
most :data:`MAX_LINES` lines and :data:`MAX_CHARS` characters, a name on one line of
:data:`NAME_LIMIT`. What was left out is counted on screen; the copy keys copy it whole.
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

MAX_STRING = 1_000
"""Characters shown of one string value inside JSON (the rest is counted)."""
MAX_LINES = 200
"""Lines shown of one block of text or JSON."""
MAX_CHARS = 10_000
"""Characters shown of one block of text or JSON."""
NAME_LIMIT = 120
"""Characters shown of a name, an id or a status: one line."""

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


def redacted(value: Any, redact: Callable[[str], str] | None) -> Any:
    """``value`` with ``redact`` applied to every string in it (the API key replaced)."""
    if redact is None:
        return value
    text = json.dumps(value, ensure_ascii=False)
    safe = redact(text)
    return value if safe == text else json.loads(safe)


def shorten(value: Any, limit: int = MAX_STRING) -> Any:
    """``value`` with each string longer than ``limit`` cut, saying how much was left out."""
    if isinstance(value, str):
        if len(value) <= limit:
            return value
        return f"{value[:limit]}… [{len(value) - limit:,} more characters]"
    if isinstance(value, dict):
        return {key: shorten(item, limit) for key, item in value.items()}
    if isinstance(value, list):
        return [shorten(item, limit) for item in value]
    return value


def head(text: str, lines: int = MAX_LINES, chars: int = MAX_CHARS) -> tuple[str, int, int]:
    """The first ``lines`` lines and ``chars`` characters of ``text``, and how many lines
    and characters were left out."""
    cut = min(len(text), chars)
    newline = -1
    for _ in range(lines):
        newline = text.find("\n", newline + 1, cut)
        if newline < 0:
            break
    else:
        cut = newline
    if cut >= len(text):
        return text, 0, 0
    shown = text[:cut]
    total = text.count("\n") + (0 if text.endswith("\n") else 1)
    return shown, total - shown.count("\n") - 1, len(text) - cut


def left_out(lines: int, chars: int) -> Content:
    """``… 9,800 more lines not shown (1,000,016 characters): …``"""
    more = f"{lines:,} more line{'s' if lines != 1 else ''}" if lines else "the rest"
    return Content.styled(
        f"… {more} not shown ({chars:,} characters): the copy key copies it whole", "dim italic"
    )


def bounded_content(text: str, language: str | None = None) -> Content:
    """Untrusted ``text`` cleaned and cut to what is shown (highlighted in ``language``)."""
    shown, lines, chars = head(clean(text))
    content = highlight(shown, language=language) if language else Content(shown)
    return content if not chars else Content("\n").join([content, left_out(lines, chars)])


def json_content(
    value: Any, redact: Callable[[str], str] | None = None, limit: int = MAX_STRING
) -> Content:
    """Pretty, highlighted JSON of ``value``, cleaned for the terminal (and ``redact``-ed),
    strings longer than ``limit`` and long documents cut (see the module docstring)."""
    try:
        value = shorten(redacted(value, redact), limit)
    except RecursionError:  # nested past Python's limit: shown as text, cut
        return bounded_content(json.dumps(value, ensure_ascii=False))
    return bounded_content(to_json(value), "json")


def arguments_content(arguments: str) -> tuple[Content, bool]:
    """A tool call's arguments pretty-printed as JSON, or the raw text; True if valid."""
    try:
        parsed = json.loads(arguments)
    except (ValueError, RecursionError):
        return bounded_content(arguments), False
    return json_content(parsed), True


def short_line(text: str, limit: int = NAME_LIMIT) -> str:
    """Untrusted ``text`` as one clean line of at most ``limit`` characters."""
    line = clean_line(text)
    return line if len(line) <= limit else line[: limit - 1] + "…"


def short_id(object_id: str, keep: int = 8) -> str:
    """``run_abc…wxyz``-style ids that still tell runs apart in a narrow pane."""
    object_id = clean_line(object_id)
    prefix, sep, rest = object_id.partition("_")
    if not sep or len(rest) <= keep:
        return short_line(object_id)
    return f"{short_line(prefix, 40)}_{rest[-keep:]}"


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
        return short_line(value, MAX_STRING)
    return short_line(json.dumps(value, ensure_ascii=False), MAX_STRING)


def labelled(label: str, value: str) -> Content:
    """``label  value`` with the label dimmed (both already clean)."""
    return Content.assemble((f"{label} ", "dim"), value)
