"""The conversation: the thread's messages as views, live while a run streams.

Opening a thread shows the newest cached messages at once (a screenful of views: see
:mod:`.message_paging` for the window over a long thread), then merges the server's newest
page when online. With the list focused, home and end go to the thread's first and newest
message; up and down move the selection (:mod:`.message_cursor`) past the mounted views; a
search result or an inspector link to a message without a view loads the ones around it.

Live updates arrive as :class:`~threadline.tui.messages.RunUpdated`. A streaming assistant
message is an :class:`AssistantMessage` fed fragment by fragment; a view created in the
middle of a stream starts from the reducer's snapshot and skips what it already holds. The
list is anchored to the bottom, so it follows new text only while the user is there.
Updates are shown while the views reach the thread's end; otherwise the reducer keeps
them, and they are shown on the way back down.
"""

from __future__ import annotations

import asyncio
from itertools import count
from typing import TYPE_CHECKING

from textual import work
from textual.geometry import Size
from textual.reactive import Reactive

from ..clock import Clock
from ..errors import ReportsWorkFailures
from ..keys import bindings
from .message_cursor import MessageCursor
from .message_paging import BATCH, MAX_MOUNTED, PagedMessages, streaming
from .message_window import PAGE, ThreadWindow
from .stream_layout import CheckedStreamLayout, checked_stream_layout

# The views (with the markdown renderer), the tool cards and the run notices' texts are
# imported where the first is made: the app's first frame shows no message.
if TYPE_CHECKING:
    from threadline.api import Message
    from threadline.core.driver import Conversation
    from threadline.core.session import Session

    from ..messages import RunUpdated
    from .message_view import AssistantMessage, MessageView, RunNotice

__all__ = ["BATCH", "MAX_MOUNTED", "MessageList"]

LATEST = 30  # the server's newest page, merged over the cached messages


def _fingerprint(messages: list[Message]) -> list[tuple[str, str | None, int]]:
    return [(m.id, m.status, len(m.text)) for m in messages]


class MessageList(ReportsWorkFailures, MessageCursor, PagedMessages):
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

    @property
    def layout(self) -> CheckedStreamLayout:  # "layout: stream" without stale heights
        return checked_stream_layout(self)

    # When a reply grows, the layout already repaints what moved; Widget's virtual_size
    # would repaint the whole pane once more on the next frame (twice the bytes).
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=True, repaint=False)

    def __init__(self, clock: Clock, *, id: str | None = None) -> None:
        super().__init__(clock, id=id)
        self._local_ids = count(1)
        self._first_load = asyncio.Event()

    async def wait_first_load(self) -> None:
        """Until the first thread shown has its cached messages mounted (or failed to)."""
        await self._first_load.wait()

    def bind(self, session: Session) -> None:
        self._session = session

    @property
    def _loaded(self) -> list[Message]:
        """The messages held in memory, oldest first (for the copy actions)."""
        return self._window.messages

    @_loaded.setter
    def _loaded(self, messages: list[Message]) -> None:
        self._window.set_messages(messages)

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
        from .message_view import RunNotice

        notice = self._notices.get(run_id)
        if notice is None:
            notice = self._notices[run_id] = RunNotice(run_id)
            self.mount(notice)
        return notice

    # --- opening a thread -------------------------------------------------------------

    def show(self, thread_id: str | None, conversation: Conversation | None) -> None:
        self.thread_id = thread_id
        self.conversation = conversation
        self._load(thread_id, cached=True)

    def attach(self, conversation: Conversation) -> None:
        """The backend is connected: the server's newest page, and the live conversation."""
        self.conversation = conversation
        self._load(self.thread_id, cached=False)

    # Loads are never cancelled half way (a half-mounted list would stay half mounted):
    # they rebuild the list in turns, under the lock, and one for a thread no longer on
    # screen gives up. The server is asked outside the lock, so live updates are held back
    # (see ``apply``) only while views are being mounted.
    @work(group="messages", name="load messages", exit_on_error=False)
    async def _load(self, thread_id: str | None, *, cached: bool) -> None:
        await self._load_newest(thread_id, cached=cached)

    async def _load_newest(self, thread_id: str | None, *, cached: bool) -> None:
        """The cached newest messages (``cached``), then the server's newest page."""
        if cached:
            try:
                await self._show_cached(thread_id)
            finally:
                self.call_after_refresh(self._first_load.set)  # once they are on screen
        latest = None
        if thread_id is not None and self.online and self._session is not None:
            latest = await self._session.latest_messages(thread_id, LATEST)
        async with self._rebuild_section():
            if thread_id != self.thread_id:
                return
            if latest is not None:
                await self._merge(latest)
            if self._window.reaches_end:
                await self._overlay_live()
                if cached:
                    self.follow()
            self.reveal_pending()  # a search result to jump to
        self.call_after_refresh(self._check_edges)

    async def _show_cached(self, thread_id: str | None) -> None:
        async with self._rebuild_section():
            if thread_id != self.thread_id:
                return
            messages: list[Message] = []
            if thread_id is not None and self._session is not None:
                messages = await self._session.cached_messages(thread_id, PAGE)
            if thread_id != self.thread_id:
                return
            window = ThreadWindow()
            window.reset(messages, more_before=len(messages) >= PAGE, more_after=False)
            await self._rebuild(window, "end")

    async def _merge(self, latest: list[Message]) -> None:
        """The server's newest page replaces what it covers; older held ones stay. Views of
        changed messages are replaced and new ones added; the rest stay as they are."""
        window = self._window
        if window.more_after:
            return  # the user went elsewhere in the thread meanwhile
        at = window.index(latest[0].id) if latest else 0
        if at is None:  # no overlap: what the cache holds may have a gap before the page
            fresh = ThreadWindow()
            fresh.reset(latest, more_before=len(latest) >= LATEST, more_after=False)
            await self._rebuild(fresh, "end")
            return
        old = window.messages
        merged = old[:at] + latest
        if _fingerprint(merged) == _fingerprint(old):
            return
        if [m.id for m in merged[: len(old)]] != [m.id for m in old]:
            fresh = ThreadWindow()
            fresh.reset(merged, more_before=window.more_before, more_after=False)
            await self._rebuild(fresh, "end")
            return
        lo, hi = window.lo, window.hi
        window.set_messages(merged)
        for index in range(lo, min(hi, len(old))):
            if _fingerprint([old[index]]) == _fingerprint([merged[index]]):
                continue
            view = self._views.get(old[index].id)
            if streaming(view):
                continue  # the live view has the text already
            await self._put(self._view_for(merged[index]), merged[index].run_id, replacing=view)
        if hi == len(old):
            for message in merged[len(old) :]:
                if message.id not in self._views:
                    await self._put(self._view_for(message), message.run_id)
            window.hi = len(merged)

    async def _overlay_live(self) -> None:
        """Show what the conversation's reducer knows beyond the loaded messages (only
        while the views reach the thread's end: that is where it goes)."""
        conversation = self.conversation
        window = self._window
        if conversation is None or not window.reaches_end:
            return
        state = conversation.state
        thread_id = self.thread_id
        newest = window.messages[-1].created_at if window.messages else None
        for message_id in state.message_ids():
            message = state.message(message_id)
            if thread_id and message.thread_id not in ("", thread_id):
                continue
            view = self._views.get(message_id)
            if view is None and window.index(message_id) is not None:
                window.replace(message)  # held above the views: shown current when mounted
                continue
            if view is None and newest is not None and message.created_at < newest:
                continue  # older than what is held: its place is further up
            live = view if streaming(view) else None
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
        from ..render import run_state_line

        for run in state.runs():
            if not thread_id or run.thread_id in ("", thread_id):
                self._notice(run.id).show(*run_state_line(run))
        await self._show_tool_round()

    async def _show_tool_round(self) -> None:
        """The tool calls the run waits on, as cards above its notice (see tool_cards)."""
        conversation = self.conversation
        from .tool_cards import show_tool_round

        notice = self._notices.get(conversation.run_id or "") if conversation else None
        await show_tool_round(self, conversation, notice, self._clock)

    async def _live_view(
        self, message: Message, replacing: MessageView | None = None
    ) -> AssistantMessage:
        from .message_view import AssistantMessage

        assert self.conversation is not None
        view = AssistantMessage(message.id, message.created_at, self.author, self._clock)
        await self._put(view, message.run_id, replacing=replacing)
        await view.start(self.conversation.state.message_text(message.id))
        return view

    # --- going somewhere in the thread ------------------------------------------------

    def scroll_to_message(self, message_id: str) -> bool:
        """Bring a message to the top of the view (the inspector's step links), loading
        the messages around it if it has no view; False if no thread is shown."""
        view = self._views.get(message_id)
        if view is not None and view.is_attached:
            self.pin(view)
            return True
        if self.thread_id is None or self._session is None:
            return False
        self._go_to(message_id, select=False)
        return True

    def reveal_pending(self) -> None:
        message_id = self.pending_select
        if message_id is not None and message_id not in self._views and self.thread_id:
            self.pending_select = None
            self._go_to(message_id, select=True)
            return
        super().reveal_pending()

    @work(group="jump", name="show message", exit_on_error=False)
    async def _go_to(self, message_id: str, select: bool) -> None:
        if await self._show_around(message_id) and select:
            self.select(message_id)

    def _reveal(self, view: MessageView) -> None:
        self.pin(view)  # the selection stays at the top while views settle around it

    def _kept(self, message_id: str) -> bool:
        return message_id == self.selected_id

    def action_scroll_home(self) -> None:
        """Home: the thread's first message (loaded if it is not held)."""
        if self._window.reaches_start or self.thread_id is None or self._session is None:
            self.scroll_home(animate=False)
            self._select_edge(0)
        elif not self._moving:
            self._moving = True
            self._go_start()

    @work(group="jump", name="first messages", exit_on_error=False)
    async def _go_start(self) -> None:
        await self._show_start()
        self._select_edge(0)

    def action_scroll_end(self) -> None:
        """End: the thread's newest message, following new text again."""
        if self._window.reaches_end or self.thread_id is None:
            self.follow()
            self._select_edge(-1)
        elif not self._moving:
            self._moving = True
            self._go_end()

    @work(group="jump", name="newest messages", exit_on_error=False)
    async def _go_end(self) -> None:
        try:
            await self._load_newest(self.thread_id, cached=True)
        finally:
            self._moving = False
        self._select_edge(-1)

    def _select_edge(self, which: int) -> None:
        """After home or end: the selection (if any) moves to the first or newest view."""
        views = self._message_views()
        if self.selected_id is not None and views:
            self.select(views[which].message_id)

    def action_select_message(self, step: int) -> None:
        """Up/down past the first or last view mounts the next batch there first."""
        views = self._message_views()
        current = self._views.get(self.selected_id or "")
        window = self._window
        beyond = not window.reaches_start if step < 0 else not window.reaches_end
        edge = (views[0] if step < 0 else views[-1]) if views else None
        if current is not None and current is edge and beyond and not self._growing:
            self._growing = True
            self._grow_then_select(step)
            return
        super().action_select_message(step)

    @work(group="window", name="mount more messages", exit_on_error=False)
    async def _grow_then_select(self, step: int) -> None:
        await self._grow_once(step)
        super().action_select_message(step)

    # --- live updates -----------------------------------------------------------------

    async def show_sent(self, text: str, message_id: str | None) -> None:
        """The user's message was accepted: show it at once, and follow the reply."""
        if not self._window.reaches_end:
            # Back to the newest messages; the server has this one now.
            self._load(self.thread_id, cached=True)
            return
        from .message_view import UserMessage

        view = UserMessage(
            message_id or f"local-{next(self._local_ids)}", self._clock.now(), text, self._clock
        )
        self._views[view.message_id] = view
        await self.mount(view)
        self.follow()

    async def apply(self, event: RunUpdated) -> None:
        if self._rebuilding or not self._window.reaches_end:
            return  # a load is rebuilding the list (it ends with what the reducer holds),
            # or the newest messages are not mounted (shown from the reducer on the way back)
        from ..render import run_state_line

        update = event.update
        state = event.conversation.state
        if update.kind == "event" and update.change is not None:
            change = update.change
            if event.text is not None:
                view = self._views.get(event.text.message_id)
                if not (streaming(view)):
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
        elif streaming(view):
            await view.finish(message)
            self._window.replace(message)
        elif view is None:
            await self._put(self._view_for(message), message.run_id)

    async def _finished(
        self, conversation: Conversation, status: str | None, error: str | None
    ) -> None:
        from ..render import error_line, run_state_line

        state = conversation.state
        for message_id, view in list(self._views.items()):
            if streaming(view):
                message = state.message(message_id)
                await view.finish(message)
                self._window.replace(message)
        run_id = conversation.run_id
        if run_id is not None and run_id in state.run_ids():
            self._notice(run_id).show(*run_state_line(state.run(run_id), error))
        else:
            notice = self._notice(f"local-{next(self._local_ids)}")
            notice.show(*error_line(status or "failed", error))
