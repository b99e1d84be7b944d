"""The main screen: thread list | conversation (messages + composer) | inspector.

It holds the profile's session once the app has opened it, and does the work the
widgets ask for in named workers: open a thread, send, cancel. Conversation updates
arrive as ``RunUpdated`` (through a ``LiveFeed`` per conversation) and are routed to
the widgets that show that conversation; a run keeps streaming when its thread is not
on screen, and its mark in the thread list says so.

Width decides the panes: all three from 110 columns, no inspector below that, no
thread list below 70; each pane toggles with one key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.events import Resize
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from threadline.core.sanitize import clean_line
from threadline.core.session import SessionError

from ..clock import Clock
from ..errors import ReportsWorkFailures, describe
from ..keys import bindings
from ..live import MARKED, LiveFeed, run_label
from ..messages import RunUpdated, SessionOpened
from ..render_markdown.code import warm_up
from ..retry_wait import RetryCancelled
from ..widgets.composer import Composer, draft_key
from ..widgets.inspector.host import InspectorHost
from ..widgets.message_list import MessageList
from ..widgets.status_bar import StatusBar
from ..widgets.thread_list import ThreadList
from ..widgets.tool_cards import TOOL_ACTIONS, ToolRoundsHost
from .dialogs import Confirm
from .main_actions import MainActions
from .main_faults import MainFaults
from .main_inspector import InspectorSlot, mount_inspector

if TYPE_CHECKING:
    from textual.widgets import Markdown

    from threadline.core.driver import Conversation, Update
    from threadline.core.session import Session

    from ..widgets.inspector import InspectorPane

WIDE = 110  # from here, all three panes
NARROW = 70  # below this, the conversation alone


def layout_for(width: int) -> str:
    return "wide" if width >= WIDE else "medium" if width >= NARROW else "narrow"


class MainScreen(
    ReportsWorkFailures, ToolRoundsHost, MainActions, MainFaults, InspectorHost, Screen[None]
):
    CSS_PATH = "main.tcss"
    BINDINGS = bindings("main")
    AUTO_FOCUS = "#composer"

    def __init__(
        self, clock: Clock, *, cursor_blink: bool = True, notices: list[str] | None = None
    ) -> None:
        super().__init__()
        self._parts: dict[str, Widget] = {}
        self._clock = clock
        self._notices = notices or []
        self._cursor_blink = cursor_blink
        self.session: Session | None = None
        self.thread_id: str | None = None  # the thread on screen; None = a new thread
        self.conversation: Conversation | None = None  # its live runs, once connected
        self._feeds: dict[int, LiveFeed] = {}  # id(conversation) -> its feed
        self._sending: dict[int, tuple[str, str]] = {}  # id(conversation) -> (draft key, text)
        self._layout = ""

    def compose(self) -> ComposeResult:
        with Horizontal(id="panes"):
            yield ThreadList(self._clock, id="sidebar")
            with Vertical(id="conversation"):
                notice = Static(Content("\n".join(self._notices)), id="notice")
                notice.display = bool(self._notices)
                yield notice
                yield Static(id="banner")
                yield MessageList(self._clock, id="messages")
                yield Composer(cursor_blink=self._cursor_blink, id="composer")
            yield InspectorSlot(id="inspector")  # the pane comes after the first frame
        yield StatusBar()

    # The screen's parts, found once: a query walks the whole DOM, and these are read on
    # every streamed event (the walk was two thirds of the app's time at 1,000 tokens/s).
    # A part that left the DOM (the inspector's slot, replaced by the pane) is found again.
    def _part(self, key: str, find: Callable[[], Widget]) -> Any:
        widget = self._parts.get(key)
        if widget is None or not widget.is_attached:
            widget = self._parts[key] = find()
        return widget

    @property
    def threads(self) -> ThreadList:
        return cast(ThreadList, self._part("threads", lambda: self.query_one(ThreadList)))

    @property
    def messages(self) -> MessageList:
        return cast(MessageList, self._part("messages", lambda: self.query_one(MessageList)))

    @property
    def composer(self) -> Composer:
        return cast(Composer, self._part("composer", lambda: self.query_one(Composer)))

    @property
    def inspector(self) -> InspectorPane | InspectorSlot:
        """The inspector pane; until it is mounted (see ``connect``), its slot, which keeps
        the conversation the pane is to show."""

        def find() -> Widget:
            for slot in self.query(InspectorSlot):
                return slot
            from ..widgets.inspector import InspectorPane

            return self.query_one(InspectorPane)

        return cast("InspectorPane | InspectorSlot", self._part("inspector", find))

    @property
    def status(self) -> StatusBar:
        return cast(StatusBar, self._part("status", lambda: self.query_one(StatusBar)))

    def on_mount(self) -> None:
        self.status.backend = "opening…"
        self.set_interval(0.5, self._show_rate)

    # --- layout -----------------------------------------------------------------------

    def on_resize(self, event: Resize) -> None:
        layout = layout_for(event.size.width)
        if layout != self._layout:  # crossing a breakpoint resets what the keys toggled
            self._layout = layout
            self.set_class(layout == "medium", "-medium")
            self.set_class(layout == "narrow", "-hide-sidebar")
            self.set_class(layout != "wide", "-hide-inspector")

    def action_toggle_sidebar(self) -> None:
        self.toggle_class("-hide-sidebar")

    def action_toggle_inspector(self) -> None:
        self.toggle_class("-hide-inspector")

    # --- the session ------------------------------------------------------------------

    async def on_session_opened(self, message: SessionOpened) -> None:
        session = self.session = message.session
        self.threads.bind(session)
        self.messages.bind(session)
        self.status.backend = session.label
        self.status.demo = session.is_demo
        entries = await session.threads()
        self.threads.entries = entries
        await self._open(entries[0].id if entries else None)
        self.connect()

    @work(exclusive=True, group="connect", name="connect", exit_on_error=False)
    async def connect(self) -> None:
        # At start-up the thread's cached messages come first, then the inspector pane and
        # the backend (each imports a good deal, and the loop waits for imports).
        await self.messages.wait_first_load()
        # The first reply, in a new thread too, should not wait ~150 ms for markdown-it and
        # Pygments: they load in a thread now, while the backend connects.
        warm_up()
        await mount_inspector(self)
        await self.connect_session()

    async def connect_session(self) -> None:
        """Connect the session and show the thread live; the problem is shown if it fails."""
        session = self.session
        assert session is not None
        try:
            await session.connect()
        except Exception as error:
            self._show_problem(describe(error).message)
            raise
        self._show_problem("")
        name = clean_line((session.assistant.name if session.assistant else None) or "assistant")
        self.status.assistant = name
        self.status.model = session.model
        self.messages.author = name
        self.messages.online = True
        conversation = self._conversation(self.thread_id)
        if conversation is not None:
            self.conversation = self.composer.conversation = conversation
            self.inspector.show_conversation(conversation)
            self.messages.attach(conversation)
            self.tool_thread_opened(conversation)
        self.show_thread_settings()

    def _show_problem(self, problem: str) -> None:
        self.status.problem = problem
        banner = self.query_one("#banner", Static)
        if problem:
            banner.update(
                Content.assemble(
                    ("✗ ", "bold"), problem, "  Local threads and drafts still work; ctrl+q quits."
                )
            )
        banner.set_class(bool(problem), "-shown")

    def _conversation(self, thread_id: str | None) -> Conversation | None:
        """The thread's live conversation, subscribed to; None while not connected."""
        assert self.session is not None
        try:
            conversation = self.session.conversation(thread_id)
        except SessionError:
            return None
        if id(conversation) not in self._feeds:
            self._feeds[id(conversation)] = LiveFeed(conversation, self)
        return conversation

    # --- opening threads --------------------------------------------------------------

    async def _open(self, thread_id: str | None) -> None:
        if self.session is None:
            return
        conversation = self._conversation(thread_id)
        self.thread_id, self.conversation = thread_id, conversation
        self.threads.set_current(thread_id)
        self.messages.show(thread_id, conversation)
        if conversation is not None:
            self.tool_thread_opened(conversation)
        self.inspector.show_conversation(conversation)
        self.status.run = run_label(conversation) if conversation else ""
        self.show_thread_settings()
        await self.composer.bind(self.session, thread_id, conversation)

    @on(ThreadList.ThreadSelected)
    async def _thread_selected(self, message: ThreadList.ThreadSelected) -> None:
        if message.thread_id != self.thread_id or message.thread_id is None:
            await self._open(message.thread_id)

    async def action_new_thread(self) -> None:
        await self._open(None)
        self.composer.focus()

    def action_previous_thread(self) -> None:
        self.threads.step(-1)

    def action_next_thread(self) -> None:
        self.threads.step(1)

    def action_rename_thread(self) -> None:
        self.threads.rename(self.thread_id)

    def action_delete_thread(self) -> None:
        if self.thread_id is not None:
            self.threads.delete(self.thread_id)

    def action_import_thread(self) -> None:
        self.threads.import_thread()

    def action_filter_threads(self) -> None:
        self.remove_class("-hide-sidebar")
        self.threads.filter_input.focus()

    def action_focus_composer(self) -> None:
        self.composer.focus()

    def action_send(self) -> None:
        self.composer.action_send()

    async def action_recall(self) -> None:
        await self.composer.action_recall()

    # --- sending and cancelling -------------------------------------------------------

    @on(Composer.SendMessage)
    async def _send_requested(self, message: Composer.SendMessage) -> None:
        conversation = self.conversation
        if conversation is None and self.session is not None and self.session.connect_error:
            self.connect_and_send(message.text)  # the backend was away: try it again first
            return
        if conversation is None:
            self.composer.send_failed()
            problem = self.status.problem or "the backend is not connected yet"
            self.notify(f"Not sent: {problem}", severity="warning", markup=False)
            return
        if conversation.active or conversation.pending_tool_calls:
            self.composer.send_failed()
            self.notify("A run is still going in this thread; escape cancels it.")
            return
        await self.composer.flush_draft()
        self._sending[id(conversation)] = (draft_key(self.thread_id), message.text)
        self.run_worker(
            self._send(conversation, message.text),
            name="send message",
            group=f"send-{id(conversation)}",
            exit_on_error=False,
        )

    async def _send(self, conversation: Conversation, text: str) -> None:
        try:
            await conversation.send(text)
        except RetryCancelled:
            self._send_failed(conversation)
            self.notify("Not sent: you stopped the wait. The message is still in the composer.")
        except Exception as error:
            from threadline.core.driver import RunLostError  # loaded with the session, by then

            self._send_failed(conversation)
            # A run whose stream was lost, then the server too, was sent: only its end is not known.
            self.report_failure(
                "reply lost" if isinstance(error, RunLostError) else "not sent", error
            )
            raise

    def _send_failed(self, conversation: Conversation) -> None:
        pending = self._sending.pop(id(conversation), None)
        if pending is not None and self.composer.conversation is conversation:
            self.composer.send_failed()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_run":
            if self.waiting:
                return True
            conversation = self.conversation
            return bool(conversation and (conversation.active or conversation.pending_tool_calls))
        if action in TOOL_ACTIONS:
            return self.tool_action_enabled(action)
        return True

    def action_cancel_run(self) -> None:
        if self.cancel_waits():  # a request waits to retry: stop that first
            return
        if self.conversation is not None:
            self.status.run = "cancelling"
            self.run_worker(
                self.conversation.cancel(), name="cancel run", group="cancel", exit_on_error=False
            )

    # --- live updates -----------------------------------------------------------------

    async def on_run_updated(self, event: RunUpdated) -> None:
        conversation, update = event.conversation, event.update
        if update.kind == "accepted":
            self.clear_failure()
            await self._accepted(conversation)
        elif update.kind == "failed":
            self._send_failed(conversation)
        self._adopt_thread_id(conversation)
        shown = conversation is self.conversation
        if shown:
            await self.messages.apply(event)
            self.inspector.apply(event)
        if update.kind != "event" or (update.change is not None and update.change.kind == "run"):
            self._show_run_state(conversation, update, shown)
        if update.kind in {"accepted", "finished"}:
            self.threads.reload()
        self.tool_round_updated(conversation, update)

    def _show_run_state(self, conversation: Conversation, update: Update, shown: bool) -> None:
        label = "reconnecting" if update.kind == "reconnecting" else run_label(conversation)
        if shown:
            self.status.run = label
        if conversation.thread_id:
            self.threads.set_mark(conversation.thread_id, label if label in MARKED else "")

    async def _accepted(self, conversation: Conversation) -> None:
        pending = self._sending.pop(id(conversation), None)
        if pending is None or self.session is None:
            return
        key, text = pending
        await self.session.save_draft(key, "")
        if self.composer.conversation is conversation:
            await self.composer.accepted()
        if conversation is self.conversation:
            await self.messages.show_sent(text, None)

    def _adopt_thread_id(self, conversation: Conversation) -> None:
        """The new thread on screen got its id from the server: now it is a thread like any."""
        if conversation is self.conversation and self.thread_id is None and conversation.thread_id:
            self.thread_id = self.messages.thread_id = conversation.thread_id
            self.threads.set_current(conversation.thread_id)
            self.composer.rekey(conversation.thread_id)

    def _show_rate(self) -> None:
        self.show_waits()
        feed = self._feeds.get(id(self.conversation))
        active = self.conversation is not None and self.conversation.active
        self.status.rate = feed.rate() if feed is not None and active else None

    # --- links ------------------------------------------------------------------------

    # By name, not @on(Markdown.LinkClicked): the first frame does not import Markdown.
    def on_markdown_link_clicked(self, event: Markdown.LinkClicked) -> None:
        event.stop()
        self.open_link(event.href)

    @work(exclusive=True, group="link", name="open link", exit_on_error=False)
    async def open_link(self, url: str) -> None:
        shown = clean_line(url)
        if urlsplit(url).scheme.lower() not in {"http", "https"} or shown != url:
            self.notify(
                f"Not opened: only http and https links open. {shown[:120]}",
                severity="warning",
                markup=False,
            )
            return
        if await self.app.push_screen_wait(Confirm("Open this link?", shown, yes="Open")):
            self.app.open_url(url)
