"""The Run tab: where the run went and when, and every setting it ran with.

The timeline lists each status the run reached: from its stream events when they were
recorded (``requires_action`` and the offsets of each change are only known from there),
else from the run object's own timestamps. Times are wall-clock, offsets are seconds into
the stream, durations run from one line to the next.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import tzinfo
from typing import Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Collapsible, Static

from .format import (
    STATUS_MARKS,
    STATUS_TIME_FIELD,
    bounded_content,
    clock_time,
    ended_at,
    labelled,
    number,
    offset,
    run_duration,
    seconds,
    short_line,
    usage_lines,
    value_text,
)
from .records import EventRecord

TimelineRow = tuple[str, int | None, float | None]  # status, epoch time, stream offset


def timeline(run: Mapping[str, Any], records: Sequence[EventRecord] | None) -> list[TimelineRow]:
    """``(status, epoch, offset)`` for each status the run reached, in order."""
    rows: list[TimelineRow] = [("created", number(run.get("created_at")), None)]
    run_id = run.get("id")
    seen_events = False
    for record in records or ():
        if not record.name.startswith("thread.run.") or record.name.startswith("thread.run.step"):
            continue
        data = record.data_json()
        if not isinstance(data, Mapping) or data.get("id") != run_id:
            continue
        seen_events = True
        status = record.name.removeprefix("thread.run.")
        if status == "created":
            rows[0] = ("created", rows[0][1], record.at)
            continue
        field = STATUS_TIME_FIELD.get(status)
        rows.append((status, number(data.get(field)) if field else None, record.at))
    if not seen_events:
        for status, field in STATUS_TIME_FIELD.items():
            stamp = number(run.get(field))
            if stamp:
                rows.append(("started" if status == "in_progress" else status, stamp, None))
    return rows


def timeline_content(rows: list[TimelineRow], zone: tzinfo | None) -> Content:
    """One line per status: mark, status, when (wall clock, else offset), time spent in it."""
    lines = []
    for index, (status, stamp, at) in enumerate(rows):
        after = rows[index + 1] if index + 1 < len(rows) else None
        took = ""
        if after is not None:
            if at is not None and after[2] is not None:
                # Offsets restart with each stream (after tool outputs): no span across.
                took = seconds(after[2] - at) if after[2] >= at else ""
            elif stamp and after[1]:
                took = seconds(max(0, after[1] - stamp))
        when = offset(at) or clock_time(stamp, zone)
        lines.append(
            Content.assemble(
                f"{STATUS_MARKS.get(status, '·')} ",
                (f"{short_line(status, 40):<15}", "bold" if after is None else ""),
                (f" {when:>8}", "dim"),
                f" {took}" if took else "",
            )
        )
    return Content("\n").join(lines)


def span_content(run: Mapping[str, Any], zone: tzinfo | None) -> Content:
    """``15:09:01 → 15:09:03 · 2s``: from creation to the end, by the run's own clock."""
    start = clock_time(number(run.get("created_at")), zone)
    duration = run_duration(run)
    end = clock_time(ended_at(run), zone) or "…"
    took = f" · {seconds(duration)}" if duration is not None else ""
    return Content.styled(f"{start or '?'} → {end}{took}", "dim")


def _tools(run: Mapping[str, Any]) -> str:
    names = []
    for tool in run.get("tools") or []:
        if not isinstance(tool, Mapping):
            continue
        function = tool.get("function")
        if tool.get("type") == "function" and isinstance(function, Mapping):
            names.append(f"function {value_text(function.get('name'))}")
        else:
            names.append(value_text(tool.get("type")))
    return ", ".join(names) or "none"


def _truncation(value: Any) -> str:
    if isinstance(value, Mapping) and value.get("type") == "last_messages":
        return f"last {value_text(value.get('last_messages'))} messages"
    return value_text(value.get("type")) if isinstance(value, Mapping) else value_text(value)


def settings_content(run: Mapping[str, Any]) -> Content:
    lines = [
        labelled("model", value_text(run.get("model"))),
        labelled("assistant", value_text(run.get("assistant_id"))),
        labelled("tools", _tools(run)),
        labelled("tool_choice", value_text(run.get("tool_choice"))),
        labelled("parallel_tool_calls", value_text(run.get("parallel_tool_calls"))),
        labelled(
            "temperature",
            f"{value_text(run.get('temperature'))}  top_p {value_text(run.get('top_p'))}",
        ),
        labelled("truncation", _truncation(run.get("truncation_strategy"))),
        labelled(
            "max tokens",
            f"prompt {value_text(run.get('max_prompt_tokens'))} · "
            f"completion {value_text(run.get('max_completion_tokens'))}",
        ),
        labelled("response_format", value_text(run.get("response_format"))),
    ]
    usage = usage_lines(run.get("usage"))
    lines.append(labelled("usage", "" if usage else "—"))
    lines += [Content(f"  {line}") for line in usage]
    return Content("\n").join(lines)


def problems_content(run: Mapping[str, Any]) -> Content | None:
    lines = []
    error = run.get("last_error")
    if isinstance(error, Mapping):
        lines.append(
            Content.assemble(
                ("last_error ", "bold $text-error"),
                (
                    f"{value_text(error.get('code'))}: {value_text(error.get('message'))}",
                    "$text-error",
                ),
            )
        )
    incomplete = run.get("incomplete_details")
    if isinstance(incomplete, Mapping):
        lines.append(
            Content.assemble(
                ("incomplete_details ", "bold $text-warning"), value_text(incomplete.get("reason"))
            )
        )
    action = run.get("required_action")
    if isinstance(action, Mapping):
        calls = (action.get("submit_tool_outputs") or {}).get("tool_calls") or []
        names = [
            f"{value_text((c.get('function') or {}).get('name'))} ({value_text(c.get('id'))})"
            for c in calls
            if isinstance(c, Mapping)
        ]
        lines.append(
            Content.assemble(
                ("required_action ", "bold $text-warning"),
                f"{value_text(action.get('type'))}: {', '.join(names) or '—'}",
            )
        )
    return Content("\n").join(lines) if lines else None


class RunView(VerticalScroll):
    """The selected run: timeline, problems, settings, metadata, instructions."""

    DEFAULT_CSS = """
    RunView {
        height: 1fr;
        scrollbar-size-vertical: 1;
        & > Static { height: auto; }
        & > .section { margin: 1 0 0 0; text-style: bold; color: $text-primary; }
        & > #run-problems { margin: 1 0 0 0; }
        & > Collapsible { padding: 0; margin: 1 0 0 0; border: none; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.run: dict[str, Any] = {}
        self._title = Static(Content("No run selected."), id="run-title")
        self._timeline = Static(Content(""), id="run-timeline")
        self._problems = Static(Content(""), id="run-problems")
        self._settings = Static(Content(""), id="run-settings")
        self._metadata = Static(Content(""), id="run-metadata")
        self._instructions = Static(Content(""), id="run-instructions")

    def compose(self) -> ComposeResult:
        yield self._title
        yield Static("Timeline", classes="section")
        yield self._timeline
        yield self._problems
        yield Static("Settings", classes="section")
        yield self._settings
        yield self._metadata
        with Collapsible(title="Instructions", collapsed=True, id="run-instructions-box"):
            yield self._instructions

    def show(
        self,
        run: Mapping[str, Any] | None,
        records: Sequence[EventRecord] | None,
        zone: tzinfo | None = None,
    ) -> None:
        if not run:
            self.run = {}
            self._title.update(Content("No run selected."))
            for part in (self._timeline, self._problems, self._settings, self._metadata):
                part.update(Content(""))
            self._instructions.update(Content(""))
            return
        self.run = dict(run)
        status = value_text(run.get("status"))
        self._title.update(
            Content.assemble(
                (short_line(str(run.get("id", ""))), "bold"),
                "  ",
                (
                    f"{STATUS_MARKS.get(status, '·')} {status}",
                    "$text-error" if status in {"failed", "expired"} else "bold",
                ),
            )
        )
        self._timeline.update(
            Content("\n").join(
                [span_content(run, zone), timeline_content(timeline(run, records), zone)]
            )
        )
        problems = problems_content(run)
        self._problems.update(problems or Content(""))
        self._problems.display = problems is not None
        self._settings.update(settings_content(run))
        metadata = run.get("metadata")
        self._metadata.update(labelled("metadata", value_text(metadata) if metadata else "—"))
        instructions = run.get("instructions")
        self._instructions.update(
            bounded_content(instructions)
            if isinstance(instructions, str) and instructions
            else Content.styled("(none)", "dim")
        )
