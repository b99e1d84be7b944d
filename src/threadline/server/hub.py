"""Fan-out of a run's stream events to the HTTP streams watching it.

Each subscriber (one streamed response) has its own buffer, fed only with the events of the
run it subscribed to, so streams never see each other's events. An event is encoded once,
however many watch it, and not at all when nobody does. A stream ends after the event that
pauses or ends the run (``requires_action`` or a terminal status), with ``event: done``.

A subscriber reads everything buffered since its last read as one chunk: at full speed a
slow reader gets fewer, larger writes instead of falling behind one event at a time.

A reader that stops reading (a stalled connection that is not closed) must not make the
server hold the whole run in memory: a subscriber more than :data:`MAX_BUFFERED` bytes
behind is dropped. Its buffer is freed and its stream ends early, without ``done``, so its
client follows the run by polling, as after any lost stream. Nothing of the run is lost.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

from .store import encode, utf8

log = logging.getLogger(__name__)

DONE = b"event: done\ndata: [DONE]\n\n"
MAX_BUFFERED = 32 * 1024 * 1024
"""Bytes a subscriber may fall behind before it is dropped: room for a 10 MB reply's
deltas and its completed message, so only a reader that has stopped is dropped."""

# Run events after which a stream ends: the run waits for the client, or is over.
STREAM_ENDING = frozenset(
    f"thread.run.{s}"
    for s in ("requires_action", "completed", "failed", "cancelled", "expired", "incomplete")
)


def sse(event: str, data_json: str) -> bytes:
    """One server-sent event; ``data_json`` is already JSON (one line)."""
    return utf8(f"event: {event}\ndata: {data_json}\n\n")


class Subscription:
    """One stream's buffer of encoded events."""

    __slots__ = ("_buffered", "_chunks", "_closed", "_ready", "dropped", "run_id")

    def __init__(self, run_id: str) -> None:
        self.run_id = run_id
        self._chunks: deque[bytes] = deque()
        self._buffered = 0
        self._ready = asyncio.Event()
        self._closed = False
        self.dropped = False
        """Whether the reader fell too far behind and its stream was ended early."""

    def push(self, chunk: bytes) -> None:
        if self._closed:
            return
        # One chunk alone may exceed the bound (a huge completed message): a reader that
        # keeps up still gets it. Only a backlog past the bound drops the reader.
        if self._buffered and self._buffered + len(chunk) > MAX_BUFFERED:
            log.warning(
                "a stream of run %s fell more than %d bytes behind; ended it early",
                self.run_id,
                MAX_BUFFERED,
            )
            self._chunks.clear()
            self._buffered = 0
            self.dropped = True
            self.close()
            return
        self._chunks.append(chunk)
        self._buffered += len(chunk)
        self._ready.set()

    @property
    def buffered(self) -> int:
        """Bytes waiting for the reader."""
        return self._buffered

    def push_event(self, event: str, data: Any) -> None:
        self.push(sse(event, encode(data)))

    def close(self) -> None:
        """No more events: the reader drains what is buffered, then stops."""
        self._closed = True
        self._ready.set()

    @property
    def closed(self) -> bool:
        return self._closed

    async def chunks(self) -> AsyncIterator[bytes]:
        """Everything buffered since the last read, as one chunk, until closed."""
        while True:
            if self._chunks:
                data = b"".join(self._chunks)
                self._chunks.clear()
                self._buffered = 0
                yield data
                continue
            if self._closed:
                return
            self._ready.clear()
            await self._ready.wait()


class Hub:
    """Subscriptions by run id."""

    def __init__(self) -> None:
        self._subscribers: dict[str, set[Subscription]] = {}

    def subscribe(self, run_id: str) -> Subscription:
        subscription = Subscription(run_id)
        self._subscribers.setdefault(run_id, set()).add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        subscribers = self._subscribers.get(subscription.run_id)
        if subscribers is not None:
            subscribers.discard(subscription)
            if not subscribers:
                del self._subscribers[subscription.run_id]
        subscription.close()

    def watched(self, run_id: str) -> bool:
        return run_id in self._subscribers

    def publish(self, run_id: str, event: str, data: Any) -> None:
        """Send an event (its data still to encode) to the run's subscribers."""
        if run_id in self._subscribers:
            self.publish_json(run_id, event, encode(data))

    def publish_json(self, run_id: str, event: str, data_json: str) -> None:
        """Send an event whose data is already JSON. Ends the streams after a pause."""
        subscribers = self._subscribers.get(run_id)
        if not subscribers:
            return
        chunk = sse(event, data_json)
        ending = event in STREAM_ENDING
        for subscription in subscribers:
            subscription.push(chunk)
            if ending:
                subscription.push(DONE)
                subscription.close()
        if ending:
            del self._subscribers[run_id]

    def close_all(self) -> None:
        """End every stream (the server is stopping)."""
        for subscribers in self._subscribers.values():
            for subscription in subscribers:
                subscription.close()
        self._subscribers.clear()
