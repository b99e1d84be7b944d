"""The conformance recordings, cut the way a network delivers them.

A streaming server flushes each event as it is written, so a client's reads are mostly one
event each, and a large event (a run object is about 1.3 KB) is split into segments of one
TCP MSS (1,448 bytes with timestamps). That is how the streams are cut here; every stream is
one run, so each gets a fresh decoder and a fresh state on both sides.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
STREAMS = REPO / "tests" / "conformance" / "streams"
MSS = 1448


@dataclass(frozen=True)
class Stream:
    name: str
    chunks: tuple[bytes, ...]
    events: int


def _cut(raw: bytes) -> tuple[tuple[bytes, ...], int]:
    text = raw.replace(b"\r\n", b"\n")
    events = [e + b"\n\n" for e in text.split(b"\n\n") if e.strip()]
    chunks = [event[i : i + MSS] for event in events for i in range(0, len(event), MSS)]
    return tuple(chunks), len(events)


def recordings() -> list[Stream]:
    paths = sorted(STREAMS.glob("*.sse"))
    if not paths:
        raise FileNotFoundError(f"no recordings in {STREAMS}")
    streams = []
    for path in paths:
        chunks, events = _cut(path.read_bytes())
        streams.append(Stream(path.stem, chunks, events))
    return streams


def repeated(target_events: int) -> list[Stream]:
    """The recordings in turn, as many times as it takes to reach ``target_events``."""
    base = recordings()
    out: list[Stream] = []
    total = 0
    while total < target_events:
        stream = base[len(out) % len(base)]
        out.append(stream)
        total += stream.events
    return out
