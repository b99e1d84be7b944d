"""Huge inputs below the TUI: a 10 MB reply and a 1 MB tool argument through the real
server and ``send``, 10,000 steps through the reducer, 100k-character lines through the
sanitizer and the SSE decoder, and a reader that stops reading while the server streams.
(How the TUI shows such things comes with the TUI's issue.)

Time bounds here are CPU time of this process, with wide margins: they catch work that
grows with the square of the input (seconds), not a slow machine (milliseconds).
"""

from __future__ import annotations

import gc
import re
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threadline.api import SSEDecoder, parse_event
from threadline.core.run_state import RunState
from threadline.core.sanitize import StreamSanitizer, _strip_sequences, clean
from threadline.server import hub

from .conftest import (
    Served,
    count_rows,
    local_threads,
    proxied,
    run_send,
    serving,
    thread_contents,
)
from .huge_engine import HugeEngine, huge_text
from .proxy import Fault

MB = 1_000_000


# --- through the server and send ----------------------------------------------------------


async def test_a_10_mb_reply_streams_whole_and_memory_stays_sane(tmp_path: Path) -> None:
    async with serving(tmp_path / "server", engine=HugeEngine()) as served:
        async with proxied(served, idle=30):
            tracemalloc.start()
            try:
                sent = await run_send(f"reply {10 * MB}")
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
        (thread_id,) = await local_threads()
        contents = await thread_contents(served, thread_id)
    assert sent.code == 0, sent.err
    assert sent.out == huge_text(10 * MB) + "\n"
    assert contents.text() == huge_text(10 * MB)
    # Server and client together, in this process: the reply is held a handful of times at
    # once (the server's live message, its JSON and store row, the client's state, the
    # decoded completed event, the printed copy), never once per delta.
    reply = sys.getsizeof(huge_text(10 * MB))
    assert peak < 12 * reply, f"peak {peak / MB:.0f} MB for a {reply / MB:.0f} MB reply"


async def test_a_1_mb_tool_argument_and_output_round_trip(tmp_path: Path) -> None:
    output = "O" * (MB - 6) + "ENDOK!"
    async with (
        serving(tmp_path / "server", engine=HugeEngine()) as served,
        proxied(served, idle=30),
    ):
        sent = await run_send(f"call {MB}", tool_outputs={"get_weather": output})
    assert sent.code == 0, sent.err
    assert sent.out == f"arguments {MB + 16}, output {MB} ending ENDOK!\n"


async def test_a_reader_that_stops_reading_is_dropped_and_recovers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The proxy stops reading the server's stream for a while: the server holds at most
    its bound for that reader, ends its stream, and the client gets the reply by polling."""
    monkeypatch.setattr(hub, "MAX_BUFFERED", 256 * 1024)
    largest, dropped = [0], []
    push = hub.Subscription.push

    def watched_push(self: hub.Subscription, chunk: bytes) -> None:
        push(self, chunk)
        largest[0] = max(largest[0], self.buffered)
        if self.dropped and self not in dropped:
            dropped.append(self)

    monkeypatch.setattr(hub.Subscription, "push", watched_push)
    fault = Fault("stall", b"event: thread.message.delta", stall_for=0.5)
    async with (
        serving(tmp_path / "server", engine=HugeEngine(), send_buffer=64 * 1024) as served,
        proxied(served, fault, idle=30) as proxy,
    ):
        sent = await run_send(f"reply {2 * MB}")
    assert sent.code == 0, sent.err
    assert proxy.triggered.is_set() and len(dropped) == 1
    assert sent.out == huge_text(2 * MB) + "\n"
    assert any(r.method == "GET" and "/runs/run_" in r.path for r in proxy.requests)
    assert 0 < largest[0] <= 256 * 1024


def test_a_subscription_past_its_bound_is_dropped_not_grown() -> None:
    subscription = hub.Subscription("run_1")
    chunk = b"x" * (1024 * 1024)
    for _ in range(hub.MAX_BUFFERED // len(chunk)):
        subscription.push(chunk)
    assert not subscription.dropped and subscription.buffered == hub.MAX_BUFFERED
    subscription.push(b"one byte too many")
    assert subscription.dropped and subscription.closed and subscription.buffered == 0
    subscription.push(chunk)
    assert subscription.buffered == 0


def test_one_huge_chunk_still_goes_to_a_reader_that_keeps_up() -> None:
    subscription = hub.Subscription("run_1")
    subscription.push(b"x" * (hub.MAX_BUFFERED + 1))
    assert not subscription.dropped and subscription.buffered == hub.MAX_BUFFERED + 1


# --- the reducer --------------------------------------------------------------------------


def step_events(n: int, run_id: str = "run_1") -> list[tuple[str, str]]:
    """``n`` function-call steps, each created, given its arguments, completed."""
    events = []
    for i in range(n):
        step = (
            f'{{"id":"step_{i}","object":"thread.run.step","run_id":"{run_id}",'
            f'"thread_id":"thread_1","type":"tool_calls","status":"%s","step_details":'
            f'{{"type":"tool_calls","tool_calls":[]}}}}'
        )
        delta = (
            f'{{"id":"step_{i}","object":"thread.run.step.delta","delta":{{"step_details":'
            f'{{"type":"tool_calls","tool_calls":[{{"index":0,"type":"function",'
            f'"id":"call_{i}","function":{{"name":"f","arguments":"%s"}}}}]}}}}}}'
        )
        events += [
            ("thread.run.step.created", step % "in_progress"),
            ("thread.run.step.delta", delta % f'{{\\"n\\": {i}}}'),
            ("thread.run.step.completed", step % "completed"),
        ]
    return events


def test_10000_steps_cost_the_same_per_event_at_the_end_as_at_the_start() -> None:
    events = [parse_event(name, data) for name, data in step_events(10_000)]
    state = RunState()
    chunk = len(events) // 10
    times = []
    # The collector's full passes over the growing state land on whichever chunk is unlucky
    # and a shared CI machine adds its own pauses: compare medians with the collector off.
    gc.disable()
    try:
        for start in range(0, len(events), chunk):
            began = time.process_time()
            for event in events[start : start + chunk]:
                state.apply(event)
            times.append(time.process_time() - began)
    finally:
        gc.enable()
    assert len(state.step_ids()) == 10_000
    assert state.step_dict("step_9999")["status"] == "completed"
    first, last = statistics.median(times[:3]), statistics.median(times[-3:])
    assert last < 3 * first + 0.02, times


# --- 100k-character lines -----------------------------------------------------------------

HOSTILE_LINES = {
    "osc-never-ended": "\x1b]" * 50_000,
    "dcs-never-ended": "\x1bP" * 50_000,
    "c1-osc-never-ended": "\x9d" * 100_000,
    "ended-only-at-the-end": "\x1b]" * 50_000 + "\x07",
    "csi-never-ended": "\x1b[" * 50_000,
    "long-osc-body": "\x1b]" + "x" * 100_000 + "\x07",
    "mixed": ("\x1b]8;;http://x\x07link\x1b]8;;\x07 \x1b[31m red \u202e \x9b2J") * 2_000,
    "plain": "a" * 100_000,
}


@pytest.mark.parametrize("text", HOSTILE_LINES.values(), ids=HOSTILE_LINES.keys())
def test_a_100k_character_line_is_cleaned_in_linear_time(text: str) -> None:
    began = time.process_time()
    whole = clean(text)
    # In 1000-character fragments, and (the first 20,000 characters) in 7-character ones.
    for size, part in ((1000, text), (7, text[:20_000])):
        sanitizer = StreamSanitizer()
        pieces = [sanitizer.feed(part[i : i + size]) for i in range(0, len(part), size)]
        assert "".join(pieces) + sanitizer.flush() == (whole if part is text else clean(part))
    assert time.process_time() - began < 5  # was 10-40 s for the unended ones
    assert "\x1b" not in whole and not any("\x80" <= ch <= "\x9f" for ch in whole)


# The escape-sequence rules as one regular expression: the model the linear scanner must
# agree with (it was the implementation, whose cost grew with text x 4096).
_MODEL = re.compile(
    r"""
    \x1b\[ [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]
  | \x1b\] .{0,4096}? (?:\x07|\x1b\\|\x9c)
  | \x1b[PX^_] .{0,4096}? (?:\x1b\\|\x9c)
  | \x1b[\x20-\x2f]* [\x30-\x4f\x51-\x57\x59-\x5a\x5c\x60-\x7e]
  | \x9b [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]
  | [\x90\x98\x9d\x9e\x9f] .{0,4096}? (?:\x07|\x1b\\|\x9c)
    """,
    re.VERBOSE | re.DOTALL,
)


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("ab ;0m!\x1b[]\x07\\PX^_\x9b\x9c\x90\x9d\x9f\n")), max_size=40
    )
)
def test_the_linear_scanner_removes_exactly_what_the_rules_say(text: str) -> None:
    assert _strip_sequences(text) == _MODEL.sub("", text)


def test_bodies_at_the_length_limit_are_treated_as_the_rules_say() -> None:
    for length in (4095, 4096, 4097):
        for intro in ("\x1b]", "\x1bP", "\x9d"):
            for end in ("\x07", "\x1b\\", "\x9c"):
                text = f"a{intro}{'x' * length}{end}b{intro}y{end}c"
                assert _strip_sequences(text) == _MODEL.sub("", text)


@pytest.mark.parametrize("size", [1, 7, 65536])
def test_a_100k_character_data_line_through_the_sse_decoder(size: int) -> None:
    data = "".join(chr(0x41 + i % 26) if i % 1000 else "é" for i in range(100_000))
    raw = f"event: thread.message.delta\ndata: {data}\n\n".encode()
    decoder = SSEDecoder()
    began = time.process_time()
    events: list[Any] = []
    for start in range(0, len(raw), size):
        events += decoder.feed(raw[start : start + size])
    events += decoder.end()
    assert time.process_time() - began < 5
    assert [(e.event, e.data) for e in events] == [("thread.message.delta", data)]


async def test_a_10_mb_question_is_refused_with_one_line_and_nothing_created(
    served: Served,
) -> None:
    """The server takes request bodies up to 8 MiB (the hosted API: 256k characters a
    message): a bigger question is a 413, said in one line, and nothing is half made."""
    async with proxied(served) as proxy:
        sent = await run_send("q" * (10 * MB))
    assert sent.code == 4
    assert sent.err == (
        "threadline: error: 413 Request Entity Too Large: "
        "The request body is too large: the limit is 8 MiB.\n"
    )
    assert len(proxy.posts("/runs")) == 1
    assert [await count_rows(served, t) for t in ("threads", "runs", "messages")] == [0, 0, 0]
