"""What the inspector's copy keys copy: pure choices, the pane does the copying.

Each returns ``(value, words for the notification)`` or None when nothing fits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .format import short_id
from .records import EventRecord
from .tool_calls import arguments_of


def events_to_copy(records: Sequence[EventRecord]) -> tuple[Any, str] | None:
    """The selected event's data; a folded row's events' data, as a list."""
    if not records:
        return None
    if len(records) == 1:
        return records[0].data_json(), f"event {records[0].name}"
    return [r.data_json() for r in records], f"{len(records)} {records[0].name} events"


def object_to_copy(value: Any, selection: tuple[str, str] | None) -> tuple[Any, str] | None:
    """The selected run, step or message (Run, Steps and Raw tabs)."""
    if value is None or selection is None:
        return None
    kind, object_id = selection
    return value, f"{kind} {short_id(object_id)}"


def arguments_to_copy(
    call: Mapping[str, Any] | None, step: Mapping[str, Any] | None
) -> tuple[str, str] | None:
    """A function call's arguments exactly as sent: the focused call, else the step's first."""
    calls: list[Mapping[str, Any]] = [call] if call is not None else []
    if not calls and step is not None:
        details = step.get("step_details")
        listed = details.get("tool_calls") if isinstance(details, Mapping) else None
        calls = [c for c in listed or [] if isinstance(c, Mapping)]
    for candidate in calls:
        arguments = arguments_of(candidate)
        if arguments is not None:
            function = candidate.get("function")
            name = function.get("name") if isinstance(function, Mapping) else ""
            return arguments, f"the arguments of {name}"
    return None
