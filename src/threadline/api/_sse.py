"""An incremental Server-Sent Events decoder, per the WHATWG event-stream rules.

It takes bytes in chunks split anywhere (inside a UTF-8 character, between CR and LF) and
handles LF, CR and CRLF line endings, a leading BOM, ``:`` comments, multi-line ``data``,
and a last event that is not followed by a blank line. ``id`` and ``retry`` are ignored:
Assistants streams cannot be resumed. Comments are dropped unless ``keep_comments`` is set:
then each event carries the comment lines that came before it in its block (Threadline's
saved captures put arrival times there). One event is bounded in size; past the bound the
decoder raises :class:`SSEError` instead of growing without limit.

Written here rather than taken from httpx-sse because that library has no size bound, does
not strip a BOM, and reads line by line through httpx, which is slower on large streams.
"""

from __future__ import annotations

import codecs
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from dataclasses import dataclass

MAX_EVENT_SIZE = 16 * 1024 * 1024
"""The largest event, in characters of its lines, before :class:`SSEError` is raised."""


class SSEError(Exception):
    """The byte stream breaks the event-stream format's limits."""


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    event: str
    data: str
    comments: tuple[str, ...] = ()


class SSEDecoder:
    """Feed it bytes; it returns the events each chunk completes."""

    def __init__(
        self, max_event_size: int = MAX_EVENT_SIZE, *, keep_comments: bool = False
    ) -> None:
        self._max = max_event_size
        self._keep_comments = keep_comments
        self._comments: list[str] = []
        self._utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._started = False
        self._skip_lf = False  # the last chunk ended with CR: a leading LF belongs to it
        self._partial: list[str] = []  # pieces of the current, unfinished line
        self._partial_len = 0
        self._event = ""
        self._data: list[str] = []
        self._size = 0

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        return self._feed_text(self._utf8.decode(chunk))

    def end(self) -> list[ServerSentEvent]:
        """Flush at end of stream: a last line or event without its terminator counts."""
        events = self._feed_text(self._utf8.decode(b"", final=True))
        if self._partial:
            line = "".join(self._partial)
            self._partial.clear()
            self._partial_len = 0
            self._line(line, events)
        self._dispatch(events)
        return events

    def _feed_text(self, text: str) -> list[ServerSentEvent]:
        events: list[ServerSentEvent] = []
        if not text:
            return events
        if not self._started:
            self._started = True
            if text[0] == "\ufeff":
                text = text[1:]
        if self._skip_lf and text[:1] == "\n":
            text = text[1:]
        self._skip_lf = text[-1:] == "\r"
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        lines = text.split("\n")
        tail = lines.pop()
        if lines:
            if self._partial:
                self._partial.append(lines[0])
                lines[0] = "".join(self._partial)
                self._partial.clear()
                self._partial_len = 0
            for line in lines:
                self._line(line, events)
        if tail:
            self._partial.append(tail)
            self._partial_len += len(tail)
            if self._partial_len + self._size > self._max:
                self._overflow()
        return events

    def _line(self, line: str, events: list[ServerSentEvent]) -> None:
        if not line:
            self._dispatch(events)
            return
        if line[0] == ":":
            if self._keep_comments:
                comment = line[2:] if line[1:2] == " " else line[1:]
                self._comments.append(comment)
                self._size += len(comment) + 1
                if self._size > self._max:
                    self._overflow()
            return
        field, sep, value = line.partition(":")
        if sep and value[:1] == " ":
            value = value[1:]
        if field == "data":
            self._data.append(value)
            self._size += len(value) + 1
            if self._size > self._max:
                self._overflow()
        elif field == "event":
            self._event = value
        # id, retry and unknown fields are ignored.

    def _dispatch(self, events: list[ServerSentEvent]) -> None:
        if self._data:
            events.append(
                ServerSentEvent(
                    self._event or "message", "\n".join(self._data), tuple(self._comments)
                )
            )
        self._event = ""
        self._data = []
        self._comments = []
        self._size = 0

    def _overflow(self) -> None:
        self._data = []
        self._comments = []
        self._partial.clear()
        self._size = self._partial_len = 0
        raise SSEError(f"a stream event is larger than {self._max // (1024 * 1024)} MiB")


def iter_sse(
    chunks: Iterable[bytes], max_event_size: int = MAX_EVENT_SIZE, *, keep_comments: bool = False
) -> Iterator[ServerSentEvent]:
    decoder = SSEDecoder(max_event_size, keep_comments=keep_comments)
    for chunk in chunks:
        yield from decoder.feed(chunk)
    yield from decoder.end()


async def aiter_sse(
    chunks: AsyncIterable[bytes], max_event_size: int = MAX_EVENT_SIZE
) -> AsyncIterator[ServerSentEvent]:
    decoder = SSEDecoder(max_event_size)
    async for chunk in chunks:
        for event in decoder.feed(chunk):
            yield event
    for event in decoder.end():
        yield event
