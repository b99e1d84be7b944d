"""Rebuild a run's state from captured SSE text (a Threadline capture or any ``curl -N``).

:func:`replay` applies a whole stream at once (``threadline replay --json``); a
:class:`Replay` steps through it one event at a time for the app's replay mode, through
the same reducer. Going back rebuilds the state from the first event: captures are a few
thousand events at most, and a rebuild is the one way that is plainly correct.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from threadline.api import AnyEvent, RequiredToolCall, parse_event

from .capture import NotAStreamError, TimedEvent, is_timed, read_capture
from .run_state import Change, RunState
from .subscribers import Subscribers

if TYPE_CHECKING:
    from .driver import Update

__all__ = ["NotAStreamError", "Replay", "parse_stream", "replay"]


def parse_stream(data: bytes, source: str = "input") -> list[AnyEvent]:
    """All events of an SSE byte string, typed. Raises :class:`NotAStreamError`."""
    return [parse_event(item.event, item.data) for item in read_capture(data, source)]


def replay(events: list[AnyEvent]) -> RunState:
    state = RunState()
    for event in events:
        state.apply(event)
    return state


class Replay:
    """A capture being replayed: the events so far applied to a :class:`RunState`.

    It looks like a conversation to the views (``state``, ``run_id``, ``thread_id``,
    ``active``, ``subscribe``), so the message list and the inspector show a replay
    exactly as they show a live run. :meth:`step` publishes one ``Update`` per event, as
    the driver does; :meth:`seek` moves silently and the caller redraws from ``state``.
    """

    def __init__(self, events: Sequence[TimedEvent]) -> None:
        self.raw = list(events)
        self.events = [parse_event(item.event, item.data) for item in self.raw]
        self.timed = is_timed(self.raw)
        self.position = 0  # how many events are applied
        self.state = RunState()
        self.run_id: str | None = None
        self.thread_id: str | None = None
        self._subscribers: Subscribers[Update] = Subscribers()

    @classmethod
    def from_bytes(cls, data: bytes, source: str = "input") -> Replay:
        return cls(read_capture(data, source))

    def __len__(self) -> int:
        return len(self.events)

    # --- the conversation surface the views read --------------------------------------

    @property
    def active(self) -> bool:
        """Still events to play: the views treat the run as streaming."""
        return self.position < len(self.events)

    @property
    def run_status(self) -> str | None:
        return self.state.run_status

    @property
    def pending_tool_calls(self) -> list[RequiredToolCall]:
        return []  # a replay answers nothing

    tool_round = None
    """A replay answers no tool calls (a conversation's ``tool_round``)."""

    def subscribe(self, callback: Callable[[Update], None]) -> Callable[[], None]:
        return self._subscribers.add(callback)

    # --- moving -----------------------------------------------------------------------

    @property
    def at_end(self) -> bool:
        return self.position >= len(self.events)

    def step(self) -> Change | None:
        """Apply the next event and publish it; None at the end."""
        if self.at_end:
            return None
        from .driver import Update  # not at import: `replay --json` does without the driver

        index = self.position
        change = self._apply(index)
        update = Update("event", change, self.events[index], raw=self.raw[index])
        self._subscribers.emit(update)
        if self.at_end:
            self._subscribers.emit(Update("finished", status=self.run_status))
        return change

    def seek(self, position: int) -> bool:
        """Move to ``position`` events applied, without publishing. True if it rebuilt
        the state from the start (a move back), so every view must redraw."""
        position = max(0, min(position, len(self.events)))
        rebuilt = position < self.position
        if rebuilt:
            self.state, self.position = RunState(), 0
            self.run_id = self.thread_id = None
        while self.position < position:
            self._apply(self.position)
        return rebuilt

    def delay(self, index: int) -> float:
        """Seconds between event ``index - 1`` and ``index`` at the original timing.

        0 without times; a time that goes back (the next stream of the same run, after
        tool outputs, starts again from 0) counts as no wait.
        """
        if index <= 0 or index >= len(self.raw):
            return 0.0
        before, now = self.raw[index - 1].at, self.raw[index].at
        if before is None or now is None:
            return 0.0
        return max(0.0, now - before)

    def _apply(self, index: int) -> Change:
        change = self.state.apply(self.events[index])
        self.position = index + 1
        if change.kind == "run" and change.object_id is not None:
            self.run_id = change.object_id
            if self.thread_id is None:
                self.thread_id = self.state.run(change.object_id).thread_id or None
        elif change.kind == "thread" and change.object_id is not None:
            self.thread_id = change.object_id
        return change
