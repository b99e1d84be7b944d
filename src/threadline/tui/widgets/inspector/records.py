"""The raw events of a conversation's runs, recorded as they arrive, for the Events tab.

An :class:`EventBook` subscribes to a conversation (like ``LiveFeed`` does) and files every
stream event under its run, in arrival order, with its offset in the stream: the driver's
captured copy when the update carries one (so the list shows exactly what the store keeps),
else the typed event. Runs that streamed before this session come from the store instead
(:meth:`EventRecord.from_raw`). Recording is a list append; everything that shows a record
(its JSON, its preview) is worked out only when a row is on screen.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from threadline.api import AnyEvent, DoneEvent, MessageDeltaEvent, RunEvent, RunStepDeltaEvent

if TYPE_CHECKING:
    from threadline.core.capture import RawEvent
    from threadline.core.driver import Update

_PREVIEW_KEYS = frozenset({"value", "arguments", "input", "logs", "output", "refusal"})


@dataclass(slots=True)
class EventRecord:
    """One stream event: its name, raw data (lazily), arrival offset and delta target."""

    name: str
    at: float | None
    raw_data: str | None = None
    event: AnyEvent | None = None
    object_id: str | None = None  # the object a delta extends (deltas fold by it)
    wall: float | None = None  # when it arrived here (live events only)
    _preview: str | None = field(default=None, repr=False)

    @classmethod
    def from_raw(cls, raw: RawEvent) -> EventRecord:
        record = cls(raw.event, raw.at, raw.data)
        if record.is_delta:
            data = record.data_json()
            if isinstance(data, dict) and isinstance(data.get("id"), str):
                record.object_id = data["id"]
        return record

    @property
    def is_delta(self) -> bool:
        return self.name.endswith(".delta")

    @property
    def data(self) -> str:
        """The event's data as it came over the wire (compact JSON for typed events)."""
        if self.raw_data is None:
            payload = self.event.data_dict() if self.event is not None else None
            self.raw_data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        return self.raw_data

    def data_json(self) -> Any:
        """The data as JSON values (the raw text when it is not JSON)."""
        if self.event is not None and self.raw_data is None:
            return self.event.data_dict()
        try:
            return json.loads(self.data)
        except (ValueError, RecursionError):
            return self.data

    def preview(self) -> str:
        """For deltas: the text the delta adds (message text, arguments, code input)."""
        if self._preview is None:
            data = self.data_json()
            delta = data.get("delta") if isinstance(data, dict) else None
            parts: list[str] = []
            _collect_text(delta, parts)
            self._preview = "".join(parts)
        return self._preview


def _collect_text(value: Any, parts: list[str], key: str = "") -> None:
    if isinstance(value, str):
        if key in _PREVIEW_KEYS:
            parts.append(value)
    elif isinstance(value, dict):
        for name, item in value.items():
            _collect_text(item, parts, name)
    elif isinstance(value, list):
        for item in value:
            _collect_text(item, parts, key)


def _delta_target(event: AnyEvent | None) -> str | None:
    if isinstance(event, (MessageDeltaEvent, RunStepDeltaEvent)):
        return event.data.id
    return None


KEEP_RUNS = 20
"""Runs a book keeps in memory; older ones are read back from the store's capture."""


class EventBook:
    """Every stream event of one conversation's runs, by run id, in arrival order."""

    def __init__(self, conversation: Any, clock: Callable[[], float]) -> None:
        self.runs: dict[str, list[EventRecord]] = {}
        self._conversation = conversation
        self._clock = clock
        self._pending: list[EventRecord] | None = None  # a stream whose run is not known yet
        self._current: str | None = None
        self._stream_start = clock()
        self._unsubscribe = conversation.subscribe(self._on_update)

    def close(self) -> None:
        self._unsubscribe()

    def events(self, run_id: str) -> list[EventRecord] | None:
        """The run's events recorded here, or None if none streamed while recording."""
        return self.runs.get(run_id)

    def _on_update(self, update: Update) -> None:
        if update.kind == "accepted":
            self._pending, self._current = [], None
            self._stream_start = self._clock()
        elif update.kind == "event" and update.event is not None:
            self.add(update.event, update.raw)
        elif update.kind == "finished" and self._pending:
            run_id = getattr(self._conversation, "run_id", None)
            if run_id:
                self._run(run_id).extend(self._pending)
            self._pending = None

    def refile(self, items: Iterable[tuple[AnyEvent, RawEvent | None]]) -> None:
        """Forget what was recorded and file these events instead (a replay moved back)."""
        self.runs, self._pending, self._current = {}, None, None
        for event, raw in items:
            self.add(event, raw)

    def add(self, event: AnyEvent, raw: RawEvent | None) -> None:
        """File one stream event under its run (the first run event names the stream's)."""
        if isinstance(event, DoneEvent):
            return  # the capture keeps no [DONE] either
        now = self._clock()
        record = EventRecord(
            event.event,
            raw.at if raw is not None else now - self._stream_start,
            raw.data if raw is not None else None,
            event,
            _delta_target(event),
            now,
        )
        if self._pending is None and self._current is None:
            self._pending = []  # a stream this book did not see start (opened mid-run)
        if self._pending is not None:
            self._pending.append(record)
            if isinstance(event, RunEvent):
                self._current = event.data.id
                self._run(self._current).extend(self._pending)
                self._pending = None
        elif self._current is not None:
            self._run(self._current).append(record)

    def _run(self, run_id: str) -> list[EventRecord]:
        records = self.runs.get(run_id)
        if records is None:
            records = self.runs[run_id] = []
            while len(self.runs) > KEEP_RUNS:
                del self.runs[next(iter(self.runs))]
        return records
