"""Fuzzing the wire's two parsers: the SSE decoder and parse_event + the reducer.

Whatever bytes a server sends, in whatever chunks: the decoder raises nothing but
``SSEError`` and holds no more than ``max_event_size``; ``parse_event`` and
``RunState.apply`` raise nothing at all, and their memory stays proportional to the input.
The event sequences are the conformance streams mutated: events dropped, duplicated,
reordered, truncated, retyped, blown up (huge strings, deep nesting).
"""

from __future__ import annotations

import itertools
import json
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from threadline.api import SSEDecoder, SSEError, iter_sse, parse_event
from threadline.core.replay import parse_stream
from threadline.core.run_state import RunState

from ..conftest import STREAMS

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- the SSE decoder ----------------------------------------------------------------------

SSE_PIECES = st.sampled_from(
    [b"data:", b"data: ", b"event: ", b"event:x", b":comment", b"id: 7", b"retry: 1", b"\n",
     b"\r", b"\r\n", b"\n\n", b"\xef\xbb\xbf", b"\xe2\x82", b"\xac", b"\xff", b"{\"a\":1}",
     b"[DONE]", b"x" * 40, b"\x00", b"\x1b[31m"]
)  # fmt: skip
SSE_BYTES = st.one_of(st.binary(max_size=600), st.lists(SSE_PIECES, max_size=80).map(b"".join))


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    bounds = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


def decode(data: bytes, cuts: list[int], limit: int) -> list[tuple[str, str]] | None:
    """The events, or None if the decoder refused the stream (SSEError); bounded always."""
    decoder = SSEDecoder(limit)
    events = []
    try:
        for chunk in chunked(data, cuts):
            events += decoder.feed(chunk)
            # What it holds back for the unfinished line and event stays under the bound.
            assert decoder._partial_len + decoder._size <= limit
        events += decoder.end()
    except SSEError:
        return None
    for event in events:
        assert len(event.data) <= limit
    return [(e.event, e.data) for e in events]


@FUZZ
@given(
    data=SSE_BYTES,
    cuts=st.lists(st.integers(min_value=0), max_size=30),
    limit=st.sampled_from([16, 64, 1 << 20]),
)
def test_the_decoder_raises_only_sse_error_and_stays_bounded(
    data: bytes, cuts: list[int], limit: int
) -> None:
    in_chunks = decode(data, cuts, limit)
    whole = decode(data, [], limit)
    if in_chunks is not None and whole is not None:  # where a bound was hit may differ
        assert in_chunks == whole


def test_the_decoder_on_a_huge_line_without_an_end_raises_at_the_bound() -> None:
    decoder = SSEDecoder(1 << 20)
    fed = 0
    try:
        while fed < 4 << 20:
            decoder.feed(b"data: " + b"y" * 65536)
            fed += 65542
    except SSEError:
        pass
    assert fed <= (1 << 20) + 65542


# --- parse_event and the reducer ----------------------------------------------------------

EVENT_NAMES = sorted(
    {event.event for path in STREAMS for event in parse_stream(path.read_bytes())}
    | {"error", "done", "thread.run.step.delta", "thread.message.delta", "thread.created"}
)
KEYS = st.sampled_from(
    [
        "id",
        "object",
        "status",
        "delta",
        "content",
        "index",
        "type",
        "text",
        "value",
        "step_details",
        "tool_calls",
        "function",
        "arguments",
        "run_id",
        "thread_id",
        "role",
        "annotations",
        "x",
    ]
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=5),
    max_leaves=20,
)


def apply_all(events: list[tuple[str, str]]) -> RunState:
    state = RunState()
    for name, data in events:
        state.apply(parse_event(name, data))
    state.to_json()  # and every snapshot can be read back
    for message_id in state.message_ids():
        state.message_text(message_id)
    return state


@FUZZ
@given(
    events=st.lists(
        st.tuples(
            st.one_of(st.sampled_from(EVENT_NAMES), st.text(max_size=12)),
            st.one_of(JSON.map(json.dumps), st.text(max_size=40)),
        ),
        max_size=12,
    )
)
def test_random_events_never_raise(events: list[tuple[str, str]]) -> None:
    apply_all(events)


def _conformance() -> list[list[tuple[str, Any]]]:
    streams = []
    for path in STREAMS:
        streams.append(
            [
                (e.event, json.loads(e.data))
                for e in iter_sse([path.read_bytes()])
                if e.data != "[DONE]"
            ]
        )
    return streams


CONFORMANCE = _conformance()


def _retype(value: Any, seed: int) -> Any:
    """Swap one value somewhere in the object for one of another type."""
    replacements: list[Any] = [None, 7, -1, 2.5, True, "s", [], {}, [1, "a"], {"k": None}]
    if isinstance(value, dict) and value:
        key = sorted(value)[seed % len(value)]
        value = dict(value)
        value[key] = (
            _retype(value[key], seed // 3) if seed % 2 else replacements[seed % len(replacements)]
        )
        return value
    if isinstance(value, list) and value:
        value = list(value)
        value[seed % len(value)] = _retype(value[seed % len(value)], seed // 3)
        return value
    return replacements[seed % len(replacements)]


MUTATIONS: dict[str, Callable[[list[tuple[str, str]], int], list[tuple[str, str]]]] = {
    "drop": lambda ev, i: ev[:i] + ev[i + 1 :],
    "duplicate": lambda ev, i: ev[: i + 1] + ev[i:],
    "swap": lambda ev, i: ev[:i] + ev[i + 1 : i + 2] + ev[i : i + 1] + ev[i + 2 :],
    "truncate": lambda ev, i: [*ev[:i], (ev[i][0], ev[i][1][: len(ev[i][1]) // 2]), *ev[i + 1 :]],
    "retype": lambda ev, i: [
        *ev[:i], (ev[i][0], json.dumps(_retype(json.loads(ev[i][1]), i * 7 + 3))), *ev[i + 1 :]
    ],
    "rename": lambda ev, i: [*ev[:i], (EVENT_NAMES[i % len(EVENT_NAMES)], ev[i][1]), *ev[i + 1 :]],
    "huge-string": lambda ev, i: [
        *ev[:i], (ev[i][0], json.dumps(_retype_strings(json.loads(ev[i][1]), "z" * 200_000))),
        *ev[i + 1 :],
    ],
    "deep-nesting": lambda ev, i: [*ev[:i], (ev[i][0], _nest(json.loads(ev[i][1]), i)), *ev[i + 1 :]],
}  # fmt: skip
DEEP = "__deep__"


def _retype_strings(value: Any, huge: str) -> Any:
    if isinstance(value, dict):
        return {k: huge if k in ("value", "arguments", "text") else _retype_strings(v, huge)
                for k, v in value.items()}  # fmt: skip
    if isinstance(value, list):
        return [_retype_strings(v, huge) for v in value]
    return value


def _nest(value: Any, seed: int) -> str:
    """The event's JSON with a deeply nested value in a delta (where extra fields are
    allowed) or in its metadata; written as text, since json.dumps cannot go that deep."""
    depth = (200, 480, 700, 950, 5000)[seed % 5]
    if isinstance(value, dict) and isinstance(value.get("delta"), dict):
        delta = value["delta"]
        details = delta.get("step_details")
        if isinstance(details, dict) and details.get("tool_calls"):
            details["tool_calls"][0]["function"] = {"name": DEEP}
        else:
            delta["extra"] = DEEP
    elif isinstance(value, dict):
        value["metadata"] = DEEP
    return json.dumps(value).replace(json.dumps(DEEP), "[" * depth + "]" * depth, 1)


def _guarded(
    mutate: Callable[[list[tuple[str, str]], int], list[tuple[str, str]]],
) -> Callable[[list[tuple[str, str]], int], list[tuple[str, str]]]:
    """A mutation that reads the event's JSON skips events an earlier one broke."""

    def apply(events: list[tuple[str, str]], index: int) -> list[tuple[str, str]]:
        try:
            json.loads(events[index][1])
        except (ValueError, RecursionError):
            return events
        return mutate(events, index)

    return apply


for _name in ("retype", "huge-string", "deep-nesting"):
    MUTATIONS[_name] = _guarded(MUTATIONS[_name])


def _encoded(stream: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    return [(name, json.dumps(data)) for name, data in stream]


@FUZZ
@given(
    stream=st.sampled_from(range(len(CONFORMANCE))),
    mutations=st.lists(
        st.tuples(st.sampled_from(sorted(MUTATIONS)), st.integers(min_value=0)), max_size=6
    ),
)
def test_mutated_conformance_streams_never_raise(
    stream: int, mutations: list[tuple[str, int]]
) -> None:
    events = _encoded(CONFORMANCE[stream])
    for name, seed in mutations:
        if events:
            events = MUTATIONS[name](events, seed % len(events))
    apply_all(events)


def test_every_mutation_of_every_event_never_raises() -> None:
    """Each mutation once at every position of one stream: no case left to chance."""
    events = _encoded(CONFORMANCE[0])
    for name, mutate in MUTATIONS.items():
        if name == "huge-string":
            continue  # covered by the bounded-memory test below
        for index in range(len(events)):
            apply_all(mutate(events, index))


def test_deeply_nested_deltas_are_refused_not_raised() -> None:
    for depth in (100, 480, 950, 5000, 100_000):
        state = apply_all([("thread.run.step.delta", _deep_json(depth))])
        assert len(state.errors) <= 1


def _deep_json(depth: int) -> str:
    """A step delta nesting ``depth`` lists (json.dumps itself cannot go that deep)."""
    inner = "[" * depth + "]" * depth
    return (
        '{"id":"step_1","object":"thread.run.step.delta","delta":{"step_details":'
        '{"type":"tool_calls","tool_calls":[{"index":0,"type":"function","function":'
        f'{{"x":{inner}}}}}]}}}}}}'
    )


def test_memory_stays_proportional_to_the_input() -> None:
    """Every conformance stream, each event duplicated, plus 2 MB of huge strings: the
    reducer's peak stays within a small multiple of the bytes it was fed."""
    events: list[tuple[str, str]] = []
    for stream in CONFORMANCE:
        encoded = _encoded(stream)
        events += MUTATIONS["duplicate"](encoded, len(encoded) // 2)
        for index, (name, _) in enumerate(encoded):
            if name == "thread.message.delta":
                events.append(MUTATIONS["huge-string"](encoded, index)[index])
    fed = sum(len(name) + len(data) for name, data in events)
    tracemalloc.start()
    try:
        apply_all(events)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert fed > 1_000_000
    assert peak < 8 * fed


def test_sse_file_of_the_conformance_streams_round_trips(tmp_path: Path) -> None:
    """The fuzzed helpers themselves: an unmutated stream applies without errors."""
    state = apply_all(_encoded(CONFORMANCE[0]))
    assert state.errors == [] and state.run_ids()
