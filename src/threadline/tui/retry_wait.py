"""The client's waits before a retry: shown in the status bar, ended by the cancel key.

A remote profile's client retries what may succeed later (a 429, a 5xx on a read, a
connection never made) after a wait, up to two minutes when the server asks for it
(``Retry-After``; longer is not waited on, the request fails saying so). The TUI gives the
client :meth:`RetryWaits.on_retry` and :meth:`RetryWaits.sleep`: each wait is announced to
the widget whose worker made the request (a :class:`RetryWaiting` message, bubbling up to
the screen), and :meth:`Wait.cancel` ends one at once with :class:`RetryCancelled`.
Nothing is in flight during a wait, so ending it loses or repeats
nothing: the request fails as if the server had refused it (a send's text stays in the
composer).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

from textual.message import Message
from textual.worker import NoActiveWorker, get_current_worker

from threadline.api import APIError
from threadline.core.sanitize import clean_line


class RetryCancelled(APIError):
    """The user ended the wait before a retry; the request was not sent again."""


@dataclass(eq=False)
class Wait:
    """One wait before a retry: why, how long, and the future that ends it."""

    reason: str
    seconds: float
    started: float = field(default_factory=time.monotonic)
    done: asyncio.Future[None] | None = None

    def left(self) -> float:
        return max(0.0, self.started + self.seconds - time.monotonic())

    @property
    def over(self) -> bool:
        return self.done is None or self.done.done()

    def describe(self) -> str:
        """``retrying in 12 s: 429 Too Many Requests: …``"""
        return f"retrying in {self.left():.0f} s: {self.reason}"

    def cancel(self) -> None:
        """End the wait now: the request fails with :class:`RetryCancelled`."""
        if self.done is not None and not self.done.done():
            self.done.set_exception(RetryCancelled(f"stopped waiting to retry ({self.reason})"))


class RetryWaiting(Message):
    """A request waits before its retry (``wait.done`` is set once the wait is over)."""

    def __init__(self, wait: Wait) -> None:
        super().__init__()
        self.wait = wait


class RetryWaits:
    """The retry hooks of one client (see the module docstring)."""

    def __init__(self) -> None:
        self._reasons: dict[asyncio.Task[object] | None, str] = {}
        self.waits: list[Wait] = []  # under way now

    def on_retry(self, retry: int, delay: float, error: APIError) -> None:
        self._reasons[asyncio.current_task()] = clean_line(str(error))

    async def sleep(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        reason = self._reasons.pop(asyncio.current_task(), "the server asked to wait")
        wait = Wait(reason, seconds, done=loop.create_future())
        assert wait.done is not None
        timer = loop.call_later(seconds, _settle, wait.done)
        self.waits.append(wait)
        try:
            worker = get_current_worker()
        except NoActiveWorker:
            worker = None
        if worker is not None and worker.node is not None:
            worker.node.post_message(RetryWaiting(wait))
        try:
            await wait.done
        finally:
            timer.cancel()
            _settle(wait.done)  # a task cancelled mid-wait: the wait is over too
            self.waits.remove(wait)


def _settle(done: asyncio.Future[None]) -> None:
    if not done.done():
        done.set_result(None)
