"""Typed stream events: one SSE event (name + JSON data) becomes one model.

``parse_event`` never raises for anything a server can send: an event name it does not know
becomes :class:`UnknownEvent` (kept, counted by the reducer), and data that is not JSON, or
JSON of the wrong shape, becomes :class:`InvalidEvent` carrying the reason.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, Union

from pydantic import Discriminator, PrivateAttr, Tag, ValidationError

from ._base import APIModel, discriminator_for
from ._deltas import MessageDelta, RunStepDelta
from ._objects import Message, Run, RunStep, Thread

RUN_EVENTS = frozenset(
    f"thread.run.{s}"
    for s in (
        "created",
        "queued",
        "in_progress",
        "requires_action",
        "completed",
        "incomplete",
        "failed",
        "cancelling",
        "cancelled",
        "expired",
    )
)
STEP_EVENTS = frozenset(
    f"thread.run.step.{s}"
    for s in ("created", "in_progress", "completed", "failed", "cancelled", "expired")
)
MESSAGE_EVENTS = frozenset(
    f"thread.message.{s}" for s in ("created", "in_progress", "completed", "incomplete")
)
#: Events whose object is final: the server's full object replaces whatever was accumulated.
FINAL_EVENTS = frozenset(
    e
    for e in RUN_EVENTS | STEP_EVENTS | MESSAGE_EVENTS
    if e.rsplit(".", 1)[1] in {"completed", "incomplete", "failed", "cancelled", "expired"}
)
TERMINAL_RUN_EVENTS = FINAL_EVENTS & RUN_EVENTS


class _Event(APIModel):
    event: str
    # The decoded JSON as received, so the reducer merges plain dicts without re-dumping.
    _raw: Any = PrivateAttr(default=None)

    def data_dict(self) -> Any:
        """The event's data as plain JSON values, exactly as received when parsed."""
        if self._raw is not None:
            return self._raw
        data = getattr(self, "data", None)
        return data.to_dict() if isinstance(data, APIModel) else data


class ThreadEvent(_Event):
    event: Literal["thread.created"]
    data: Thread


class RunEvent(_Event):
    event: str
    data: Run


class RunStepEvent(_Event):
    event: str
    data: RunStep


class RunStepDeltaEvent(_Event):
    event: Literal["thread.run.step.delta"]
    data: RunStepDelta


class MessageEvent(_Event):
    event: str
    data: Message


class MessageDeltaEvent(_Event):
    event: Literal["thread.message.delta"]
    data: MessageDelta


class ErrorData(APIModel):
    message: str = ""
    type: str | None = None
    param: str | None = None
    code: str | None = None


class ErrorEvent(_Event):
    """``event: error``: the server reports a failure inside the stream."""

    event: Literal["error"]
    data: ErrorData


class DoneEvent(_Event):
    """``data: [DONE]``: the stream is over."""

    event: Literal["done"] = "done"
    data: str = "[DONE]"


class UnknownEvent(_Event):
    """An event name this version does not know; kept so nothing is lost."""

    event: str
    data: Any = None


class InvalidEvent(_Event):
    """An event whose data is not JSON, or not the shape its name promises."""

    event: str
    data: str
    error: str


_TAGS: dict[str, str] = {
    "thread.created": "thread",
    "thread.run.step.delta": "step_delta",
    "thread.message.delta": "message_delta",
    "error": "error",
    "done": "done",
    **{e: "run" for e in RUN_EVENTS},
    **{e: "step" for e in STEP_EVENTS},
    **{e: "message" for e in MESSAGE_EVENTS},
}
_MODELS: dict[str, type[_Event]] = {
    "thread": ThreadEvent,
    "run": RunEvent,
    "step": RunStepEvent,
    "step_delta": RunStepDeltaEvent,
    "message": MessageEvent,
    "message_delta": MessageDeltaEvent,
    "error": ErrorEvent,
    "done": DoneEvent,
}

StreamEvent = Annotated[
    Union[  # noqa: UP007
        Annotated[ThreadEvent, Tag("thread")],
        Annotated[RunEvent, Tag("run")],
        Annotated[RunStepEvent, Tag("step")],
        Annotated[RunStepDeltaEvent, Tag("step_delta")],
        Annotated[MessageEvent, Tag("message")],
        Annotated[MessageDeltaEvent, Tag("message_delta")],
        Annotated[ErrorEvent, Tag("error")],
        Annotated[DoneEvent, Tag("done")],
        Annotated[UnknownEvent, Tag("__unknown__")],
    ],
    Discriminator(discriminator_for(_TAGS, "event")),
]
"""Any event of an Assistants stream; see :func:`parse_event`."""

AnyEvent = (
    ThreadEvent
    | RunEvent
    | RunStepEvent
    | RunStepDeltaEvent
    | MessageEvent
    | MessageDeltaEvent
    | ErrorEvent
    | DoneEvent
    | UnknownEvent
    | InvalidEvent
)


MAX_DEPTH = 64
"""The deepest nesting of objects and arrays accepted in event data. Real events nest
about ten deep; a deeper one is refused here, so that nothing downstream (the reducer, the
views) that walks data recursively can be made to overflow the stack."""


def _too_deep(data: str, decoded: Any) -> bool:
    # The depth cannot exceed the number of brackets: most events are never walked.
    if data.count("{") + data.count("[") <= MAX_DEPTH:
        return False
    stack: list[tuple[Any, int]] = [(decoded, 1)]
    while stack:
        value, depth = stack.pop()
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_DEPTH:
            return True
        children = value.values() if isinstance(value, dict) else value
        stack.extend((child, depth + 1) for child in children)
    return False


def parse_event(name: str, data: str) -> AnyEvent:
    """Turn one SSE event into a typed event. Never raises for server-sent input."""
    if data == "[DONE]":
        return DoneEvent()
    tag = _TAGS.get(name)
    try:
        decoded = json.loads(data)
        problem = f"data is nested more than {MAX_DEPTH} deep" if _too_deep(data, decoded) else ""
    except (ValueError, RecursionError) as exc:
        problem = f"data is not JSON: {exc}"
    if problem:
        if tag is None:
            return UnknownEvent(event=name, data=data)
        return InvalidEvent(event=name, data=data, error=problem)
    if tag is None:
        unknown = UnknownEvent(event=name, data=decoded)
        unknown._raw = decoded
        return unknown
    try:
        event: AnyEvent = _MODELS[tag].model_validate({"event": name, "data": decoded})  # type: ignore[assignment]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"][1:]) or "data"
        return InvalidEvent(event=name, data=data, error=f"{where}: {first['msg']}")
    event._raw = decoded
    return event
