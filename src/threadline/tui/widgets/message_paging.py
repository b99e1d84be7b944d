"""The message list's window over a long thread: which messages have views, and moving it.

Only a window of the thread has views (:mod:`.message_window` keeps the books): a screenful
when a thread opens, then a batch at a time at whichever end the user scrolls near,
fetching a page first when the messages held in memory run out. Views far off screen are
removed, so however long the thread, about ``MAX_MOUNTED`` views exist. A jump (a search
result, an inspector link, home) rebuilds the window around its message.

:class:`PagedMessages` is the base of :class:`~.message_list.MessageList`, which adds
loading, the live conversation and the cursor; it calls ``_overlay_live`` (there) whenever
the views reach the thread's end again.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Literal, TypeGuard

from textual import work
from textual.events import Resize

from .message_window import PAGE, MessagePages, ThreadWindow, estimated_rows
from .scroll_anchor import AnchoredScroll

if TYPE_CHECKING:
    from threadline.api import Message
    from threadline.core.driver import Conversation
    from threadline.core.session import Session

    from ..clock import Clock
    from .message_view import AssistantMessage, MessageView, RunNotice

MAX_MOUNTED = 40  # message views mounted at most (live replies below them not counted)
BATCH = 12  # message views mounted per batch at most

Focus = Literal["start", "end"] | int  # where a rebuilt window is mounted and scrolled to


def streaming(view: MessageView | None) -> TypeGuard[AssistantMessage]:
    """A reply view being fed a stream. (By attribute: the views' module, with the
    markdown renderer, is imported when the first view is made, after the first frame.)"""
    return getattr(view, "streaming", False) is True


class PagedMessages(AnchoredScroll):
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
        self._window = ThreadWindow()
        self._lock = asyncio.Lock()  # one load, jump or batch at a time
        self._rebuilding = False  # live updates wait: the load ends with what they hold
        self._growing = False  # a batch is being mounted at one end
        self._moving = False  # home is on its way
        self._generation = 0  # bumped by every rebuild; a batch of an older one gives up

    async def _overlay_live(self) -> None:
        """Show what the live conversation holds beyond the messages (see MessageList)."""

    # --- building views ---------------------------------------------------------------

    def _view_for(self, message: Message) -> MessageView:
        from .message_view import AssistantMessage, UserMessage

        state = self.conversation.state if self.conversation is not None else None
        if state is not None and message.id in state.message_ids():
            message = state.message(message.id)  # a reply of this session: the current copy
        if message.role == "user":
            return UserMessage.from_message(message, self._clock)
        return AssistantMessage.from_message(message, self.author, self._clock)

    async def _clear(self) -> None:
        self._views.clear()
        self._notices.clear()
        self._window = ThreadWindow()
        await self.remove_children()

    def _viewport_rows(self) -> int:
        height = self.scrollable_content_region.height
        return height if height > 0 else max(10, self.app.size.height - 6)

    def _take(self, start: int, step: int, rows: int) -> int:
        """How many messages from index ``start`` (``step`` -1: older, 1: newer) fill
        ``rows`` rows, by estimate: at least one (if there is one), at most ``BATCH``."""
        messages = self._window.messages
        width = (self.scrollable_content_region.width or self.app.size.width // 2) - 4
        total = taken = 0
        at = start
        while 0 <= at < len(messages) and taken < BATCH and total < rows:
            total += estimated_rows(messages[at], width)
            taken += 1
            at += step
        return taken

    async def _mount_older(self, count: int) -> None:
        """Mount views for the ``count`` held messages above the mounted ones."""
        window = self._window
        batch = window.messages[max(0, window.lo - count) : window.lo]
        window.lo -= len(batch)
        views = [self._view_for(m) for m in batch if m.id not in self._views]
        self._views.update((view.message_id, view) for view in views)
        if views and self.children:
            await self.mount_all(views, before=self.children[0])
        elif views:
            await self.mount_all(views)

    async def _mount_newer(self, count: int) -> None:
        """Mount views for the ``count`` held messages below the mounted ones (above any
        live reply or notice, which are newer)."""
        window = self._window
        last = self._views.get(window.messages[window.hi - 1].id) if window.hi > window.lo else None
        batch = window.messages[window.hi : window.hi + count]
        window.hi += len(batch)
        views = [self._view_for(m) for m in batch if m.id not in self._views]
        self._views.update((view.message_id, view) for view in views)
        if not views:
            return
        if last is not None and last.parent is self:
            await self.mount_all(views, after=last)
        elif self.children:
            await self.mount_all(views, before=self.children[0])
        else:
            await self.mount_all(views)

    # --- rebuilding the window --------------------------------------------------------

    @asynccontextmanager
    async def _rebuild_section(self) -> AsyncIterator[None]:
        """Hold the lock, and hold back live updates (the section ends with what the
        reducer holds, see ``_overlay_live``)."""
        async with self._lock:
            self._rebuilding = True
            try:
                yield
            finally:
                self._rebuilding = False

    async def _rebuild(self, window: ThreadWindow, focus: Focus) -> None:
        """Replace every view with ``window``'s, a screenful mounted around ``focus``."""
        self._generation += 1
        await self._clear()
        self._window = window
        rows = self._viewport_rows() + 2
        size = len(window.messages)
        if focus == "end":
            window.lo = window.hi = size
            await self._mount_older(self._take(size - 1, -1, rows))
            self.follow()
            return
        at = 0 if focus == "start" else focus
        window.lo = window.hi = at
        await self._mount_newer(self._take(at, 1, rows))
        if focus != "start":
            await self._mount_older(self._take(at - 1, -1, rows // 3))
        view = self._views.get(window.messages[at].id) if window.messages else None
        if view is not None:
            self.pin(view)

    # --- more at either end, as the user scrolls --------------------------------------

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._check_edges()

    def on_mouse_scroll_up(self, event: object) -> None:
        self._check_edges()  # at the top already, scrolling up does not move scroll_y

    def on_resize(self, event: Resize) -> None:
        self.call_after_refresh(self._check_edges)

    def _check_edges(self) -> None:
        """Mount a batch at an end the screen is within a screen of, if there is more."""
        if self._growing or self._rebuilding or not self.is_attached:
            return
        window, edge = self._window, self._viewport_rows()
        if self.scroll_y < edge and (window.lo > 0 or (window.more_before and window.messages)):
            direction = -1
        elif self.max_scroll_y - self.scroll_y < edge and (
            window.hi < len(window.messages) or window.more_after
        ):
            direction = 1
        else:
            return
        if self._session is None or self.thread_id is None:
            return
        self._growing = True
        self._grow(direction)

    @work(group="window", name="mount more messages", exit_on_error=False)
    async def _grow(self, direction: int) -> None:
        await self._grow_once(direction)
        # Again after the layout: one batch may not fill a screen. (After a failure, the
        # next scroll tries again.)
        self.call_after_refresh(self._check_edges)

    async def _grow_once(self, direction: int) -> None:
        """One batch at one end (``direction`` -1: older, 1: newer)."""
        self._growing = True
        try:
            async with self._lock:
                if direction < 0:
                    await self._grow_older(self._generation)
                else:
                    await self._grow_newer(self._generation)
        finally:
            self._growing = False

    def _pages(self) -> MessagePages:
        assert self._session is not None and self.thread_id is not None
        return MessagePages(self._session, self.thread_id, self.online)

    async def _grow_older(self, generation: int) -> None:
        window = self._window
        if window.lo == 0:
            if not (window.more_before and window.messages):
                return
            page = await self._pages().before(window.messages[0].id)
            if generation != self._generation:
                return
            window.more_before = len(page) >= PAGE
            window.prepend(page)
        if window.lo > 0:
            await self._mount_older(self._take(window.lo - 1, -1, self._viewport_rows()))
            await self._prune_below()
            window.trim(keep_tail=window.hi == len(window.messages) and self._extras())

    async def _grow_newer(self, generation: int) -> None:
        window = self._window
        if window.hi == len(window.messages) and window.more_after:
            after = window.messages[-1].id if window.messages else None
            page = await self._pages().after(after)
            if generation != self._generation:
                return
            window.more_after = len(page) >= PAGE
            window.append([m for m in page if m.id not in self._views])
        if window.hi < len(window.messages):
            await self._mount_newer(self._take(window.hi, 1, self._viewport_rows()))
            await self._prune_above()
            window.trim(keep_tail=True)
        if window.reaches_end:
            await self._overlay_live()
            self.follow_from_bottom()

    def _extras(self) -> bool:
        """Views below the window's messages: live replies, sent messages, notices, cards."""
        window = self._window
        last = self._views.get(window.messages[window.hi - 1].id) if window.hi > window.lo else None
        return bool(self.children) and self.children[-1] is not last

    def _run_busy(self) -> bool:
        conversation = self.conversation
        if conversation is not None and (conversation.active or conversation.pending_tool_calls):
            return True
        return any(streaming(v) for v in self._views.values())

    def _kept(self, message_id: str) -> bool:
        """A view pruning must not remove (MessageList: the selected message)."""
        return False

    async def _prune_below(self) -> None:
        """Remove views more than a screen below the screen, down to ``MAX_MOUNTED`` (none
        while a run is going: its views are at the bottom)."""
        window = self._window
        if window.hi - window.lo <= MAX_MOUNTED or self._run_busy():
            return
        limit = self.scroll_y + 2 * self._viewport_rows()
        hi = window.hi
        while hi - window.lo > MAX_MOUNTED:
            view = self._views.get(window.messages[hi - 1].id)
            region = self._positions.get(view) if view is not None else None
            if region is None or region.y < limit or self._kept(window.messages[hi - 1].id):
                break
            hi -= 1
        keep = self._views.get(window.messages[hi - 1].id)
        if hi == window.hi or keep is None or keep.parent is not self:
            return
        below = list(self.children[self.children.index(keep) + 1 :])
        if self._extras():
            window.more_after = True  # replies and sent messages not held: fetch them again
        window.hi = hi
        gone = set(below)
        self._views = {k: v for k, v in self._views.items() if v not in gone}
        self._notices = {k: v for k, v in self._notices.items() if v not in gone}
        self.anchor(False)  # not following: the end is not mounted
        await self.remove_children(below)

    async def _prune_above(self) -> None:
        """Remove views more than a screen above the screen, down to ``MAX_MOUNTED``."""
        window = self._window
        limit = self.scroll_y - self._viewport_rows()
        lo = window.lo
        while window.hi - lo > MAX_MOUNTED:
            view = self._views.get(window.messages[lo].id)
            region = self._positions.get(view) if view is not None else None
            if region is None or region.bottom > limit or self._kept(window.messages[lo].id):
                break
            lo += 1
        above = [self._views.pop(m.id) for m in window.messages[window.lo : lo]]
        window.lo = lo
        if above:
            await self.remove_children(above)

    # --- jumps ------------------------------------------------------------------------

    async def _window_around(self, message_id: str) -> tuple[ThreadWindow, int] | None:
        """A window with ``message_id`` in it, from what is held or fetched around it."""
        held = self._window
        at = held.index(message_id)
        window: ThreadWindow | None = ThreadWindow()
        assert window is not None
        if at is not None:
            window.reset(held.messages, more_before=held.more_before, more_after=held.more_after)
            return window, at
        window = await self._pages().around(message_id)
        at = window.index(message_id) if window is not None else None
        return (window, at) if window is not None and at is not None else None

    async def _show_around(self, message_id: str) -> bool:
        """Rebuild the window around a message that has no view; False if the thread has
        no such message (it says so)."""
        thread_id = self.thread_id
        if thread_id is None or self._session is None:
            return False
        async with self._rebuild_section():
            if thread_id != self.thread_id:
                return False
            if message_id in self._views:
                return True
            found = await self._window_around(message_id)
            if thread_id != self.thread_id:
                return False
            if found is None:
                self.notify("That message is no longer in this thread.", severity="warning")
                return False
            await self._rebuild(*found)
            if found[0].reaches_end:
                await self._overlay_live()
        self.call_after_refresh(self._check_edges)
        return True

    async def _show_start(self) -> None:
        """Rebuild the window at the thread's first message."""
        try:
            async with self._rebuild_section():
                held = self._window
                window = ThreadWindow()
                if held.more_before:
                    page = await self._pages().after(None)
                    window.reset(page, more_before=False, more_after=len(page) >= PAGE)
                else:
                    window.reset(held.messages, more_before=False, more_after=held.more_after)
                await self._rebuild(window, "start")
                if window.reaches_end:
                    await self._overlay_live()
        finally:
            self._moving = False
        self.call_after_refresh(self._check_edges)
