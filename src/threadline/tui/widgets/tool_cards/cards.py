"""One ``requires_action`` round in the conversation: a header with the run's countdown,
one :class:`ToolCard` per pending call (in order), and a footer with the keys or the last
submit error.

The widget is a view of ``conversation.tool_round``: it subscribes to the round while
mounted and re-renders on every change. Once the run moves on it stays where it is, folded
to one line per call when the outputs were sent, or saying how the run ended (expired,
cancelled) with what was typed still readable. Opening the thread again shows only the
round the run waits on now.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static

from threadline.core.sanitize import clean_line

from ...clock import Clock
from ...keys import BY_ID, display_key
from .card import Mode, ToolCard
from .output import OutputField
from .text import ENDED, countdown

if TYPE_CHECKING:
    from threadline.core.driver import Conversation
    from threadline.core.tool_round import CallState, ToolRound

TICK = 1.0
"""Seconds between countdown updates (a timer, not a per-frame refresh)."""


class ToolCards(Vertical):
    DEFAULT_CSS = """
    ToolCards {
        height: auto;
        padding: 0 1;
        margin: 0 0 1 0;
        & > .header { height: auto; color: $text-warning; text-style: bold; }
        & > .footer { height: auto; color: $text-muted; }
        & > .footer.-error { color: $text-error; }
        &.-expiring > .header { color: $text-error; }
        &.-sent { margin: 0 0 1 0; }
        &.-sent > .header { color: $text-success; text-style: none; }
        &.-sent > .footer { display: none; }
        &.-ended > .header { color: $text-error; }
    }
    """

    class Submit(Message):
        """Send the round's outputs (enter in the last field)."""

        def __init__(self, cards: ToolCards) -> None:
            super().__init__()
            self.cards = cards

        @property
        def control(self) -> ToolCards:
            return self.cards

    class Expired(Message):
        """The countdown reached the run's ``expires_at``: the server's word is needed."""

        def __init__(self, cards: ToolCards) -> None:
            super().__init__()
            self.cards = cards

        @property
        def control(self) -> ToolCards:
            return self.cards

    class _Changed(Message):
        """The round changed (posted from the core's callback, handled in order here)."""

        def __init__(self, state: CallState | None) -> None:
            super().__init__()
            self.state = state

    def __init__(
        self,
        conversation: Conversation,
        tool_round: ToolRound,
        clock: Clock,
        *,
        cursor_blink: bool = True,
    ) -> None:
        super().__init__()
        self.conversation = conversation
        self.tool_round = tool_round
        self._clock = clock
        self.cards = [
            ToolCard(tool_round, state, cursor_blink=cursor_blink) for state in tool_round.calls
        ]
        self.sent = False  # a submit of this round succeeded
        self._unsubscribe: Callable[[], None] | None = None
        self._timer: Timer | None = None
        self._expiry_reported = False

    def compose(self) -> ComposeResult:
        yield Static(Content(""), classes="header")
        yield from self.cards
        yield Static(Content(""), classes="footer")

    def on_mount(self) -> None:
        self._unsubscribe = self.tool_round.subscribe(self._round_changed)
        if self.tool_round.expires_at is not None:
            self._timer = self.set_interval(TICK, self.tick)
        self.show_state()

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self._timer is not None:
            self._timer.stop()

    # --- the round's state ------------------------------------------------------------

    def _round_changed(self, state: CallState | None) -> None:
        # Called by the core, maybe from a handler's task: note a submit's outcome at once
        # (the run's own updates may be handled first), render in this widget's turn.
        if self.tool_round.submitting:
            self.sent = True
        elif state is None and self.tool_round.submit_error is not None:
            self.sent = False
        self.post_message(self._Changed(state))

    @on(_Changed)
    def _changed(self, message: _Changed) -> None:
        self.show_state()

    @property
    def mode(self) -> Mode:
        if self.conversation.tool_round is self.tool_round:
            return "open"
        return "sent" if self.sent else "ended"

    @property
    def run_status(self) -> str | None:
        run_id = self.tool_round.run_id
        state = self.conversation.state
        return state.run(run_id).status if run_id and run_id in state.run_ids() else None

    def seconds_left(self) -> float | None:
        expires_at = self.tool_round.expires_at
        return None if expires_at is None else expires_at - self._clock.now()

    def show_state(self) -> None:
        """Render the round and every card (after any change to the round or the run)."""
        mode = self.mode
        self.set_class(mode == "sent", "-sent")
        self.set_class(mode == "ended", "-ended")
        for card in self.cards:
            card.show_state(mode)
        self._show_header(mode)
        self._show_footer(mode)
        if mode != "open" and self._timer is not None:
            self._timer.stop()
            self._timer = None

    def tick(self) -> None:
        """The countdown's second: the header, and the server asked once the time is up."""
        if self.mode != "open":
            return
        self._show_header("open")
        left = self.seconds_left()
        if left is not None and left <= 0 and not self._expiry_reported:
            self._expiry_reported = True
            self.post_message(self.Expired(self))

    def _show_header(self, mode: Mode) -> None:
        tool_round = self.tool_round
        count = len(tool_round.calls)
        calls = "1 tool call" if count == 1 else f"{count} tool calls"
        left = self.seconds_left()
        expiring = mode == "open" and left is not None and left <= 0
        self.set_class(expiring, "-expiring")
        if mode == "sent":
            words = f"✓ {calls} answered: outputs sent"
        elif mode == "ended":
            words = ENDED.get(self.run_status or "", "The run is no longer waiting for these.")
        elif expiring:
            words = ENDED["expired"]
        else:
            missing = len(tool_round.missing)
            if tool_round.submitting:
                state = "sending the outputs…"
            elif missing:
                state = "all need output" if missing == count > 1 else f"{missing} need output"
            else:
                state = "all answered: ready to submit"
            words = f"⚙ {calls} · {state}"
            if left is not None:
                words += f" · expires in {countdown(left)}"
        self.query_one(".header", Static).update(Content(words))

    def _show_footer(self, mode: Mode) -> None:
        footer = self.query_one(".footer", Static)
        error = self.tool_round.submit_error
        footer.set_class(error is not None, "-error")
        if error is not None:
            line = f"Not sent: {clean_line(error)}"
            if mode == "open":
                line += f"  Your outputs are kept: {self._key('submit_tool_outputs')} sends again."
            footer.update(Content(line))
        elif mode == "open":
            footer.update(
                Content(
                    f"enter next/submit · {self._key('submit_tool_outputs')} submit all · "
                    f"{self._key('tool_error')} error · {self._key('cancel_run')} cancel run"
                )
            )
        else:
            footer.update(Content(""))
        footer.display = bool(error) or mode == "open"

    def _key(self, binding_id: str) -> str:
        overrides: dict[str, str] = getattr(self.app, "key_overrides", {})
        key = overrides.get(binding_id) or BY_ID[binding_id].key
        return display_key(key).split(" / ")[0]

    # --- moving between cards ---------------------------------------------------------

    def card_for(self, widget: Widget | None) -> ToolCard | None:
        """The card ``widget`` is in, if any."""
        node = widget
        while node is not None and node is not self:
            if isinstance(node, ToolCard):
                return node
            node = node.parent if isinstance(node.parent, Widget) else None
        return None

    def first_pending(self) -> ToolCard | None:
        return next((c for c in self.cards if not c.state.has_output), None)

    def focus_first_pending(self) -> None:
        if not self.is_attached or self.mode != "open" or not self.cards:
            return
        card = self.first_pending() or self.cards[0]
        card.field.focus()

    @on(OutputField.Entered)
    def _entered(self, event: OutputField.Entered) -> None:
        event.stop()
        card = self.card_for(event.field)
        if card is None or self.mode != "open":
            return
        index = self.cards.index(card)
        if index + 1 < len(self.cards):
            self.cards[index + 1].field.focus()
        else:
            self.post_message(self.Submit(self))


async def show_tool_round(
    container: Widget,
    conversation: Conversation | None,
    before: Widget | None,
    clock: Clock,
) -> None:
    """Keep ``container``'s tool cards in step with ``conversation``: every card set
    re-renders, and the round the run waits on now is mounted (before ``before``, the run's
    notice, when given) and focused if it is not there yet."""
    current = conversation.tool_round if conversation is not None else None
    shown = list(container.query_children(ToolCards))
    for cards in shown:
        cards.show_state()
    if conversation is None or current is None or any(c.tool_round is current for c in shown):
        return
    blink = bool(getattr(container.app, "cursor_blink", True))
    cards = ToolCards(conversation, current, clock, cursor_blink=blink)
    if before is not None and before.parent is container:
        await container.mount(cards, before=before)
    else:
        await container.mount(cards)
    container.call_after_refresh(cards.focus_first_pending)
