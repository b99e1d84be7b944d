"""Retries: what is retried, how long it waits, and that no create is ever sent twice."""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from threadline.api import (
    APIError,
    APIStatusError,
    AssistantsClient,
    EventStream,
    InternalServerError,
    RateLimitError,
    StreamInterruptedError,
    parse_retry_after,
)
from threadline.api._retry import backoff_delay

from .client_support import (
    MESSAGE,
    THREAD,
    Server,
    Sleeps,
    error,
    make_client,
    ok,
    run,
    sse,
    sse_response,
)

OUTPUTS = [{"tool_call_id": "call_1", "output": "1"}]


async def _drain(stream: EventStream) -> list[Any]:
    async with stream:
        return [event async for event in stream]


def _open_stream(client: AssistantsClient) -> Awaitable[list[Any]]:
    return _drain(client.stream_run("thread_1", assistant_id="asst_1"))


# Every request that creates something: repeating one after the server acted duplicates it.
CREATES: dict[str, Callable[[AssistantsClient], Awaitable[Any]]] = {
    "create_thread": lambda c: c.create_thread(),
    "create_message": lambda c: c.create_message("thread_1", role="user", content="hi"),
    "create_run": lambda c: c.create_run("thread_1", assistant_id="asst_1"),
    "create_thread_and_run": lambda c: c.create_thread_and_run(assistant_id="asst_1"),
    "submit_tool_outputs": lambda c: c.submit_tool_outputs("thread_1", "run_1", OUTPUTS),
    "create_assistant": lambda c: c.create_assistant(model="m"),
    "stream_run": _open_stream,
    "stream_thread_and_run": lambda c: _drain(c.stream_thread_and_run(assistant_id="a")),
    "stream_submit_tool_outputs": lambda c: _drain(c.stream_submit_tool_outputs("t", "r", OUTPUTS)),
}
FAILURES_AFTER_THE_SERVER_MAY_HAVE_ACTED: dict[str, Callable[[], httpx.Response | Exception]] = {
    "500": lambda: error(500, "boom"),
    "503": lambda: error(503, "overloaded", **{"retry-after": "1"}),
    "408": lambda: error(408, "timeout"),
    "409": lambda: error(409, "conflict"),
    "read-timeout": lambda: httpx.ReadTimeout("read timed out"),
    "dropped": lambda: httpx.RemoteProtocolError("Server disconnected without sending a response"),
    "read-error": lambda: httpx.ReadError("connection reset by peer"),
    "write-error": lambda: httpx.WriteError("broken pipe"),
}


def _created(name: str) -> httpx.Response:
    if name.startswith("stream"):
        return sse_response(_one_done(), **{"x-request-id": "req_ok"})
    body = {"create_thread": THREAD, "create_message": MESSAGE}.get(name, run())
    if name == "create_assistant":
        body = {"id": "asst_1", "object": "assistant", "model": "m"}
    return ok(body)


async def _one_done() -> Any:
    yield sse("thread.run.completed", run("completed"))
    yield b"data: [DONE]\n\n"


@pytest.mark.parametrize("failure", FAILURES_AFTER_THE_SERVER_MAY_HAVE_ACTED)
@pytest.mark.parametrize("create", CREATES)
async def test_a_create_is_never_retried_once_the_server_may_have_acted(
    create: str, failure: str
) -> None:
    server = Server(FAILURES_AFTER_THE_SERVER_MAY_HAVE_ACTED[failure](), _created(create))
    sleeps = Sleeps()
    with pytest.raises(APIError):
        await CREATES[create](make_client(server, sleeps))
    assert len(server.requests) == 1
    assert sleeps.delays == []


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("[Errno 111] Connection refused"),
        httpx.ConnectTimeout("connect timed out"),
        httpx.PoolTimeout("no connection available"),
    ],
    ids=["connect-error", "connect-timeout", "pool-timeout"],
)
@pytest.mark.parametrize("create", CREATES)
async def test_a_create_is_retried_when_the_request_never_left(
    create: str, failure: Exception
) -> None:
    server = Server(failure, _created(create))
    sleeps = Sleeps()
    await CREATES[create](make_client(server, sleeps))
    assert len(server.requests) == 2
    assert len(sleeps.delays) == 1


@pytest.mark.parametrize("create", CREATES)
async def test_a_create_is_retried_after_429(create: str) -> None:
    server = Server(error(429, "slow down", **{"retry-after": "2"}), _created(create))
    sleeps = Sleeps()
    await CREATES[create](make_client(server, sleeps))
    assert len(server.requests) == 2
    assert sleeps.delays == [2.0]


async def test_429_with_retry_after_then_success_reports_the_wait() -> None:
    server = Server(error(429, "Rate limit reached", **{"retry-after": "3"}), ok(MESSAGE))
    sleeps = Sleeps()
    seen: list[tuple[int, float, APIError]] = []
    client = make_client(server, sleeps, on_retry=lambda n, d, e: seen.append((n, d, e)))

    message = await client.create_message("thread_1", role="user", content="hi")

    assert message.id == "msg_1"
    assert len(server.requests) == 2
    assert server.body(0) == server.body(1)
    assert sleeps.delays == [3.0]
    ((attempt, delay, err),) = seen
    assert (attempt, delay) == (1, 3.0)
    assert isinstance(err, RateLimitError) and err.retry_after == 3.0


async def test_retry_after_ms_wins_over_retry_after() -> None:
    server = Server(error(429, "x", **{"retry-after-ms": "250", "retry-after": "9"}), ok(THREAD))
    sleeps = Sleeps()
    await make_client(server, sleeps).get_thread("thread_1")
    assert sleeps.delays == [0.25]


async def test_retry_after_as_an_http_date() -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    server = Server(error(503, "maintenance", **{"retry-after": when}), ok(THREAD))
    sleeps = Sleeps()
    await make_client(server, sleeps).get_thread("thread_1")
    (delay,) = sleeps.delays
    assert 28 < delay <= 30


async def test_500_twice_then_success_on_a_get_backs_off_exponentially() -> None:
    server = Server(error(500, "a"), error(502, "b"), ok(THREAD))
    sleeps = Sleeps()
    thread = await make_client(server, sleeps).get_thread("thread_1")
    assert thread.id == "thread_1"
    assert len(server.requests) == 3
    first, second = sleeps.delays
    assert 0.375 <= first <= 0.5
    assert 0.75 <= second <= 1.0


async def test_retries_stop_at_max_retries_with_the_last_error() -> None:
    server = Server(error(500, "a"), error(500, "b"), error(500, "c"))
    sleeps = Sleeps()
    with pytest.raises(InternalServerError) as caught:
        await make_client(server, sleeps, max_retries=2).get_thread("thread_1")
    assert caught.value.message == "c"
    assert len(server.requests) == 3 and len(sleeps.delays) == 2


async def test_max_retries_zero_sends_once() -> None:
    server = Server(error(503, "down"))
    with pytest.raises(InternalServerError):
        await make_client(server, max_retries=0).get_thread("thread_1")
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    "failure",
    [
        lambda: error(408, "t"),
        lambda: error(409, "c"),
        lambda: httpx.ReadError("reset"),
        lambda: httpx.ReadTimeout("slow"),
    ],
    ids=["408", "409", "read-error", "read-timeout"],
)
@pytest.mark.parametrize(
    ("call", "answer"),
    [
        (lambda c: c.get_thread("thread_1"), THREAD),
        (lambda c: c.modify_thread("thread_1", metadata={"a": "b"}), THREAD),
        (lambda c: c.delete_thread("thread_1"), {"id": "t", "object": "x", "deleted": True}),
        (lambda c: c.cancel_run("thread_1", "run_1"), run("cancelling")),
    ],
    ids=["get", "modify", "delete", "cancel"],
)
async def test_idempotent_requests_retry_everything_retryable(
    failure: Callable[[], Any],
    call: Callable[[AssistantsClient], Awaitable[Any]],
    answer: dict[str, Any],
) -> None:
    server = Server(failure(), ok(answer))
    await call(make_client(server))
    assert len(server.requests) == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413, 422])
async def test_other_4xx_are_not_retried(status: int) -> None:
    server = Server(error(status, "no"))
    sleeps = Sleeps()
    with pytest.raises(APIStatusError):
        await make_client(server, sleeps).get_thread("thread_1")
    assert len(server.requests) == 1 and sleeps.delays == []


@pytest.mark.parametrize("field", ["code", "type"])
async def test_insufficient_quota_is_not_retried(field: str) -> None:
    body = {"error": {"message": "You exceeded your current quota", field: "insufficient_quota"}}
    server = Server(httpx.Response(429, json=body, headers={"retry-after": "1"}))
    sleeps = Sleeps()
    with pytest.raises(RateLimitError) as caught:
        await make_client(server, sleeps).get_thread("thread_1")
    assert len(server.requests) == 1 and sleeps.delays == []
    assert "exceeded your current quota" in str(caught.value)


async def test_a_retry_after_beyond_max_retry_wait_is_raised_not_slept() -> None:
    server = Server(error(429, "Rate limit reached", **{"retry-after": "300"}), ok(THREAD))
    sleeps = Sleeps()
    with pytest.raises(RateLimitError) as caught:
        await make_client(server, sleeps, max_retry_wait=120).get_thread("thread_1")
    assert len(server.requests) == 1 and sleeps.delays == []
    assert caught.value.retry_after == 300
    assert str(caught.value) == "429 Too Many Requests: Rate limit reached (retry after 5 min)"


async def test_cancelling_during_a_retry_wait_stops_at_once() -> None:
    entered = asyncio.Event()

    async def wait_forever(delay: float) -> None:
        entered.set()
        await asyncio.Event().wait()

    server = Server(error(500, "boom"), ok(THREAD))
    client = make_client(server, sleep=wait_forever)
    task = asyncio.create_task(client.get_thread("thread_1"))
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(server.requests) == 1


async def test_a_stream_is_never_retried_once_its_response_started() -> None:
    async def cut() -> Any:
        yield sse("thread.run.created", run())
        raise httpx.ReadError("reset")

    server = Server(sse_response(cut()), sse_response(_one_done()))
    with pytest.raises(StreamInterruptedError):
        await _open_stream(make_client(server))
    assert len(server.requests) == 1


def test_parse_retry_after_forms() -> None:
    now = 1_000_000_000.0
    date = email.utils.formatdate(now + 42, usegmt=True)
    assert parse_retry_after({"retry-after": "7"}) == 7.0
    assert parse_retry_after({"retry-after": "1.5"}) == 1.5
    assert parse_retry_after({"retry-after-ms": "1500"}) == 1.5
    assert parse_retry_after({"retry-after": date}, now=now) == 42.0
    assert parse_retry_after({"retry-after": email.utils.formatdate(now - 5)}, now=now) == 0.0
    assert parse_retry_after({"retry-after-ms": "soon", "retry-after": "2"}) == 2.0
    for bad in ("-1", "inf", "nan", "soon", ""):
        assert parse_retry_after({"retry-after": bad}) is None
    assert parse_retry_after({}) is None


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    assert [backoff_delay(n, lambda: 0.0) for n in range(1, 7)] == [0.5, 1, 2, 4, 8, 8]
    assert backoff_delay(1, lambda: 1.0) == 0.375
    assert backoff_delay(30, lambda: 0.5) == 8 * 0.875
