"""The SSE decoder against the WHATWG event-stream rules and real recorded streams."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threadline.api import ServerSentEvent, SSEDecoder, SSEError, iter_sse
from threadline.core.replay import parse_stream, replay
from threadline.core.run_state import RunState

from ..conftest import STREAMS


def decode(*chunks: bytes) -> list[ServerSentEvent]:
    return list(iter_sse(chunks))


def test_basic_event_with_name_and_data() -> None:
    assert decode(b"event: thread.created\ndata: {}\n\n") == [
        ServerSentEvent("thread.created", "{}")
    ]


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_every_line_ending(newline: bytes) -> None:
    body = newline.join([b"event: a", b"data: 1", b"", b"event: b", b"data: 2", b"", b""])
    assert decode(body) == [ServerSentEvent("a", "1"), ServerSentEvent("b", "2")]


def test_leading_bom_is_stripped_only_at_the_start() -> None:
    events = decode(b"\xef\xbb\xbfevent: a\ndata: \xef\xbb\xbfx\n\n")
    assert events == [ServerSentEvent("a", "\ufeffx")]


def test_comments_id_and_retry_are_ignored() -> None:
    body = b": keep-alive\nid: 7\nretry: 1000\nevent: a\n: another\ndata: x\n\n"
    assert decode(body) == [ServerSentEvent("a", "x")]


def test_multi_line_data_joins_with_newlines() -> None:
    assert decode(b"data: a\ndata:b\ndata:  c\n\n") == [ServerSentEvent("message", "a\nb\n c")]


def test_field_without_colon_and_empty_data() -> None:
    assert decode(b"data\n\n") == [ServerSentEvent("message", "")]
    assert decode(b"event: only-a-name\n\n") == []


def test_final_event_without_trailing_blank_line() -> None:
    assert decode(b"event: done\ndata: [DONE]") == [ServerSentEvent("done", "[DONE]")]


def test_crlf_split_between_chunks_is_one_line_break() -> None:
    assert decode(b"data: a\r", b"\n\r", b"\ndata: b\r\n\r\n") == [
        ServerSentEvent("message", "a"),
        ServerSentEvent("message", "b"),
    ]


def test_utf8_character_split_between_chunks() -> None:
    body = "data: é→【4:0†】\n\n".encode()
    assert decode(*[body[i : i + 1] for i in range(len(body))]) == [
        ServerSentEvent("message", "é→【4:0†】")
    ]


def test_event_size_is_bounded() -> None:
    decoder = SSEDecoder(max_event_size=1000)
    decoder.feed(b"data: " + b"x" * 600 + b"\n")
    with pytest.raises(SSEError, match="larger than"):
        decoder.feed(b"data: " + b"y" * 600 + b"\n")


def test_a_huge_line_without_newline_is_bounded_too() -> None:
    decoder = SSEDecoder(max_event_size=1000)
    with pytest.raises(SSEError):
        for _ in range(20):
            decoder.feed(b"x" * 100)


def test_decoder_recovers_after_an_event_boundary() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: 1\n") == []
    assert decoder.feed(b"\n") == [ServerSentEvent("message", "1")]
    assert decoder.feed(b"data: 2\n\n") == [ServerSentEvent("message", "2")]


# --- whole recorded streams under any chunking and line ending -----------------------


def _state(data: bytes, chunks: list[int] | None = None) -> dict[str, object]:
    if chunks is None:
        return replay(parse_stream(data)).to_json()
    state = RunState()
    decoder = SSEDecoder()
    pieces, start = [], 0
    for size in chunks:
        pieces.append(data[start : start + size])
        start += size
    pieces.append(data[start:])
    from threadline.api import parse_event

    for piece in pieces:
        for sse in decoder.feed(piece):
            state.apply(parse_event(sse.event, sse.data))
    for sse in decoder.end():
        state.apply(parse_event(sse.event, sse.data))
    return state.to_json()


@pytest.mark.parametrize("path", STREAMS, ids=lambda p: p.stem)
def test_one_byte_chunks_and_other_line_endings_give_identical_state(path) -> None:  # type: ignore[no-untyped-def]
    data = path.read_bytes()
    expected = _state(data)
    assert _state(data, [1] * len(data)) == expected
    assert _state(data.replace(b"\n", b"\r\n")) == expected
    assert _state(data.replace(b"\n", b"\r")) == expected
    assert _state(data.replace(b"\n", b"\r\n"), [1] * (2 * len(data))) == expected


@settings(max_examples=60, deadline=None)
@given(
    stream=st.sampled_from(STREAMS),
    newline=st.sampled_from([b"\n", b"\r\n", b"\r"]),
    cuts=st.lists(st.integers(min_value=1, max_value=700), max_size=60),
)
def test_any_chunk_boundaries_give_identical_state(stream, newline, cuts) -> None:  # type: ignore[no-untyped-def]
    data = stream.read_bytes()
    expected = _state(data)
    assert _state(data.replace(b"\n", newline), cuts) == expected
