"""A conversation's updates, turned into Textual messages for the screen.

The core calls our callback on the event loop for every change. We post one
:class:`RunUpdated` per update, in order, and for message deltas work out the text the
delta added and where it starts: counted here, as the event arrives, so a view created
later from the reducer's snapshot can tell which fragments it already holds.

The feed also measures the stream's speed for the status bar (delta events per second,
a close stand-in for tokens per second; exact usage arrives only with the finished run).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.message_pump import MessagePump

from .messages import LiveText, RunUpdated

# The event models load with the first conversation, after the app's first frame.
if TYPE_CHECKING:
    from threadline.api import MessageDeltaEvent
    from threadline.core.driver import Conversation, Update


MARKED = frozenset({"streaming", "requires_action", "failed", "reconnecting"})
"""Run states the thread list marks."""


def run_label(conversation: Conversation) -> str:
    """Where the conversation's run stands, for the status bar and the thread marks."""
    if conversation.pending_tool_calls:
        return "requires_action"
    if conversation.active:
        return "streaming"
    return conversation.run_status or ""


def delta_text(event: MessageDeltaEvent) -> str:
    """The text a message delta adds (its text parts, in order)."""
    from threadline.api import TextContentDelta

    return "".join(
        part.text.value
        for part in event.data.delta.content
        if isinstance(part, TextContentDelta) and part.text is not None and part.text.value
    )


class LiveFeed:
    """Subscribes to one conversation for as long as the screen lives."""

    def __init__(
        self,
        conversation: Conversation,
        target: MessagePump,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        from threadline.api import MessageDeltaEvent

        self._delta_event = MessageDeltaEvent
        self.conversation = conversation
        self._target = target
        self._clock = clock
        self._chars: dict[str, int] = {}  # message id -> raw characters received
        self._deltas = 0
        self._first_delta: float | None = None
        self._last_delta: float | None = None
        self._unsubscribe = conversation.subscribe(self._on_update)

    def close(self) -> None:
        self._unsubscribe()

    def _on_update(self, update: Update) -> None:
        text = None
        if isinstance(update.event, self._delta_event):
            text = self._measure(update.event)
        elif update.kind == "accepted":
            self._deltas, self._first_delta, self._last_delta = 0, None, None
        self._target.post_message(RunUpdated(self.conversation, update, text))

    def _measure(self, event: MessageDeltaEvent) -> LiveText:
        message_id = event.data.id
        fragment = delta_text(event)
        offset = self._chars.get(message_id)
        if offset is None:
            # First delta of this message seen here: the reducer already holds it, so its
            # text length says where this fragment starts (once per message, not per delta).
            offset = len(self.conversation.state.message_text(message_id)) - len(fragment)
        self._chars[message_id] = offset + len(fragment)
        now = self._clock()
        if self._first_delta is None:
            self._first_delta = now
        self._last_delta = now
        self._deltas += 1
        return LiveText(message_id, fragment, offset)

    def rate(self) -> float | None:
        """Delta events per second since the first one, once there is a second to measure."""
        if self._first_delta is None or self._last_delta is None:
            return None
        elapsed = self._last_delta - self._first_delta
        return self._deltas / elapsed if elapsed >= 0.5 else None
