"""Replay mode: a captured stream played back into the conversation view and the inspector.

The screen holds a core :class:`~threadline.core.replay.Replay`, which looks like a live
conversation to the views: stepping forward publishes the event's update, a ``LiveFeed``
turns it into ``RunUpdated``, and the message list and the inspector apply it exactly as
they apply a live run's. Moving back (or jumping) rebuilds the reducer's state from the
first event, and the views redraw from that state.

Playing starts at once: at the capture's own timing (x1) when it has arrival times, else
instantly. x10 plays ten times faster; instant jumps to the end.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, ClassVar, cast

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from threadline.core.sanitize import clean_line

from ..clock import Clock
from ..errors import ReportsWorkFailures
from ..keys import BY_ID, bindings, display_key
from ..live import LiveFeed
from ..messages import RunUpdated
from ..widgets.inspector import InspectorHost, InspectorPane
from ..widgets.message_list import MessageList

if TYPE_CHECKING:
    from threadline.core.driver import Conversation
    from threadline.core.replay import Replay

SPEEDS = ("x1", "x10", "instant")
FACTORS = {"x1": 1.0, "x10": 10.0}
MAX_WAIT = 5.0  # a longer silence in a capture (a user typing tool output) plays as this


class ReplayScreen(ReportsWorkFailures, InspectorHost, Screen[None]):
    CSS_PATH = "replay.tcss"
    # The replay keys, and the main screen's key back to the inspector.
    BINDINGS: ClassVar[list[BindingType]] = [
        *bindings("replay"),
        *(b for b in bindings("main") if isinstance(b, Binding) and b.id == "focus_inspector"),
    ]
    AUTO_FOCUS = "#inspector-runs"

    def __init__(self, replay: Replay, source: str, clock: Clock) -> None:
        super().__init__()
        self.replay = replay
        self.source = clean_line(source)
        self._clock = clock
        self.speed = "x1" if replay.timed else "instant"
        self.playing = False
        self._feed: LiveFeed | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="panes"):
            with Vertical(id="conversation"):
                yield Static(Content(f"Replay of {self.source}"), id="replay-title")
                yield MessageList(self._clock, id="messages")
            yield InspectorPane(id="inspector")
        yield Static(Content(""), id="replay-bar")

    @property
    def messages(self) -> MessageList:
        return self.query_one(MessageList)

    @property
    def inspector(self) -> InspectorPane:
        return self.query_one(InspectorPane)

    @property
    def conversation(self) -> Conversation:
        # A Replay has the surface of a conversation the views read (see core.replay).
        return cast("Conversation", self.replay)

    def on_mount(self) -> None:
        self._redraw()
        self.action_play_pause()

    # --- drawing ----------------------------------------------------------------------

    def _redraw(self) -> None:
        """Show the replay's state from scratch (after a move back or a jump)."""
        if self._feed is not None:
            self._feed.close()
        self._feed = LiveFeed(self.conversation, self)
        self.messages.show(None, self.conversation)
        inspector = self.inspector
        inspector.data.forget(self.replay)
        inspector.show_conversation(self.replay)
        book = inspector.data.book(self.replay)
        if book is not None:
            position = self.replay.position
            book.refile(zip(self.replay.events[:position], self.replay.raw[:position], strict=True))
        self._show_bar()

    def _show_bar(self) -> None:
        replay = self.replay
        state = "▶ playing" if self.playing else "at the end" if replay.at_end else "paused"
        last = replay.raw[replay.position - 1] if replay.position else None
        where = f"event {replay.position}/{len(replay)}"
        if last is not None:
            at = f" +{last.at:.3f}s" if last.at is not None else ""
            where += f" {clean_line(last.event)}{at}"
        speed = self.speed if replay.timed or self.speed != "x1" else "x1 (no times: instant)"

        def key(binding_id: str) -> str:
            return display_key(BY_ID[binding_id].key)

        hints = (
            f"{key('replay_play_pause')} play/pause · {key('replay_step_back')}/"
            f"{key('replay_step_forward')} step · {key('replay_to_end')} end · "
            f"{key('replay_speed')} speed"
        )
        self.query_one("#replay-bar", Static).update(
            Content.assemble((f"{state} {speed}", "bold"), f"  {where}   ", (hints, "dim"))
        )

    async def on_run_updated(self, event: RunUpdated) -> None:
        await self.messages.apply(event)
        self.inspector.apply(event)

    # --- moving -----------------------------------------------------------------------

    def _seek(self, position: int) -> None:
        self.replay.seek(position)
        self._redraw()

    def _stop(self) -> None:
        self.playing = False
        self.workers.cancel_group(self, "replay-play")

    def action_play_pause(self) -> None:
        if self.playing:
            self._stop()
        elif self.speed == "instant":
            self._seek(len(self.replay))
        else:
            if self.replay.at_end:
                self._seek(0)  # play again from the start
            self.playing = True
            self._play()
        self._show_bar()

    def action_step(self, delta: int) -> None:
        self._stop()
        if delta > 0:
            self.replay.step()
        else:
            self._seek(self.replay.position + delta)
        self._show_bar()

    def action_to_end(self) -> None:
        self._stop()
        self._seek(len(self.replay))

    def action_cycle_speed(self) -> None:
        self.speed = SPEEDS[(SPEEDS.index(self.speed) + 1) % len(SPEEDS)]
        if self.playing and self.speed == "instant":
            self._stop()
            self._seek(len(self.replay))
        self._show_bar()

    @work(exclusive=True, group="replay-play", name="play capture", exit_on_error=False)
    async def _play(self) -> None:
        replay = self.replay
        try:
            while self.playing and not replay.at_end:
                factor = FACTORS.get(self.speed)
                if factor is None:
                    self._seek(len(replay))
                    break
                wait = min(replay.delay(replay.position), MAX_WAIT) / factor
                # A zero wait still yields, so the views keep up with what is applied.
                await asyncio.sleep(wait)
                replay.step()
                self._show_bar()
        finally:
            self.playing = False
            self._show_bar()
