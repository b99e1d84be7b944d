"""A streamed run as an async iterator of typed events.

The stream is over after ``done``. Ending without it is fine only once the run is at rest
(a terminal status or ``requires_action``); otherwise the run is still going on the server
and the caller must learn its fate another way, so :class:`StreamInterruptedError` is
raised, after every event that did arrive has been yielded, carrying them all.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import suppress
from types import TracebackType
from typing import Self, cast

import httpx

from ._errors import APIError, StreamInterruptedError, StreamProtocolError, one_line
from ._events import AnyEvent, DoneEvent, InvalidEvent, RunEvent, ThreadEvent, parse_event
from ._objects import TERMINAL_RUN_STATUSES
from ._sse import MAX_EVENT_SIZE, SSEDecoder, SSEError

RESTING_RUN_STATUSES = TERMINAL_RUN_STATUSES | {"requires_action"}
"""Run statuses after which a stream may end without ``done`` and nothing is lost."""


class EventStream:
    """Typed events of one streamed request; use ``async with`` and ``async for``.

    The request is sent on entry (or the first iteration); a non-2xx answer raises its
    :class:`APIStatusError` before any event. Leaving the block, breaking out and
    :meth:`aclose` close the response.
    """

    def __init__(
        self,
        open_response: Callable[[], Awaitable[httpx.Response]],
        *,
        max_event_size: int = MAX_EVENT_SIZE,
    ) -> None:
        self._open_response = open_response
        self._response: httpx.Response | None = None
        self._chunks: AsyncGenerator[bytes, None] | None = None
        self._decoder = SSEDecoder(max_event_size)
        self._pending: deque[AnyEvent] = deque()
        self._events: list[AnyEvent] = []
        self._failure: APIError | None = None
        self._started = False
        self._finished = False  # nothing more will be read
        self._at_rest = False
        self.response_headers = httpx.Headers()
        """The response's headers (e.g. ``openai-poll-after-ms``), once opened."""
        self.run_id: str | None = None
        self.run_status: str | None = None
        self.thread_id: str | None = None

    @property
    def events(self) -> list[AnyEvent]:
        """Every event received so far, in order."""
        return list(self._events)

    async def open(self) -> None:
        """Send the request (done by ``async with`` or the first iteration)."""
        if self._started:
            return
        # Once only, even if it fails: sending again could start a second run.
        self._started = True
        self._finished = True
        response = await self._open_response()
        self._finished = False
        self._response = response
        self.response_headers = response.headers
        self._chunks = cast(AsyncGenerator[bytes, None], response.aiter_bytes())

    async def aclose(self) -> None:
        """Stop reading and close the response. Safe to call more than once."""
        self._pending.clear()
        self._failure = None
        await self._close()

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> AnyEvent:
        await self.open()
        while not self._pending:
            if self._failure is not None:
                failure, self._failure = self._failure, None
                raise failure
            if self._finished:
                raise StopAsyncIteration
            await self._read()
        return self._pending.popleft()

    async def _read(self) -> None:
        assert self._chunks is not None
        chunk: bytes | None = None
        lost: str | None = None
        try:
            chunk = await anext(self._chunks)
        except StopAsyncIteration:
            pass
        except httpx.TransportError as exc:
            lost = f"connection lost ({one_line(str(exc), 120) or type(exc).__name__})"
            if isinstance(exc, httpx.TimeoutException):
                lost = "no data within the idle timeout"
        oversized: str | None = None
        try:
            if chunk is not None:
                decoded = self._decoder.feed(chunk)
            else:
                # A cut stream's last partial event is incomplete: drop it.
                decoded = self._decoder.end() if lost is None else []
        except SSEError as exc:
            decoded, oversized = [], str(exc)
        for sse in decoded:
            event = parse_event(sse.event, sse.data)
            if chunk is None and isinstance(event, InvalidEvent):
                # An unterminated last event that does not parse was cut short; the
                # interruption reports that. (A whole one, e.g. "data: [DONE]" with no
                # blank line after it, still counts.)
                continue
            self._accept(event)
            if self._finished:  # done: anything after it is not part of the stream
                break
        if oversized is not None:
            self._failure = StreamProtocolError(oversized, self._events)
        elif chunk is None and not self._finished and not self._at_rest:
            self._failure = StreamInterruptedError(
                lost or "the server closed the stream",
                self._events,
                run_id=self.run_id,
                run_status=self.run_status,
                thread_id=self.thread_id,
            )
        if chunk is None or self._finished or oversized is not None:
            await self._close()

    def _accept(self, event: AnyEvent) -> None:
        self._events.append(event)
        self._pending.append(event)
        if isinstance(event, DoneEvent):
            self._finished = True
        elif isinstance(event, RunEvent):
            self.run_id = event.data.id
            self.run_status = event.data.status
            self.thread_id = event.data.thread_id or self.thread_id
            self._at_rest = event.data.status in RESTING_RUN_STATUSES
        elif isinstance(event, ThreadEvent):
            self.thread_id = event.data.id

    async def _close(self) -> None:
        self._finished = True
        chunks, self._chunks = self._chunks, None
        # Closing a broken connection can fail again; there is nothing left to save.
        if chunks is not None:
            with suppress(httpx.TransportError):
                await chunks.aclose()
        if self._response is not None:
            with suppress(httpx.TransportError):
                await self._response.aclose()
