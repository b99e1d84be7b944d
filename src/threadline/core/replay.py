"""Rebuild a run's state from captured SSE text (a Threadline capture or any ``curl -N``)."""

from __future__ import annotations

from threadline.api import AnyEvent, SSEError, iter_sse, parse_event
from threadline.errors import UserError

from .run_state import RunState


class NotAStreamError(UserError):
    """The input holds no server-sent events."""


def parse_stream(data: bytes, source: str = "input") -> list[AnyEvent]:
    """All events of an SSE byte string, typed. Raises :class:`NotAStreamError`."""
    if not data.strip():
        raise NotAStreamError(f"{source}: empty, expected an SSE stream (event:/data: lines)")
    try:
        events = [parse_event(sse.event, sse.data) for sse in iter_sse([data])]
    except SSEError as exc:
        raise NotAStreamError(f"{source}: {exc}") from None
    if not events:
        raise NotAStreamError(f"{source}: not an SSE stream (no event:/data: lines found)")
    return events


def replay(events: list[AnyEvent]) -> RunState:
    state = RunState()
    for event in events:
        state.apply(event)
    return state
