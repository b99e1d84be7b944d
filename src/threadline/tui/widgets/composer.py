"""The composer: a multi-line message box that sends with Enter and keeps drafts.

- enter sends; ctrl+j, alt+enter and shift+enter (where the terminal reports it) insert a
  line break, so a newline works in a plain xterm and inside tmux;
- up on an empty composer recalls the last message sent in this thread;
- the text is saved as the thread's draft as you type (debounced, through the session);
- a sent message leaves the composer only when the conversation reports it ``accepted``;
  until then it stays (dimmed), and if the send fails it stays editable, draft intact.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.message import Message
from textual.timer import Timer
from textual.widgets import TextArea

from threadline.core.sanitize import clean
from threadline.core.session import NEW_THREAD

from ..errors import ReportsWorkFailures
from ..keymap import bound_keys
from ..keys import bindings

if TYPE_CHECKING:
    from threadline.core.driver import Conversation
    from threadline.core.session import Session

DRAFT_DELAY = 0.3  # seconds of quiet before a draft is written


def draft_key(thread_id: str | None) -> str:
    """Drafts and recall are kept per thread id; ``"new"`` for a thread not created yet."""
    return thread_id or NEW_THREAD


class Composer(ReportsWorkFailures, TextArea):
    DEFAULT_CSS = """
    Composer {
        height: auto;
        min-height: 3;
        max-height: 12;
        border: tall $border-blurred;
        padding: 0 1;
        &:focus { border: tall $border; }
        &.-sending { color: $text-muted; }
    }
    """

    BINDINGS = bindings("composer")

    class SendMessage(Message):
        """Send ``text`` in the composer's conversation."""

        def __init__(self, composer: Composer, text: str) -> None:
            super().__init__()
            self.composer = composer
            self.text = text

        @property
        def control(self) -> Composer:
            return self.composer

    def __init__(self, *, cursor_blink: bool = True, id: str | None = None) -> None:
        super().__init__(
            "",
            soft_wrap=True,
            tab_behavior="focus",
            show_line_numbers=False,
            placeholder="Message  (enter sends, ctrl+j new line)",
            id=id,
        )
        self.cursor_blink = cursor_blink
        self._session: Session | None = None
        self.conversation: Conversation | None = None  # None until the backend is connected
        self._key = NEW_THREAD
        self._save_timer: Timer | None = None
        self._stored = ""  # the text the store holds for this key: no need to save it again

    async def _on_key(self, event: events.Key) -> None:
        # TextArea would insert a newline for enter: keys bound to the composer's actions
        # skip its handler and bubble to the app's binding check, after the keys before them.
        # (The keys after [keys] remapping: a remapped send frees enter to type a newline.)
        if event.key in bound_keys(self):
            event.prevent_default()

    async def _on_paste(self, event: events.Paste) -> None:
        # Pasted text can carry escape sequences (copied from a web page or a terminal);
        # TextArea would write them to the terminal as they are.
        event.prevent_default()
        await super()._on_paste(events.Paste(clean(event.text)))

    # --- binding to a thread ----------------------------------------------------------

    async def bind(
        self, session: Session, thread_id: str | None, conversation: Conversation | None
    ) -> None:
        """Show the thread's draft; the previous thread's draft is saved first."""
        await self.flush_draft()
        self._session = session
        self.conversation = conversation
        key = self._key = draft_key(thread_id)
        self.read_only = False
        self.remove_class("-sending")
        draft = await session.get_draft(key)
        if self._key == key:  # still the thread on screen
            self._set_text(draft)

    def rekey(self, thread_id: str) -> None:
        """The new thread now has an id: keep the text, save it under that id from now on."""
        self._key = draft_key(thread_id)

    def _set_text(self, text: str, *, stored: bool = True) -> None:
        if stored:
            self._stored = text
        self.load_text(text)
        self.move_cursor(self.document.end)

    # --- drafts -----------------------------------------------------------------------

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if self.text != self._stored:
            self._schedule_save()

    def _schedule_save(self) -> None:
        if self._session is None:
            return
        if self._save_timer is not None:
            self._save_timer.stop()
        self._save_timer = self.set_timer(DRAFT_DELAY, self._save_later)

    def _save_later(self) -> None:
        self.run_worker(self.flush_draft(), name="save draft", group="draft", exit_on_error=False)

    async def flush_draft(self) -> None:
        """Write a pending draft now (before a thread switch or quit)."""
        if self._save_timer is None or self._session is None:
            return
        self._save_timer.stop()
        self._save_timer = None
        text = self.text
        if text != self._stored:
            self._stored = text
            await self._session.save_draft(self._key, text)

    # --- actions ----------------------------------------------------------------------

    def action_send(self) -> None:
        text = self.text
        if self.read_only or not text.strip():
            return
        self.read_only = True
        self.add_class("-sending")
        self.post_message(self.SendMessage(self, text))

    def action_newline(self) -> None:
        if self.read_only:
            return
        self.insert("\n")

    async def action_recall(self) -> None:
        if self.text or self._session is None:
            # This binding replaces TextArea's own "up": do what it would have done.
            self.action_cursor_up()
            return
        last = await self._session.last_sent(self._key)
        if last and not self.text:
            self._set_text(last, stored=False)

    # --- outcome of a send ------------------------------------------------------------

    async def accepted(self) -> None:
        """The server took the message: it leaves the composer, and its draft goes."""
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_timer = None
        self.read_only = False
        self.remove_class("-sending")
        self._set_text("")

    def send_failed(self) -> None:
        """Nothing was sent: the text stays, editable, and so does its saved draft."""
        self.read_only = False
        self.remove_class("-sending")
