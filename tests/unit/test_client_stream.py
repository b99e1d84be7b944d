"""Streamed runs: typed events, the end of a stream, cuts, error bodies, closing early."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.conftest import STREAMS
from threadline.api import (
    AnyEvent,
    AuthenticationError,
    BadRequestError,
    DoneEvent,
    ErrorEvent,
    EventStream,
    InternalServerError,
    MessageDeltaEvent,
    RunEvent,
    StreamInterruptedError,
    StreamProtocolError,
    ThreadEvent,
    iter_sse,
    parse_event,
)

from .client_support import (
    THREAD,
    Server,
    chunked,
    make_client,
    run,
    sse,
    sse_response,
)

DONE = b"event: done\ndata: [DONE]\n\n"
DELTA = {
    "id": "msg_1",
    "object": "thread.message.delta",
    "delta": {"content": [{"index": 0, "type": "text", "text": {"value": "Hel"}}]},
}
STARTED = sse("thread.run.created", run("queued")) + sse(
    "thread.run.in_progress", run("in_progress")
)


def _shape(event: AnyEvent) -> tuple[str, str, Any]:
    return (type(event).__name__, event.event, event.data_dict())


async def _collect(stream: EventStream) -> list[AnyEvent]:
    async with stream:
        return [event async for event in stream]


@pytest.mark.parametrize("data", [p.read_bytes() for p in STREAMS], ids=[p.stem for p in STREAMS])
async def test_recorded_streams_pass_through_intact(data: bytes) -> None:
    expected = [_shape(parse_event(e.event, e.data)) for e in iter_sse([data])]
    server = Server(sse_response(chunked(data, 7), **{"openai-poll-after-ms": "500"}))

    async with make_client(server).stream_run("thread_1", assistant_id="asst_1") as stream:
        got = [_shape(event) async for event in stream]
        assert stream.response_headers["openai-poll-after-ms"] == "500"

    assert got == expected
    assert got[-1][0] == "DoneEvent"
    assert not any(name in {"InvalidEvent", "UnknownEvent"} for name, _, _ in got)
    assert stream.run_status in {"completed", "requires_action"}


async def test_stream_requests_have_the_right_path_body_and_accept_header() -> None:
    outputs = [{"tool_call_id": "call_1", "output": "42"}]
    server = Server(*(sse_response(chunked(DONE)) for _ in range(3)))
    client = make_client(server)
    await _collect(client.stream_run("thread_1", assistant_id="asst_1", include=["x"]))
    await _collect(client.stream_thread_and_run(assistant_id="asst_1", thread={"messages": []}))
    await _collect(client.stream_submit_tool_outputs("thread_1", "run_1", outputs))

    paths = [(r.method, r.url.path) for r in server.requests]
    assert paths == [
        ("POST", "/v1/threads/thread_1/runs"),
        ("POST", "/v1/threads/runs"),
        ("POST", "/v1/threads/thread_1/runs/run_1/submit_tool_outputs"),
    ]
    assert server.body(0) == {"assistant_id": "asst_1", "stream": True}
    assert server.requests[0].url.params.get_list("include[]") == ["x"]
    assert server.body(1) == {"assistant_id": "asst_1", "thread": {"messages": []}, "stream": True}
    assert server.body(2) == {"tool_outputs": outputs, "stream": True}
    for request in server.requests:
        assert request.headers["accept"] == "text/event-stream"
        assert request.headers["openai-beta"] == "assistants=v2"


@pytest.mark.parametrize("cut", ["read-error", "clean-end"])
async def test_a_stream_cut_mid_run_raises_with_the_events_so_far(cut: str) -> None:
    # The last event is cut in the middle of its data line: it never counts.
    partial = sse("thread.message.delta", DELTA)[:-25]
    body = STARTED + sse("thread.message.delta", DELTA) + partial
    failure = httpx.ReadError("Connection reset by peer") if cut == "read-error" else None
    server = Server(sse_response(chunked(body, 11, then=failure)))

    yielded: list[AnyEvent] = []
    with pytest.raises(StreamInterruptedError) as caught:
        async with make_client(server).stream_run("thread_1", assistant_id="asst_1") as stream:
            async for event in stream:
                yielded.append(event)

    err = caught.value
    assert [e.event for e in err.events] == [
        "thread.run.created",
        "thread.run.in_progress",
        "thread.message.delta",
    ]
    assert err.events == yielded  # every event was delivered before the error
    assert isinstance(err.events[2], MessageDeltaEvent)
    assert (err.run_id, err.run_status, err.thread_id) == ("run_1", "in_progress", "thread_1")
    reason = "connection lost (Connection reset by peer)" if failure else "server closed"
    assert reason in str(err)
    assert "3 events received; last run run_1 was in_progress" in str(err)
    assert len(server.requests) == 1


async def test_a_last_done_without_its_blank_line_still_ends_the_stream() -> None:
    server = Server(sse_response(chunked(STARTED + b"data: [DONE]")))
    events = await _collect(make_client(server).stream_run("thread_1", assistant_id="a"))
    assert isinstance(events[-1], DoneEvent)


async def test_an_empty_stream_is_interrupted_with_no_events() -> None:
    server = Server(sse_response(chunked(b"")))
    with pytest.raises(StreamInterruptedError) as caught:
        await _collect(make_client(server).stream_thread_and_run(assistant_id="a"))
    assert caught.value.events == [] and caught.value.run_id is None


@pytest.mark.parametrize("status", ["requires_action", "completed", "failed", "expired"])
async def test_a_stream_may_end_without_done_once_the_run_is_at_rest(status: str) -> None:
    body = sse("thread.created", THREAD) + STARTED + sse(f"thread.run.{status}", run(status))
    server = Server(sse_response(chunked(body, then=httpx.ReadError("closed"))))
    events = await _collect(make_client(server).stream_thread_and_run(assistant_id="a"))
    assert isinstance(events[0], ThreadEvent)
    assert isinstance(events[-1], RunEvent) and events[-1].data.status == status


async def test_an_error_event_is_yielded_typed() -> None:
    error = {"message": "The server had an error", "type": "server_error", "code": "boom"}
    body = STARTED + sse("error", error) + DONE
    server = Server(sse_response(chunked(body)))
    events = await _collect(make_client(server).stream_run("thread_1", assistant_id="a"))
    assert isinstance(events[2], ErrorEvent)
    assert events[2].data.message == "The server had an error"
    assert events[2].data.code == "boom"
    assert isinstance(events[-1], DoneEvent)


async def test_the_stream_stops_after_done_and_closes_the_response() -> None:
    closed: list[bool] = []

    class Body(httpx.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            yield STARTED + DONE + sse("thread.run.in_progress", run("in_progress"))
            raise AssertionError("read past [DONE]")

        async def aclose(self) -> None:
            closed.append(True)

    server = Server(httpx.Response(200, stream=Body()))
    stream = make_client(server).stream_run("thread_1", assistant_id="a")
    events = [event async for event in stream]  # iterating opens it, without async with
    assert [e.event for e in events] == ["thread.run.created", "thread.run.in_progress", "done"]
    assert closed


async def test_breaking_out_early_closes_the_response() -> None:
    closed: list[bool] = []

    class Endless(httpx.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            yield STARTED
            while True:
                yield sse("thread.message.delta", DELTA)

        async def aclose(self) -> None:
            closed.append(True)

    server = Server(httpx.Response(200, stream=Endless()), httpx.Response(200, stream=Endless()))
    client = make_client(server)
    async with client.stream_run("thread_1", assistant_id="a") as stream:
        async for event in stream:
            if isinstance(event, MessageDeltaEvent):
                break
    assert closed == [True]

    other = client.stream_run("thread_1", assistant_id="a")
    await anext(other)
    await other.aclose()
    await other.aclose()
    assert closed == [True, True]
    assert [e async for e in other] == []


@pytest.mark.parametrize(
    ("response", "cls", "message"),
    [
        (
            httpx.Response(
                502,
                text="<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
                headers={"content-type": "text/html"},
            ),
            InternalServerError,
            "502 Bad Gateway: nginx",
        ),
        (
            httpx.Response(401, text="Unauthorized: token expired\n"),
            AuthenticationError,
            "401 Unauthorized: Unauthorized: token expired",
        ),
        (
            httpx.Response(
                400,
                json={"error": {"message": "Thread thread_1 already has an active run."}},
                headers={"x-request-id": "req_9"},
            ),
            BadRequestError,
            "400 Bad Request: Thread thread_1 already has an active run. (request req_9)",
        ),
    ],
    ids=["html", "text", "json"],
)
async def test_an_error_status_on_a_stream_request_raises_before_any_event(
    response: httpx.Response, cls: type[Exception], message: str
) -> None:
    server = Server(response)
    stream = make_client(server).stream_run("thread_1", assistant_id="a")
    with pytest.raises(cls) as caught:
        async with stream:
            raise AssertionError("entered a failed stream")
    assert str(caught.value) == message
    assert stream.events == []


async def test_a_stream_whose_request_failed_is_never_sent_again() -> None:
    server = Server(httpx.Response(500, text="boom"), sse_response(chunked(STARTED + DONE)))
    stream = make_client(server).stream_run("thread_1", assistant_id="a")
    with pytest.raises(InternalServerError):
        await stream.open()
    assert [event async for event in stream] == []
    await stream.open()
    assert len(server.requests) == 1


async def test_an_over_sized_event_is_a_protocol_error_with_the_events_before_it() -> None:
    body = STARTED + b"event: thread.message.delta\ndata: " + b"x" * 500 + b"\n\n" + DONE

    async def open_response() -> httpx.Response:
        return httpx.Response(200, content=chunked(body, 64))

    with pytest.raises(StreamProtocolError) as caught:
        await _collect(EventStream(open_response, max_event_size=200))
    assert "larger than" in str(caught.value)
    assert [e.event for e in caught.value.events] == [
        "thread.run.created",
        "thread.run.in_progress",
    ]


async def test_invalid_event_data_is_kept_and_the_stream_goes_on() -> None:
    body = STARTED + b"event: thread.run.step.delta\ndata: {not json\n\n" + DONE
    server = Server(sse_response(chunked(body)))
    events = await _collect(make_client(server).stream_run("thread_1", assistant_id="a"))
    assert [type(e).__name__ for e in events] == [
        "RunEvent",
        "RunEvent",
        "InvalidEvent",
        "DoneEvent",
    ]
    assert json.loads(server.requests[0].content)["stream"] is True
