"""Saved captures: a run's raw events as an ``.sse`` file that keeps their arrival times.

The file is plain server-sent events, so any SSE reader (``curl``, an SDK, ``threadline
replay --json``) reads it; each event is preceded by a comment that SSE readers skip::

    : threadline-at=0.125
    event: thread.run.created
    data: {"id":"run_1",...}

:func:`read_capture` reads any SSE text, with or without those comments: events without a
time get ``at = None`` and a replay of them runs at once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from threadline.api import SSEError, iter_sse
from threadline.errors import UserError
from threadline.locations import data_dir, write_private_file

AT_PREFIX = "threadline-at="
HEADER = ": threadline capture: arrival times in seconds since the stream began\n\n"


class RawEvent(Protocol):
    """Anything with an event name, its raw data and maybe an arrival time."""

    @property
    def at(self) -> float | None: ...

    @property
    def event(self) -> str: ...

    @property
    def data(self) -> str: ...


class NotAStreamError(UserError):
    """The input holds no server-sent events."""


@dataclass(frozen=True, slots=True)
class TimedEvent:
    """One event read back from SSE text: ``at`` is None when the file had no time for it."""

    at: float | None
    event: str
    data: str


def write_capture(events: Iterable[RawEvent]) -> bytes:
    """The events as SSE text (UTF-8), each preceded by its arrival time when known."""
    parts = [HEADER]
    for item in events:
        if item.at is not None:
            parts.append(f": {AT_PREFIX}{item.at:.6f}\n")
        # An event name is one line on the wire; data may hold several.
        parts.append(f"event: {_one_line(item.event)}\n")
        for line in item.data.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
            parts.append(f"data: {line}\n")
        parts.append("\n")
    return "".join(parts).encode("utf-8")


def read_capture(data: bytes, source: str = "input") -> list[TimedEvent]:
    """Every event of SSE text, with its arrival time if the file kept one.

    Raises :class:`NotAStreamError` (a one-line user error) for empty input, text with no
    events, or an event past the decoder's size bound.
    """
    if not data.strip():
        raise NotAStreamError(f"{source}: empty, expected an SSE stream (event:/data: lines)")
    try:
        events = [
            TimedEvent(_arrival(sse.comments), sse.event, sse.data)
            for sse in iter_sse([data], keep_comments=True)
        ]
    except SSEError as exc:
        raise NotAStreamError(f"{source}: {exc}") from None
    if not events:
        raise NotAStreamError(f"{source}: not an SSE stream (no event:/data: lines found)")
    return events


def capture_path(run_id: str, folder: Path | None = None) -> Path:
    """Where "save capture" puts a run's capture: ``<data>/exports/<run id>.sse``."""
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", run_id).strip(".")[:120] or "run"
    return (folder if folder is not None else data_dir() / "exports") / f"{name}.sse"


def save_capture(
    events: Iterable[RawEvent], path: Path, redact: Callable[[str], str] = lambda text: text
) -> Path:
    """Write the events to ``path`` (0600, atomically) after ``redact``; returns the file."""
    text = redact(write_capture(events).decode("utf-8"))
    return write_private_file(path, text.encode("utf-8"))


def is_timed(events: Iterable[RawEvent]) -> bool:
    """True when every event has an arrival time (a Threadline capture)."""
    return all(item.at is not None for item in events)


def _arrival(comments: tuple[str, ...]) -> float | None:
    for comment in reversed(comments):
        if comment.startswith(AT_PREFIX):
            try:
                value = float(comment[len(AT_PREFIX) :])
            except ValueError:
                return None
            return value if math.isfinite(value) and value >= 0 else None
    return None


def _one_line(name: str) -> str:
    return name.replace("\r", " ").replace("\n", " ")
