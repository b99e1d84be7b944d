"""The sidebar: this profile's threads, newest activity first, with status marks.

Filter by title as you type; new, select, rename, delete (asks first; a thread the server
lost can be removed locally) and import by id. Titles are untrusted: cleaned, never markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from threadline.core.sanitize import clean_line
from threadline.core.session import ThreadGone

from ..clock import Clock
from ..errors import ReportsWorkFailures
from ..keys import bindings
from ..screens.dialogs import Confirm, TextPrompt

if TYPE_CHECKING:
    from threadline.core.session import Session
    from threadline.core.store import ThreadEntry

MARKS = {
    "streaming": ("●", "$text-accent"),
    "requires_action": ("?", "$needs-input bold"),
    "failed": ("✗", "$run-failed"),
    "reconnecting": ("↻", "$text-warning"),
}
TITLE_WIDTH = 60


def title_of(entry: ThreadEntry) -> str:
    title = clean_line(entry.title).strip() or "Untitled"
    return title if len(title) <= TITLE_WIDTH else title[: TITLE_WIDTH - 1] + "…"


class ThreadList(ReportsWorkFailures, Vertical):
    DEFAULT_CSS = """
    ThreadList {
        height: 1fr;
        & > .title { height: 1; padding: 0 1; text-style: bold; color: $text-primary; }
        & > Input { border: none; height: 1; padding: 0 1; margin: 0 0 1 0; }
        & > Input:focus { background: $boost; }
        & > OptionList {
            height: 1fr;
            border: none;
            padding: 0;
            background: transparent;
            text-wrap: nowrap;
            text-overflow: ellipsis;
        }
    }
    """

    BINDINGS = bindings("threads")

    class ThreadSelected(Message):
        """The user picked a thread (``None``: a new thread)."""

        def __init__(self, thread_list: ThreadList, thread_id: str | None) -> None:
            super().__init__()
            self.thread_list = thread_list
            self.thread_id = thread_id

        @property
        def control(self) -> ThreadList:
            return self.thread_list

    def __init__(self, clock: Clock, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._clock = clock
        self._session: Session | None = None
        self.current: str | None = None  # the thread on screen; None = the new thread
        self.entries: list[ThreadEntry] = []
        self._ids: list[str | None] = []  # option index -> thread id
        self._live: dict[str, str] = {}  # live status marks that the store may not have yet

    def compose(self) -> ComposeResult:
        yield Static("Threads", classes="title")
        yield Input(placeholder="filter threads", id="thread-filter", compact=True)
        yield OptionList(id="thread-options")

    @property
    def options(self) -> OptionList:
        return self.query_one(OptionList)

    @property
    def filter_input(self) -> Input:
        return self.query_one(Input)

    def bind(self, session: Session) -> None:
        self._session = session

    # --- loading and showing ----------------------------------------------------------

    @work(exclusive=True, group="threads", name="load threads", exit_on_error=False)
    async def reload(self) -> None:
        if self._session is None:
            return
        self.entries = await self._session.threads(self.filter_input.value)
        self._rebuild()

    def _prompt(self, entry: ThreadEntry | None) -> Content:
        if entry is None:
            return Content.styled("+ New thread", "italic $text-primary")
        mark, style = MARKS.get(self._live.get(entry.id, entry.status), (" ", ""))
        return Content.assemble(
            (mark, style),
            " ",
            title_of(entry),
            ("  " + self._clock.ago(entry.last_activity), "dim"),
        )

    def _rebuild(self) -> None:
        shown: list[ThreadEntry | None] = list(self.entries)
        if self.current is None:
            shown.insert(0, None)
        self._ids = [entry.id if entry else None for entry in shown]
        options = self.options
        options.set_options(
            Option(self._prompt(entry), id=f"t{i}") for i, entry in enumerate(shown)
        )
        if self.current in self._ids:
            options.highlighted = self._ids.index(self.current)

    def set_current(self, thread_id: str | None) -> None:
        self.current = thread_id
        self._rebuild()

    def set_mark(self, thread_id: str, status: str) -> None:
        if self._live.get(thread_id, None) == status:
            return
        self._live[thread_id] = status
        entry = self.entry(thread_id)
        if entry is not None and thread_id in self._ids:
            index = self._ids.index(thread_id)
            self.options.replace_option_prompt_at_index(index, self._prompt(entry))

    def entry(self, thread_id: str | None) -> ThreadEntry | None:
        return next((e for e in self.entries if e.id == thread_id), None)

    def step(self, step: int) -> None:
        """Open the thread ``step`` rows away from the current one, if there is one."""
        if self.current not in self._ids:
            return
        index = self._ids.index(self.current) + step
        if 0 <= index < len(self._ids):
            self._choose(self._ids[index])

    def _choose(self, thread_id: str | None) -> None:
        self.set_current(thread_id)
        self.post_message(self.ThreadSelected(self, thread_id))

    @on(Input.Changed, "#thread-filter")
    def _filter_changed(self) -> None:
        self.reload()

    @on(Input.Submitted, "#thread-filter")
    def _filter_done(self) -> None:
        self.options.focus()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose(self._ids[event.option_index])

    # --- operations (each asks in a dialog, then goes through the session) -------------

    def action_delete_thread(self) -> None:
        highlighted = self.options.highlighted
        if highlighted is not None and self._ids[highlighted] is not None:
            self.delete(self._ids[highlighted])

    @work(exclusive=True, group="thread-ops", name="rename thread", exit_on_error=False)
    async def rename(self, thread_id: str | None) -> None:
        entry = self.entry(thread_id)
        if entry is None or self._session is None:
            self.notify("Send a first message: a new thread is titled from it.")
            return
        title = await self.app.push_screen_wait(
            TextPrompt("Rename thread", title_of(entry), "a title for this thread")
        )
        if title:
            await self._session.rename_thread(entry.id, title)
            self.reload()

    @work(exclusive=True, group="thread-ops", name="delete thread", exit_on_error=False)
    async def delete(self, thread_id: str | None) -> None:
        entry = self.entry(thread_id)
        if entry is None or self._session is None:
            return
        title = title_of(entry)
        if not await self.app.push_screen_wait(
            Confirm("Delete thread?", f"“{title}” will be deleted on the server and here.")
        ):
            return
        try:
            await self._session.delete_thread(entry.id)
        except ThreadGone:
            if not await self.app.push_screen_wait(
                Confirm(
                    "The server no longer has this thread",
                    f"“{title}” ({clean_line(entry.id)}) is gone from the server. "
                    "Remove it from this list?",
                    yes="Remove",
                )
            ):
                return
            await self._session.delete_thread(entry.id, local_only=True)
        self._after_delete(entry.id)

    def _after_delete(self, thread_id: str) -> None:
        ids = [e.id for e in self.entries]
        self.entries = [e for e in self.entries if e.id != thread_id]
        if thread_id != self.current:
            self._rebuild()
        else:
            # Open the thread that took its place in the list, else the one above, else new.
            index = ids.index(thread_id) if thread_id in ids else 0
            rest = [e.id for e in self.entries]
            self._choose(rest[min(index, len(rest) - 1)] if rest else None)
        self.reload()

    @work(exclusive=True, group="thread-ops", name="import thread", exit_on_error=False)
    async def import_thread(self) -> None:
        if self._session is None:
            return
        thread_id = await self.app.push_screen_wait(
            TextPrompt("Import a thread", "", "thread id, e.g. thread_abc123")
        )
        if not thread_id:
            return
        entry = await self._session.import_thread(thread_id)
        self.entries = [entry, *(e for e in self.entries if e.id != entry.id)]
        self._choose(entry.id)
        self.reload()
