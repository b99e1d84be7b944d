"""Which part of a long thread the message list holds, and where more of it comes from.

A thread can have tens of thousands of messages; mounting a view per message costs tens of
milliseconds and about half a megabyte each, so the list mounts a few screens of them.
:class:`ThreadWindow` is that bookkeeping, without Textual: a contiguous run of the thread's
messages held in memory (oldest first), which of them have views (``lo:hi``), and whether
the thread goes on before and after the run. :class:`MessagePages` fetches more: from the
server while the session is connected (the truth; each page refreshes the cache), else
from the local cache.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from threadline.api import Message
    from threadline.core.session import Session

PAGE = 50
"""Messages fetched per page."""
KEEP = 400
"""Messages held in memory at most; the far end of the run is dropped (and fetched again
if the user goes back there)."""


def estimated_rows(message: Message, width: int) -> int:
    """Roughly how many rows ``message`` takes at ``width`` columns: its header and
    margin, and its text wrapped. Used to mount enough views to fill a screen before any
    is laid out; a wrong guess only means one more or one fewer batch."""
    width = max(width, 10)
    rows = 2
    for line in message.text.split("\n"):
        rows += len(line) // width + 1
        if rows > 500:
            break
    return rows


@dataclass
class ThreadWindow:
    """A contiguous run of one thread's messages; ``messages[lo:hi]`` have views."""

    messages: list[Message] = field(default_factory=list)
    lo: int = 0
    hi: int = 0
    more_before: bool = False  # the thread has messages before messages[0]
    more_after: bool = False  # ... after messages[-1]; False: the run reaches the newest
    _index: dict[str, int] | None = None

    def reset(self, messages: list[Message], *, more_before: bool, more_after: bool) -> None:
        self.messages = list(messages)
        self.lo = self.hi = 0
        self.more_before, self.more_after = more_before, more_after
        self._index = None

    def set_messages(self, messages: list[Message]) -> None:
        """The same run with some messages changed or added at the end (``lo:hi`` stay)."""
        self.messages = list(messages)
        self._index = None

    def index(self, message_id: str) -> int | None:
        if self._index is None:
            self._index = {m.id: i for i, m in enumerate(self.messages)}
        return self._index.get(message_id)

    @property
    def reaches_end(self) -> bool:
        """Every message of the thread after the first mounted one has a view."""
        return not self.more_after and self.hi == len(self.messages)

    @property
    def reaches_start(self) -> bool:
        return not self.more_before and self.lo == 0

    def prepend(self, page: list[Message]) -> None:
        self.messages[:0] = page
        self.lo += len(page)
        self.hi += len(page)
        self._index = None

    def append(self, page: list[Message]) -> None:
        self.messages.extend(page)
        self._index = None

    def replace(self, message: Message) -> None:
        """Keep the held copy of a message current (a reply finished streaming)."""
        at = self.index(message.id)
        if at is not None:
            self.messages[at] = message

    def trim(self, keep_tail: bool) -> None:
        """Drop held messages far from the mounted ones, down to ``KEEP`` (never the tail
        when ``keep_tail``: views below the run, such as live replies, follow it)."""
        excess = len(self.messages) - KEEP
        if excess <= 0:
            return
        head = min(self.lo, excess)
        if head:
            del self.messages[:head]
            self.lo -= head
            self.hi -= head
            self.more_before = True
            excess -= head
        tail = 0 if keep_tail else min(len(self.messages) - self.hi, excess)
        if tail:
            del self.messages[len(self.messages) - tail :]
            self.more_after = True
        self._index = None


class MessagePages:
    """Pages of one thread, oldest first: from the server when ``online``, else the cache."""

    def __init__(self, session: Session, thread_id: str, online: bool) -> None:
        self._session = session
        self._thread_id = thread_id
        self._online = online

    async def before(self, message_id: str, limit: int = PAGE) -> list[Message]:
        if self._online:
            return await self._session.older_messages(self._thread_id, message_id, limit)
        return await self._session.cached_messages(self._thread_id, limit, before=message_id)

    async def after(self, message_id: str | None, limit: int = PAGE) -> list[Message]:
        """Messages after ``message_id``; ``None``: the thread's first."""
        if self._online:
            return await self._session.newer_messages(self._thread_id, message_id, limit)
        return await self._session.cached_messages_after(self._thread_id, message_id, limit)

    async def around(self, message_id: str, limit: int = PAGE) -> ThreadWindow | None:
        """A window with ``message_id`` in the middle; None if the thread has no such message."""
        from threadline.api import NotFoundError

        if self._online:
            try:
                message: Message | None = await self._session.message(self._thread_id, message_id)
            except NotFoundError:
                message = None
        else:
            message = await self._session.cached_message(self._thread_id, message_id)
        if message is None:
            return None
        half = limit // 2
        older = await self.before(message_id, half)
        newer = await self.after(message_id, half)
        window = ThreadWindow()
        window.reset(
            [*older, message, *newer], more_before=len(older) >= half, more_after=len(newer) >= half
        )
        return window
