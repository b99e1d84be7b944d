"""The conversation: a window of message views over a thread, live while a run streams.

Opening a thread shows the cached messages at once, then the server's newest page when
online. Only a window is mounted (``WINDOW`` messages); scrolling to the top mounts older
ones, first from what was already loaded, then page by page from the server.

Live updates arrive as :class:`~threadline.tui.messages.RunUpdated`. A streaming assistant
message is an :class:`AssistantMessage` fed fragment by fragment; a view created in the
middle of a stream starts from the reducer's snapshot and skips what it already holds. The
container is anchored to the bottom, so it follows new text only while the user is there.
"""

from __future__ import annotations

import asyncio
from itertools import count
from typing import TYPE_CHECKING

from textual import work
from textual.containers import VerticalScroll
from textual.events import MouseScrollUp

from threadline.api import Message

from ..clock import Clock
from ..errors import ReportsWorkFailures
from ..keys import bindings
from ..messages import RunUpdated
from ..render import error_line, run_state_line
from .message_cursor import MessageCursor
from .message_view import AssistantMessage, MessageView, RunNotice, UserMessage
from .tool_cards import show_tool_round

if TYPE_CHECKING:
    from threadline.core.driver import Conversation
    from threadline.core.session import Session

PAGE = 30  # messages fetched per older page
WINDOW = 60  # messages mounted when a thread opens


def _fingerprint(messages: list[Message]) -> list[tuple[str, str | None, int]]:
    return [(m.id, m.status, len(m.text)) for m in messages]


class MessageList(ReportsWorkFailures, MessageCursor, VerticalScroll):
    DEFAULT_CSS = """
    MessageList {
        layout: stream;
        height: 1fr;
        padding: 1 1 0 1;
        scrollbar-size-vertical: 1;
        background: $background;
        &:focus { background-tint: $foreground 3%; }
    }
    """

    can_focus = True
    BINDINGS = bindings("messages")  # select and copy (message_cursor.py)

    def __init__(self, clock: Clock, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._clock = clock
        self._session: Session | None = None
        self.thread_id: str | None = None
        # The thread's live conversation; None until the backend is connected.
        self.conversation: Conversation | None = None
        self.online = False  # the backend is connected: server pages can be fetched
        self.author = "assistant"
        self._views: dict[str, MessageView] = {}
        self._notices: dict[str, RunNotice] = {}
        self._loaded: list[Message] = []  # from the cache and the server, oldest first
        self._unmounted = 0  # how many of the oldest loaded messages have no view yet
        self._more_on_server = True
        self._local_ids = count(1)
        self._lock = asyncio.Lock()  # one load, refresh or older page at a time

    def bind(self, session: Session) -> None:
        self._session = session

    # --- building views ---------------------------------------------------------------

    def _view_for(self, message: Message) -> MessageView:
        if message.role == "user":
            return UserMessage.from_message(message, self._clock)
        return AssistantMessage.from_message(message, self.author, self._clock)

    async def _put(
        self, view: MessageView, run_id: str | None, replacing: MessageView | None = None
    ) -> None:
        """Mount ``view`` in order: in place of an old view, or above its run's notice."""
        self._views[view.message_id] = view
        notice = self._notices.get(run_id or "")
        if replacing is not None and replacing.is_attached:
            await self.mount(view, before=replacing)
            await replacing.remove()
        elif notice is not None and notice.is_attached:
            await self.mount(view, before=notice)
        else:
            await self.mount(view)

    def _notice(self, run_id: str) -> RunNotice:
        notice = self._notices.get(run_id)
        if notice is None:
            notice = self._notices[run_id] = RunNotice(run_id)
            self.mount(notice)
        return notice

    async def _clear(self) -> None:
        self._views.clear()
        self._notices.clear()
        self._loaded, self._unmounted = [], 0
        await self.remove_children()

    # --- opening a thread -------------------------------------------------------------

    def show(self, thread_id: str | None, conversation: Conversation | None) -> None:
        self.thread_id = thread_id
        self.conversation = conversation
        self._more_on_server = True
        self._load(thread_id, cached=True)

    def attach(self, conversation: Conversation) -> None:
        """The backend is connected: the server's newest page, and the live conversation."""
        self.conversation = conversation
        self._load(self.thread_id, cached=False)

    def scroll_to_message(self, message_id: str) -> bool:
        """Bring a message to the top of the view (the inspector's step links); False if
        it has no view here (not loaded yet, or another thread's)."""
        view = self._views.get(message_id)
        if view is None or not view.is_attached:
            return False
        self.scroll_to_widget(view, animate=False, top=True)
        return True

    # Loads are never cancelled half way (a half-mounted list would stay half mounted):
    # they rebuild the list in turns, under the lock, and one for a thread no longer on
    # screen gives up. The server is asked outside the lock, so live updates are held back
    # (see ``apply``) only while views are being mounted.
    @work(group="messages", name="load messages", exit_on_error=False)
    async def _load(self, thread_id: str | None, *, cached: bool) -> None:
        if cached:
            async with self._lock:
                if thread_id != self.thread_id:
                    return
                await self._clear()
                if thread_id is not None and self._session is not None:
                    messages = await self._session.cached_messages(thread_id)
                    if thread_id == self.thread_id:
                        await self._show_messages(messages)
        latest = None
        if thread_id is not None and self.online and self._session is not None:
            latest = await self._session.latest_messages(thread_id)
        async with self._lock:
            if thread_id != self.thread_id:
                return
            if latest is not None:
                await self._merge(latest)
            await self._overlay_live()
            self.anchor()
            self.reveal_pending()  # a search result to jump to

    async def _merge(self, latest: list[Message]) -> None:
        """The server's newest page replaces what it covers; older cached ones stay."""
        self._more_on_server = len(latest) >= PAGE
        ids = [m.id for m in self._loaded]
        keep = ids.index(latest[0].id) if latest and latest[0].id in ids else 0
        merged = self._loaded[:keep] + latest
        if _fingerprint(merged) != _fingerprint(self._loaded):
            await self._show_messages(merged)

    async def _show_messages(self, messages: list[Message]) -> None:
        await self._clear()
        self._loaded = messages
        self._unmounted = max(0, len(messages) - WINDOW)
        views = [self._view_for(m) for m in messages[self._unmounted :]]
        self._views = {v.message_id: v for v in views}
        await self.mount_all(views)
        self.anchor()

    async def _overlay_live(self) -> None:
        """Show what the conversation's reducer knows beyond the loaded page."""
        conversation = self.conversation
        if conversation is None:
            return
        state = conversation.state
        thread_id = self.thread_id
        for message_id in state.message_ids():
            message = state.message(message_id)
            if thread_id and message.thread_id not in ("", thread_id):
                continue
            view = self._views.get(message_id)
            live = view if isinstance(view, AssistantMessage) and view.streaming else None
            if message.role == "user":
                if view is None:
                    await self._put(self._view_for(message), message.run_id)
                continue
            # A reply of this session's runs goes through the streaming view, finished
            # or not, like the replies that streamed while it was on screen.
            if live is None and (view is None or message.status == "in_progress"):
                live = await self._live_view(message, replacing=view)
            elif live is not None:  # it missed the deltas that came during the load
                await live.catch_up(state.message_text(message_id))
            if live is not None and message.status != "in_progress":
                await live.finish(message)
        for run in state.runs():
            if not thread_id or run.thread_id in ("", thread_id):
                self._notice(run.id).show(*run_state_line(run))
        await self._show_tool_round()

    async def _show_tool_round(self) -> None:
        """The tool calls the run waits on, as cards above its notice (see tool_cards)."""
        conversation = self.conversation
        notice = self._notices.get(conversation.run_id or "") if conversation else None
        await show_tool_round(self, conversation, notice, self._clock)

    async def _live_view(
        self, message: Message, replacing: MessageView | None = None
    ) -> AssistantMessage:
        assert self.conversation is not None
        view = AssistantMessage(message.id, message.created_at, self.author, self._clock)
        await self._put(view, message.run_id, replacing=replacing)
        await view.start(self.conversation.state.message_text(message.id))
        return view

    # --- older pages ------------------------------------------------------------------

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if new_value <= 0 < old_value:
            self.load_older()

    def on_mouse_scroll_up(self, event: MouseScrollUp) -> None:
        if self.scroll_y <= 0:
            self.load_older()

    @work(exclusive=True, group="older", name="load older messages", exit_on_error=False)
    async def load_older(self) -> None:
        if self._lock.locked():
            return  # a load is under way; the user can scroll up again after it
        async with self._lock:
            await self._load_older()

    async def _load_older(self) -> None:
        thread_id = self.thread_id
        first = next(iter(self._views.values()), None)
        if thread_id is None or first is None:
            return
        if self._unmounted:
            start = max(0, self._unmounted - PAGE)
            batch = self._loaded[start : self._unmounted]
            self._unmounted = start
        elif self.online and self._more_on_server and self._session is not None:
            batch = await self._session.older_messages(thread_id, first.message_id, PAGE)
            if thread_id != self.thread_id:
                return
            self._more_on_server = bool(batch)
            self._loaded = batch + self._loaded
        else:
            return
        height = self.virtual_size.height
        views = [self._view_for(m) for m in batch if m.id not in self._views]
        self._views = {**{v.message_id: v for v in views}, **self._views}
        await self.mount_all(views, before=first)
        # Keep the message that was at the top where it was.
        self.call_after_refresh(
            lambda: self.scroll_to(y=self.virtual_size.height - height, animate=False)
        )

    # --- live updates -----------------------------------------------------------------

    async def show_sent(self, text: str, message_id: str | None) -> None:
        """The user's message was accepted: show it at once, and follow the reply."""
        view = UserMessage(
            message_id or f"local-{next(self._local_ids)}", self._clock.now(), text, self._clock
        )
        self._views[view.message_id] = view
        await self.mount(view)
        self.anchor()

    async def apply(self, event: RunUpdated) -> None:
        if self._lock.locked():
            return  # a load is rebuilding the list; it ends with what the reducer holds
        update = event.update
        state = event.conversation.state
        if update.kind == "event" and update.change is not None:
            change = update.change
            if event.text is not None:
                view = self._views.get(event.text.message_id)
                if not (isinstance(view, AssistantMessage) and view.streaming):
                    message = state.message(event.text.message_id)
                    view = await self._live_view(message, replacing=view)
                await view.feed(event.text.fragment, event.text.offset)
            elif change.kind == "message" and change.object_id is not None:
                await self._message_changed(state.message(change.object_id))
            elif change.kind == "run" and change.object_id is not None:
                self._notice(change.object_id).show(*run_state_line(state.run(change.object_id)))
                await self._show_tool_round()
        elif update.kind == "finished":
            await self._finished(event.conversation, update.status, update.error)
            await self._show_tool_round()
        elif update.kind == "reconnecting" and event.conversation.run_id:
            self._notice(event.conversation.run_id).show(
                "-running", "connection lost; reconnecting…"
            )

    async def _message_changed(self, message: Message) -> None:
        view = self._views.get(message.id)
        if message.status == "in_progress":
            if view is None and message.role == "assistant":
                await self._live_view(message)
            elif view is None:
                await self._put(self._view_for(message), message.run_id)
        elif isinstance(view, AssistantMessage) and view.streaming:
            await view.finish(message)
        elif view is None:
            await self._put(self._view_for(message), message.run_id)

    async def _finished(
        self, conversation: Conversation, status: str | None, error: str | None
    ) -> None:
        state = conversation.state
        for message_id, view in list(self._views.items()):
            if isinstance(view, AssistantMessage) and view.streaming:
                await view.finish(state.message(message_id))
        run_id = conversation.run_id
        if run_id is not None and run_id in state.run_ids():
            self._notice(run_id).show(*run_state_line(state.run(run_id), error))
        else:
            notice = self._notice(f"local-{next(self._local_ids)}")
            notice.show(*error_line(status or "failed", error))
