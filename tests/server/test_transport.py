"""The in-process ASGI transport streams, and a closed response reaches the app."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from threadline.api import ASGIStreamingTransport

from .support import parse_sse, wait_status


class Gated:
    """An ASGI app that sends one chunk, then waits for the test before the next."""

    def __init__(self) -> None:
        self.gate = asyncio.Event()
        self.received: list[dict[str, Any]] = []
        self.scope: dict[str, Any] = {}
        self.disconnected = asyncio.Event()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.scope = scope
        while True:
            message = await receive()
            self.received.append(message)
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 201, "headers": [(b"x-a", b"1")]})
        await send({"type": "http.response.body", "body": b"first", "more_body": True})
        waiter = asyncio.ensure_future(self.gate.wait())
        listener = asyncio.ensure_future(receive())
        done, _ = await asyncio.wait({waiter, listener}, return_when=asyncio.FIRST_COMPLETED)
        if listener in done:
            self.received.append(listener.result())
            if listener.result()["type"] == "http.disconnect":
                self.disconnected.set()
            waiter.cancel()
            return
        listener.cancel()
        await send({"type": "http.response.body", "body": b"second", "more_body": False})


async def test_the_first_chunk_arrives_before_the_app_finishes() -> None:
    app = Gated()
    client = httpx.AsyncClient(transport=ASGIStreamingTransport(app), base_url="http://t")
    async with client, client.stream("POST", "/x/y?q=1", content=b"body") as response:
        assert response.status_code == 201
        assert response.headers["x-a"] == "1"
        chunks = response.aiter_bytes()
        assert await chunks.__anext__() == b"first"  # the app is still waiting
        app.gate.set()
        assert [c async for c in chunks] == [b"second"]
    assert app.scope["path"] == "/x/y" and app.scope["query_string"] == b"q=1"
    assert app.scope["method"] == "POST"
    assert b"".join(m.get("body", b"") for m in app.received) == b"body"
    assert not app.disconnected.is_set()


async def test_closing_early_reaches_the_app_as_disconnect() -> None:
    app = Gated()
    client = httpx.AsyncClient(transport=ASGIStreamingTransport(app), base_url="http://t")
    response = await client.send(client.build_request("GET", "/"), stream=True)
    assert await response.aiter_bytes().__anext__() == b"first"
    await response.aclose()  # the app hears it and returns
    await client.aclose()
    assert app.disconnected.is_set()
    assert app.received[-1] == {"type": "http.disconnect"}


async def test_an_app_that_fails_before_responding_raises_in_the_client() -> None:
    async def broken(scope: Any, receive: Any, send: Any) -> None:
        raise RuntimeError("boom")

    async with httpx.AsyncClient(
        transport=ASGIStreamingTransport(broken), base_url="http://t"
    ) as c:
        with pytest.raises(RuntimeError, match="boom"):
            await c.get("/")


async def test_a_live_run_streams_in_process_and_survives_the_client_leaving(
    http: httpx.AsyncClient, assistant_id: str, app: Any
) -> None:
    thread = (
        await http.post(
            "/threads", json={"messages": [{"role": "user", "content": "stream 1000000 tokens"}]}
        )
    ).json()
    url = f"/threads/{thread['id']}/runs"
    runner = app.state.server.runner
    async with http.stream("POST", url, json={"assistant_id": assistant_id, "stream": True}) as s:
        received = b""
        async for chunk in s.aiter_bytes():
            received += chunk
            if b"thread.message.delta" in received:
                break
        events = parse_sse(received.rsplit(b"\n\n", 1)[0] + b"\n\n")
        run_id = events[0][1]["id"]
        assert events[0][0] == "thread.run.created"
        live = (await http.get(f"{url}/{run_id}")).json()
        assert live["status"] == "in_progress"  # the first events came before the end
        assert runner.hub.watched(run_id)
    # The client left: its subscription is gone, the run goes on.
    assert not runner.hub.watched(run_id)
    assert (await http.get(f"{url}/{run_id}")).json()["status"] == "in_progress"
    await http.post(f"{url}/{run_id}/cancel")
    await wait_status(app, run_id, "cancelled")


async def test_an_app_that_fails_mid_response_ends_the_body_with_a_read_error() -> None:
    async def half(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"part", "more_body": True})
        raise RuntimeError("gone")

    client = httpx.AsyncClient(transport=ASGIStreamingTransport(half), base_url="http://t")
    async with client, client.stream("GET", "/") as response:
        assert response.status_code == 200
        received = b""
        with pytest.raises(httpx.ReadError, match="gone"):
            async for chunk in response.aiter_bytes():
                received += chunk
        assert received == b"part"
