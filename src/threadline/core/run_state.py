"""The run-state reducer: stream events in, the state of threads' runs out.

One :class:`RunState` holds everything a stream (or several, or a capture of many) has
said: the thread if one was created, and every run, step and message seen, in first-seen
order, as plain JSON objects in the API's own shape. The TUI, ``threadline send``,
``threadline replay`` and the tests all go through it.

Rules (the same as the hosted API's streaming contract):

* Run, step and message events carry a full object. A *final* one (``completed``,
  ``failed``, ...) replaces the snapshot outright: the server's object wins. A non-final
  one (``created``, ``in_progress``) replaces it too, except that content already built up
  from deltas (``content``, ``step_details``) is kept, since deltas may arrive first.
* Deltas merge into the snapshot: list items by their ``index`` (sparse indexes are fine),
  strings append, objects merge, other values replace. An object first seen through a delta
  gets a placeholder snapshot.
* A delta costs the same however long the message already is: appended strings are kept
  as chunk lists (:class:`_Rope`) and joined only when someone reads the snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from threadline.api import (
    FINAL_EVENTS,
    AnyEvent,
    DoneEvent,
    ErrorEvent,
    InvalidEvent,
    Message,
    MessageDeltaEvent,
    MessageEvent,
    Run,
    RunEvent,
    RunStep,
    RunStepDeltaEvent,
    RunStepEvent,
    Thread,
    ThreadEvent,
    UnknownEvent,
)

ChangeKind = Literal[
    "thread",
    "run",
    "step",
    "step_delta",
    "message",
    "message_delta",
    "error",
    "done",
    "unknown",
]

# Strings under these keys identify rather than accumulate: a repeat replaces.
_IDENTITY_KEYS = frozenset({"index", "type", "id", "role", "object", "file_id", "status"})
# Top-level fields that deltas build; a non-final snapshot must not wipe them.
_DELTA_BUILT = ("content", "step_details")


@dataclass(frozen=True, slots=True)
class Change:
    """What one applied event changed: enough for a view to update only that object."""

    kind: ChangeKind
    event: str
    object_id: str | None = None


class _Rope:
    """A string built by appends, joined lazily (and once) when read."""

    __slots__ = ("parts",)

    def __init__(self, *parts: str) -> None:
        self.parts = list(parts)

    def append(self, part: str) -> None:
        self.parts.append(part)

    def value(self) -> str:
        if len(self.parts) != 1:
            self.parts = ["".join(self.parts)]
        return self.parts[0]


class _Indexed(dict[int, Any]):
    """A list being built by index from deltas; read back in index order."""

    @classmethod
    def from_list(cls, items: list[Any]) -> _Indexed:
        return cls(enumerate(items))


def _copy(value: Any) -> Any:
    """A deep copy of JSON values: snapshots never alias an event's data."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    """A snapshot as plain JSON values: ropes joined, indexed lists in order."""
    if isinstance(value, _Rope):
        return value.value()
    if isinstance(value, _Indexed):
        return [_plain(value[k]) for k in sorted(value)]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _is_indexed_items(items: list[Any]) -> bool:
    return bool(items) and all(
        isinstance(item, dict) and isinstance(item.get("index"), int) for item in items
    )


def merge_delta(acc: dict[str, Any], delta: dict[str, Any]) -> dict[str, Any]:
    """Merge one delta object into an accumulated snapshot, in place; returns ``acc``."""
    for key, value in delta.items():
        if key == "index":
            continue
        current = acc.get(key)
        if value is None:
            acc.setdefault(key, None)
        elif isinstance(value, str):
            if isinstance(current, _Rope):
                current.append(value)
            elif isinstance(current, str) and key not in _IDENTITY_KEYS:
                acc[key] = _Rope(current, value)
            else:
                acc[key] = value
        elif isinstance(value, dict):
            if isinstance(current, dict):
                merge_delta(current, value)
            else:
                acc[key] = merge_delta({}, value)
        elif isinstance(value, list):
            acc[key] = _merge_list(current, value)
        else:
            acc[key] = value
    return acc


def _merge_list(current: Any, items: list[Any]) -> Any:
    if _is_indexed_items(items):
        target = current if isinstance(current, _Indexed) else None
        if target is None:
            target = _Indexed.from_list(current) if isinstance(current, list) else _Indexed()
        for item in items:
            index = item["index"]
            existing = target.get(index)
            if isinstance(existing, dict):
                merge_delta(existing, item)
            else:
                target[index] = merge_delta({}, item)
        return target
    if isinstance(current, _Indexed):
        start = max(current, default=-1) + 1
        for offset, item in enumerate(items):
            current[start + offset] = _copy(item)
        return current
    if isinstance(current, list):
        current.extend(_copy(items))
        return current
    return _copy(items)


class RunState:
    """Applies stream events in order; holds every object they describe."""

    def __init__(self) -> None:
        self.thread: dict[str, Any] | None = None
        self._runs: dict[str, dict[str, Any]] = {}
        self._steps: dict[str, dict[str, Any]] = {}
        self._messages: dict[str, dict[str, Any]] = {}
        self._delta_built: set[str] = set()  # ids whose snapshot holds merged deltas
        self.errors: list[dict[str, Any]] = []
        self.unknown: list[tuple[str, Any]] = []
        self.done = False
        self.events_applied = 0
        self.last_run_id: str | None = None

    # --- applying ---------------------------------------------------------------------

    def apply(self, event: AnyEvent) -> Change:
        """Apply one event. Never raises for anything a server can send."""
        self.events_applied += 1
        name = event.event
        if isinstance(event, MessageDeltaEvent):
            self._merge(self._messages, event.data.id, event.data_dict(), "thread.message")
            return Change("message_delta", name, event.data.id)
        if isinstance(event, RunStepDeltaEvent):
            self._merge(self._steps, event.data.id, event.data_dict(), "thread.run.step")
            return Change("step_delta", name, event.data.id)
        if isinstance(event, RunEvent):
            self.upsert_run(event.data_dict())
            return Change("run", name, event.data.id)
        if isinstance(event, RunStepEvent):
            self._replace(self._steps, event.data_dict(), final=name in FINAL_EVENTS)
            return Change("step", name, event.data.id)
        if isinstance(event, MessageEvent):
            self._replace(self._messages, event.data_dict(), final=name in FINAL_EVENTS)
            return Change("message", name, event.data.id)
        if isinstance(event, ThreadEvent):
            self.thread = _copy(event.data_dict())
            return Change("thread", name, event.data.id)
        if isinstance(event, ErrorEvent):
            self.errors.append({"event": name, **event.data.to_dict()})
            return Change("error", name)
        if isinstance(event, InvalidEvent):
            self.errors.append({"event": name, "message": event.error})
            return Change("error", name)
        if isinstance(event, DoneEvent):
            self.done = True
            return Change("done", name)
        if isinstance(event, UnknownEvent):
            self.unknown.append((name, event.data))
        return Change("unknown", name)

    def upsert_run(self, data: dict[str, Any]) -> None:
        """Store a full run object (from an event or a retrieve)."""
        self._runs[data["id"]] = _copy(data)
        self.last_run_id = data["id"]

    def upsert_step(self, data: dict[str, Any]) -> None:
        """Store a full step object from a retrieve or list: the server's version wins."""
        self._replace(self._steps, data, final=True)

    def upsert_message(self, data: dict[str, Any]) -> None:
        """Store a full message object from a retrieve or list: the server's version wins."""
        self._replace(self._messages, data, final=True)

    def _replace(self, store: dict[str, dict[str, Any]], data: dict[str, Any], final: bool) -> None:
        object_id = data["id"]
        snapshot = _copy(data)
        existing = store.get(object_id)
        if existing is not None and not final and object_id in self._delta_built:
            for key in _DELTA_BUILT:
                if key in existing:
                    snapshot[key] = existing[key]
        else:
            self._delta_built.discard(object_id)
        store[object_id] = snapshot

    def _merge(
        self, store: dict[str, dict[str, Any]], object_id: str, data: dict[str, Any], kind: str
    ) -> None:
        snapshot = store.get(object_id)
        if snapshot is None:
            snapshot = store[object_id] = {"id": object_id, "object": kind}
        delta = data.get("delta")
        if isinstance(delta, dict):
            merge_delta(snapshot, delta)
        self._delta_built.add(object_id)

    # --- reading ----------------------------------------------------------------------

    @property
    def unknown_events(self) -> int:
        return len(self.unknown)

    def run_ids(self) -> list[str]:
        return list(self._runs)

    def step_ids(self) -> list[str]:
        return list(self._steps)

    def message_ids(self) -> list[str]:
        return list(self._messages)

    def run_dict(self, run_id: str) -> dict[str, Any]:
        return _plain(self._runs[run_id])  # type: ignore[no-any-return]

    def step_dict(self, step_id: str) -> dict[str, Any]:
        return _plain(self._steps[step_id])  # type: ignore[no-any-return]

    def message_dict(self, message_id: str) -> dict[str, Any]:
        return _plain(self._messages[message_id])  # type: ignore[no-any-return]

    def run(self, run_id: str) -> Run:
        return Run.model_validate(self.run_dict(run_id))

    def step(self, step_id: str) -> RunStep:
        return RunStep.model_validate(self.step_dict(step_id))

    def message(self, message_id: str) -> Message:
        return Message.model_validate(self.message_dict(message_id))

    def thread_model(self) -> Thread | None:
        return Thread.model_validate(self.thread) if self.thread is not None else None

    def runs(self) -> list[Run]:
        return [self.run(i) for i in self._runs]

    def steps(self, run_id: str | None = None) -> list[RunStep]:
        return [
            self.step(i)
            for i, s in self._steps.items()
            if run_id is None or s.get("run_id") == run_id
        ]

    def messages(self) -> list[Message]:
        return [self.message(i) for i in self._messages]

    def message_text(self, message_id: str) -> str:
        """The message's text blocks joined, without materialising the rest of it."""
        content = self._messages[message_id].get("content")
        blocks = content.values() if isinstance(content, _Indexed) else content or []
        parts: list[str] = []
        for block in blocks:
            if isinstance(block, dict) and block.get("type") == "text":
                value = (block.get("text") or {}).get("value", "")
                parts.append(value.value() if isinstance(value, _Rope) else value)
        return "".join(parts)

    @property
    def run_status(self) -> str | None:
        """The status of the most recently updated run, if any."""
        if self.last_run_id is None:
            return None
        status = self._runs[self.last_run_id].get("status")
        return status if isinstance(status, str) else None

    def to_json(self) -> dict[str, Any]:
        """The state in ``threadline replay --json`` form: API-shaped objects, first-seen order."""
        return {
            "thread": _copy(self.thread),
            "runs": [_plain(r) for r in self._runs.values()],
            "steps": [_plain(s) for s in self._steps.values()],
            "messages": [_plain(m) for m in self._messages.values()],
            "errors": _copy(self.errors),
            "unknown_events": self.unknown_events,
        }
