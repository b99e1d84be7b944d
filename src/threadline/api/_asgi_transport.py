"""An httpx transport that calls an ASGI app in-process and streams its response.

httpx's own ``ASGITransport`` waits for the whole response body before returning, so a
server-sent event stream arrives all at once at the end. This one hands the response to
the client as soon as the app starts it and feeds the body chunk by chunk as the app sends
it. Closing the response early (``aclose()``, leaving ``client.stream(...)``) reaches the
app as ``http.disconnect``. No socket is opened: nothing else on the machine can connect.

It knows nothing about any particular app; run the app's startup yourself if it needs one.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, MutableMapping
from typing import Any

import httpx

Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [
        MutableMapping[str, Any],
        Callable[[], Awaitable[Message]],
        Callable[[Message], Awaitable[None]],
    ],
    Awaitable[None],
]

_CLOSE_GRACE = 5.0  # seconds an app gets to finish after the client went away


class ASGIStreamingTransport(httpx.AsyncBaseTransport):
    """Send requests to ``app`` in this event loop; responses stream.

    Args:
        app: the ASGI application.
        client: the (host, port) the app sees as the peer.
    """

    def __init__(self, app: ASGIApp, *, client: tuple[str, int] = ("127.0.0.1", 0)) -> None:
        self.app = app
        self.client = client

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        exchange = _Exchange(self.app, request, self.client)
        return await exchange.start()


class _Exchange:
    """One request/response between the client and the app."""

    def __init__(self, app: ASGIApp, request: httpx.Request, client: tuple[str, int]) -> None:
        self.app = app
        self.request = request
        self.client = client
        self.body: AsyncGenerator[bytes, None] | None = self._request_body()
        self.started = asyncio.Event()
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.disconnected = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.error: BaseException | None = None
        self.responded = False  # the app has started its response

    async def _request_body(self) -> AsyncGenerator[bytes, None]:
        stream = self.request.stream
        if isinstance(stream, httpx.AsyncByteStream):
            async for chunk in stream:
                yield chunk
        else:  # a sync stream on an async client: httpx allows bytes content
            for chunk in stream:
                yield chunk

    def _scope(self) -> dict[str, Any]:
        url = self.request.url
        port = url.port or (443 if url.scheme == "https" else 80)
        return {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": self.request.method,
            "scheme": url.scheme,
            "path": url.path,
            "raw_path": url.raw_path.split(b"?", 1)[0],
            "query_string": url.query,
            "root_path": "",
            "headers": [(k.lower(), v) for k, v in self.request.headers.raw],
            "client": self.client,
            "server": (url.host, port),
            "extensions": {},
        }

    async def receive(self) -> Message:
        if self.body is not None:
            try:
                chunk = await self.body.__anext__()
            except StopAsyncIteration:
                self.body = None
                return {"type": "http.request", "body": b"", "more_body": False}
            return {"type": "http.request", "body": chunk, "more_body": True}
        await self.disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.responded = True
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
            self.started.set()
        elif message["type"] == "http.response.body":
            if self.disconnected.is_set():
                raise OSError("the client closed the response")
            body = message.get("body", b"")
            if body:
                self.chunks.put_nowait(bytes(body))
            if not message.get("more_body", False):
                self.chunks.put_nowait(None)

    async def _run_app(self) -> None:
        try:
            await self.app(self._scope(), self.receive, self.send)
        except Exception as exc:  # reported to whoever reads the response
            self.error = exc
        finally:
            self.chunks.put_nowait(None)  # a reader never waits past the app's end
            self.started.set()

    async def start(self) -> httpx.Response:
        self.task = asyncio.create_task(self._run_app())
        await self.started.wait()
        if self.error is not None and not self.responded:
            raise self.error
        return httpx.Response(
            self.status, headers=self.headers, stream=_Body(self), request=self.request
        )

    async def close(self) -> None:
        self.disconnected.set()
        if self.body is not None:
            with contextlib.suppress(RuntimeError):  # the app is reading it right now
                await self.body.aclose()
            self.body = None
        task = self.task
        if task is None or task.done():
            return
        done, _ = await asyncio.wait({task}, timeout=_CLOSE_GRACE)
        if not done:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


class _Body(httpx.AsyncByteStream):
    def __init__(self, exchange: _Exchange) -> None:
        self.exchange = exchange

    async def __aiter__(self) -> AsyncIterator[bytes]:
        exchange = self.exchange
        while True:
            chunk = await exchange.chunks.get()
            if chunk is None:
                break
            yield chunk
        if exchange.error is not None:
            error = exchange.error
            raise httpx.ReadError(f"the app failed mid-response: {error!r}") from error

    async def aclose(self) -> None:
        await self.exchange.close()
