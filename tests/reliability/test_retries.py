"""Retries as ``threadline send`` meets them: the proxy answers some requests itself (429,
503, ``insufficient_quota``) and the real server the rest; or the server is not there yet.

The policy (api/_retry.py): a create is retried only when the server cannot have acted
(429, or a connection never made); reads are retried on 5xx too; ``insufficient_quota``
never; a ``Retry-After`` past two minutes is reported, not waited on. Whatever happens,
the server ends with at most one run and one user message per send.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from threadline.cli.serve import _bind

from .conftest import (
    Served,
    count_rows,
    local_threads,
    proxied,
    run_send,
    serving,
    thread_contents,
    write_config,
)
from .proxy import Canned, Fault, api_error

TEXT = "stream 8 tokens"
CREATE = "/threads/runs"
RATE_LIMITED = api_error("Rate limit reached for requests", type="requests", code="rate_limited")
OVERLOADED = api_error("The engine is currently overloaded", type="server_error")
NO_QUOTA = api_error(
    "You exceeded your current quota, please check your plan and billing details.",
    type="insufficient_quota",
    code="insufficient_quota",
)


async def one_turn(served: Served, out: str) -> None:
    """The server holds one thread with one run and one question and answer."""
    (thread_id,) = await local_threads()
    contents = await thread_contents(served, thread_id)
    assert contents.roles() == ["user", "assistant"]
    assert len(contents.runs) == 1
    assert out == contents.text() + "\n"
    assert await count_rows(served, "runs") == 1


async def nothing_ran(served: Served) -> None:
    assert [await count_rows(served, t) for t in ("threads", "runs", "messages")] == [0, 0, 0]
    assert await local_threads() == []


async def test_a_429_with_retry_after_is_waited_out_then_the_create_is_sent(
    served: Served,
) -> None:
    canned = Canned("POST", CREATE, 429, RATE_LIMITED, {"Retry-After": "1"})
    async with proxied(served, canned=[canned]) as proxy:
        sent = await run_send(TEXT)
    assert sent.code == 0, sent.err
    refused, accepted = proxy.posts(CREATE)
    assert (refused.canned, accepted.canned) == (429, None)
    assert accepted.at - refused.at >= 0.95  # the server's wait, not the 0.5 s backoff
    await one_turn(served, sent.out)


async def test_a_503_on_a_read_is_retried(served: Served) -> None:
    """The assistant lookup (a GET) meets a 503, then the server: one backoff, then on."""
    canned = Canned("GET", "/assistants", 503, OVERLOADED)
    async with proxied(served, canned=[canned]) as proxy:
        sent = await run_send(TEXT)
    assert sent.code == 0, sent.err
    assert [r.canned for r in proxy.requests if "/assistants" in r.path] == [503, None]
    await one_turn(served, sent.out)


async def test_a_503_while_following_a_lost_stream_is_retried(served: Served) -> None:
    fault = Fault("cut", b"event: thread.message.delta")
    canned = Canned("GET", "/runs/run_", 503, OVERLOADED)
    async with proxied(served, fault, [canned]) as proxy:
        sent = await run_send(TEXT)
    assert sent.code == 0, sent.err
    assert proxy.triggered.is_set() and canned.times == 0
    await one_turn(served, sent.out)


async def test_a_503_on_the_create_is_not_retried(served: Served) -> None:
    """The server may have acted before failing: a second create could run it twice."""
    canned = Canned("POST", CREATE, 503, OVERLOADED, times=5)
    async with proxied(served, canned=[canned]) as proxy:
        sent = await run_send(TEXT)
    assert sent.code == 4
    assert sent.err == (
        "threadline: error: 503 Service Unavailable: The engine is currently overloaded\n"
    )
    assert len(proxy.posts(CREATE)) == 1
    await nothing_ran(served)


async def test_insufficient_quota_is_not_retried(served: Served) -> None:
    canned = Canned("POST", CREATE, 429, NO_QUOTA, {"Retry-After": "0"}, times=5)
    async with proxied(served, canned=[canned]) as proxy:
        sent = await run_send(TEXT)
    assert sent.code == 4
    assert sent.err.startswith("threadline: error: 429 Too Many Requests: You exceeded your")
    assert sent.err.count("\n") == 1
    assert len(proxy.posts(CREATE)) == 1
    await nothing_ran(served)


async def test_a_retry_after_over_two_minutes_is_reported_not_waited_on(
    served: Served,
) -> None:
    canned = Canned("POST", CREATE, 429, RATE_LIMITED, {"Retry-After": "600"}, times=5)
    async with proxied(served, canned=[canned]) as proxy:
        started = time.monotonic()
        sent = await run_send(TEXT)
        elapsed = time.monotonic() - started
    assert sent.code == 4
    assert elapsed < 10
    assert "429 Too Many Requests: Rate limit reached for requests (retry after 10 min)" in (
        sent.err
    )
    assert len(proxy.posts(CREATE)) == 1
    await nothing_ran(served)


async def test_server_down_then_up(tmp_path: Path) -> None:
    """Nothing listens yet: one clear line and exit 4. Once the server is up, send works."""
    sock = _bind("127.0.0.1", 0)  # reserved, not listening: connections are refused
    port = sock.getsockname()[1]
    write_config(port, max_retries=0)
    down = await run_send(TEXT)
    assert down.code == 4
    assert down.out == ""
    assert down.err.count("\n") == 1
    assert f"cannot reach the server: could not connect to 127.0.0.1:{port}" in down.err
    async with serving(tmp_path / "server", sock=sock) as served:
        up = await run_send(TEXT)
        assert up.code == 0, up.err
        await one_turn(served, up.out)


@pytest.mark.parametrize("status", [500, 502])
async def test_a_server_error_on_the_create_is_reported_once(served: Served, status: int) -> None:
    canned = Canned("POST", CREATE, status, OVERLOADED, times=5)
    async with proxied(served, canned=[canned]) as proxy:
        sent = await run_send(TEXT)
    assert sent.code == 4
    assert f"error: {status} " in sent.err
    assert len(proxy.posts(CREATE)) == 1
    await nothing_ran(served)
