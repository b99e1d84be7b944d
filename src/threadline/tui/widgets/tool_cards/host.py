"""The main screen's side of tool rounds: handlers, submit, expiry, signals, and the keys.

A mixin for :class:`~threadline.tui.screens.main.MainScreen` (put it before ``Screen`` in
the bases). Its workers belong to the screen, not to a card, so a handler keeps running
and a submit keeps streaming while the user looks at another thread.

- A round appears (a ``finished`` update with the run in ``requires_action``): its
  handlers start (``ToolRound.start``); a round every ``always`` handler answered is
  submitted at once; otherwise, if its thread is not on screen, the bell rings and a
  notification names the thread.
- Submit sends every output in one request (``Conversation.submit_tool_round``); a
  failure leaves the outputs in the cards with the error; a 4xx means the run may have
  moved on (expired), so the run is read again and the cards say what became of it.
- The countdown reaching zero reads the run again, so the conversation knows it expired.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, cast
from weakref import WeakSet

from textual.screen import Screen
from textual.widget import Widget

from threadline.api import APIError, APIStatusError
from threadline.core.sanitize import clean_line

# The cards (and what they import) load when a round is shown: the main screen's class,
# drawn in the app's first frame, needs only this mixin.
if TYPE_CHECKING:
    from threadline.core.driver import Conversation, Update
    from threadline.core.tool_round import ToolRound

    from .card import ToolCard
    from .cards import ToolCards

TOOL_ACTIONS = frozenset({"submit_tool_outputs", "tool_error", "tool_handler"})


class ToolRoundsHost:
    """Mixin: the screen must have ``conversation`` (the one on screen) and ``thread_id``."""

    conversation: Conversation | None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._rounds_begun: WeakSet[ToolRound] = WeakSet()  # rounds whose handlers started

    @property
    def _screen(self) -> Screen[Any]:
        return cast("Screen[Any]", self)

    # --- hooks for the screen ---------------------------------------------------------

    def tool_round_updated(self, conversation: Conversation, update: Update) -> None:
        """Every conversation update (any thread): start a round that just appeared."""
        if update.kind != "finished":
            return  # first: reading the round copies the run's state, too dear per token
        tool_round = conversation.tool_round
        if tool_round is None or tool_round in self._rounds_begun:
            return
        self._rounds_begun.add(tool_round)
        self._screen.run_worker(
            self._start_round(conversation, tool_round),
            name="tool handlers",
            group=f"tools-{id(conversation)}",
            exit_on_error=False,
        )

    def tool_thread_opened(self, conversation: Conversation) -> None:
        """A thread came on screen: if the list marks it waiting for tool output but this
        session has not seen its run (opened after a restart), read the run (and its round)."""
        threads = getattr(self, "threads", None)
        entry = threads.entry(conversation.thread_id) if threads is not None else None
        if (
            entry is None
            or entry.status != "requires_action"
            or conversation.run_id is not None
            or conversation.active
        ):
            return
        self._screen.run_worker(
            self._refresh(conversation),
            name="read the run",
            group=f"refresh-{id(conversation)}",
            exclusive=True,
            exit_on_error=False,
        )

    def tool_action_enabled(self, action: str) -> bool:
        conversation = self.conversation
        tool_round = conversation.tool_round if conversation is not None else None
        if tool_round is None:
            return False
        return action != "submit_tool_outputs" or not tool_round.submitting

    # --- the round's life -------------------------------------------------------------

    async def _start_round(self, conversation: Conversation, tool_round: ToolRound) -> None:
        await tool_round.start()
        if conversation.tool_round is not tool_round:
            return  # cancelled or expired while the handlers ran
        if tool_round.answered_automatically:
            await self._submit(conversation, tool_round)
        elif conversation is not self.conversation:
            self._signal(conversation)

    def _signal(self, conversation: Conversation) -> None:
        """A thread not on screen waits for the user's tool output."""
        self._screen.app.bell()
        title = conversation.thread_id or "a new thread"
        threads = getattr(self, "threads", None)
        entry = threads.entry(conversation.thread_id) if threads is not None else None
        if entry is not None and entry.title:
            title = f"“{clean_line(entry.title)}”"
        self._screen.notify(f"{title} is waiting for tool output.", title="Tool call", markup=False)

    def submit_round(self, conversation: Conversation | None) -> None:
        tool_round = conversation.tool_round if conversation is not None else None
        if conversation is None or tool_round is None or tool_round.submitting:
            return
        missing = tool_round.missing
        if missing:
            names = ", ".join(clean_line(state.name) for state in missing)
            self._screen.notify(f"No output yet for {names}.", severity="warning", markup=False)
            cards = self._open_cards()
            card = cards.first_pending() if cards is not None else None
            if card is not None:
                card.field.focus()
            return
        if conversation.active:
            self._screen.notify("The run is still streaming; wait for it to stop.")
            return
        self._screen.run_worker(
            self._submit(conversation, tool_round),
            name="submit tool outputs",
            group=f"send-{id(conversation)}",
            exit_on_error=False,
        )

    async def _submit(self, conversation: Conversation, tool_round: ToolRound) -> None:
        try:
            await conversation.submit_tool_round()
        except APIError as error:
            # The outputs stay in the round (and its cards); the status bar says why.
            report = getattr(self, "report_failure", None)
            if report is not None:
                report("tool outputs not sent", error)
            if (
                isinstance(error, APIStatusError)
                and 400 <= error.status_code < 500
                and error.status_code not in (408, 429)
            ):
                # Refused, not lost: the run may have expired or moved on. Ask where it is.
                with contextlib.suppress(APIError):
                    await conversation.refresh()
            raise

    async def _refresh(self, conversation: Conversation) -> None:
        with contextlib.suppress(APIError):
            await conversation.refresh()

    # --- what the cards ask -----------------------------------------------------------

    def on_tool_cards_submit(self, message: ToolCards.Submit) -> None:
        message.stop()
        self.submit_round(message.cards.conversation)

    def on_tool_cards_expired(self, message: ToolCards.Expired) -> None:
        message.stop()
        conversation = message.cards.conversation
        self._screen.run_worker(
            self._refresh(conversation),
            name="read the run",
            group=f"refresh-{id(conversation)}",
            exclusive=True,
            exit_on_error=False,
        )

    def on_tool_card_run_handler(self, message: ToolCard.RunHandler) -> None:
        message.stop()
        self._run_handler(message.card)

    def _run_handler(self, card: ToolCard) -> None:
        if card.mode != "open" or not card.state.can_run:
            return
        self._screen.run_worker(
            card.tool_round.run_handler(card.call_id),
            name="run tool handler",
            group=f"handler-{card.call_id}",
            exit_on_error=False,
        )

    # --- keys -------------------------------------------------------------------------

    def _open_cards(self) -> ToolCards | None:
        conversation = self.conversation
        from .cards import ToolCards

        tool_round = conversation.tool_round if conversation is not None else None
        for cards in self._screen.query(ToolCards):
            if cards.tool_round is tool_round:
                return cards
        return None

    def _target_card(self) -> ToolCard | None:
        """The focused card, else the first whose handler waits for the user."""
        cards = self._open_cards()
        if cards is None:
            return None
        focused = self._screen.focused
        card = cards.card_for(focused) if isinstance(focused, Widget) else None
        if card is not None:
            return card
        return next((c for c in cards.cards if c.handler_waits), None)

    def action_submit_tool_outputs(self) -> None:
        self.submit_round(self.conversation)

    def action_tool_error(self) -> None:
        cards = self._open_cards()
        focused = self._screen.focused
        card = cards.card_for(focused) if cards and isinstance(focused, Widget) else None
        card = card or (cards.first_pending() if cards else None)
        if card is not None:
            card.toggle_error()

    def action_tool_handler(self) -> None:
        """Approve the proposal, or run the handler (side effects, or after a failure)."""
        card = self._target_card()
        if card is not None and card.approvable:
            card.approve()
        elif card is not None and card.runnable:
            self._run_handler(card)
        else:
            self._screen.notify("No handler output to approve or handler to run here.")
