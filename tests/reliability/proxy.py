"""A fault-injecting TCP proxy for loopback tests: client <-> proxy <-> server.

Requests pass through untouched (and are logged, so a test can assert that a create was
never sent twice). The response to the Nth streamed request (``Accept: text/event-stream``)
gets the fault, at a byte offset of its body, just before a marker's first occurrence in
the body, or before its status line:

* ``cut``: forward up to the point, then close the client's connection cleanly (FIN);
* ``reset``: forward up to the point, then reset it (RST, via ``SO_LINGER`` 0);
* ``stall``: forward up to the point, then forward nothing more and stop reading from the
  server, until the client gives up and closes (or ``stall_for`` seconds pass);
* ``drip``: from the point on, forward one byte per write (``drip_bytes`` of them, or all).

Every other response passes through untouched, so the client's recovery reads work.

A :class:`Canned` answer replaces the server's for matching requests (the request is not
forwarded): a 429 with ``Retry-After``, a 503, an ``insufficient_quota`` error.

:meth:`FaultProxy.go_down` makes the server look gone (every connection reset) until
:meth:`FaultProxy.come_back`, without stopping it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import struct
import time
from dataclasses import dataclass, field
from typing import Any, Literal

FaultKind = Literal["cut", "reset", "stall", "drip"]
HEAD_END = b"\r\n\r\n"


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    at: int | bytes | None = 0
    """Offset into the body, bytes to stop just before, or None: before the status line."""
    stream: int = 1
    """Which streamed response gets the fault, counting from 1."""
    drip_bytes: int | None = None
    stall_for: float | None = None
    refuse_after: int = 0
    """After the fault, reset this many new connections at once: the server is gone."""


@dataclass
class Canned:
    """An answer the proxy gives instead of the server, ``times`` times."""

    method: str
    path: str  # a part of the request's path
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1

    def response(self) -> bytes:
        body = json.dumps(self.body).encode() if self.body is not None else b""
        head = [f"HTTP/1.1 {self.status} Canned", "content-type: application/json"]
        head += [f"{name}: {value}" for name, value in self.headers.items()]
        head.append(f"content-length: {len(body)}")
        return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def api_error(message: str, *, type: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type, "param": None, "code": code}}


@dataclass
class Request:
    method: str
    path: str
    streamed: bool
    at: float = field(default_factory=time.monotonic)
    canned: int | None = None  # the status the proxy answered with, if it did


@dataclass
class _Conn:
    target: bool = False  # the next response on this connection gets the fault
    requests: list[Request] = field(default_factory=list)


class FaultProxy:
    """``async with FaultProxy(port, fault) as proxy``: ``proxy.port`` is where to connect."""

    def __init__(
        self, upstream_port: int, fault: Fault | None = None, canned: list[Canned] | None = None
    ) -> None:
        self.upstream_port = upstream_port
        self.fault = fault
        self.canned = list(canned or [])
        self.requests: list[Request] = []
        self.triggered = asyncio.Event()
        self.body_forwarded = 0  # bytes of the faulted body that reached the client
        self._streams = 0
        self.refused = 0  # connections reset after the fault (refuse_after)
        self._open = 0
        self.all_closed = asyncio.Event()
        """Set while no client connection is open (after at least one was)."""
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0
        self.down = False  # go_down(): every connection is reset
        self._clients: set[asyncio.StreamWriter] = set()

    async def __aenter__(self) -> FaultProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    def go_down(self) -> None:
        """Reset every open connection, and each new one until :meth:`come_back`."""
        self.down = True
        for writer in list(self._clients):
            _abort(writer)

    def come_back(self) -> None:
        self.down = False

    def posts(self, path_end: str = "") -> list[Request]:
        return [r for r in self.requests if r.method == "POST" and r.path.endswith(path_end)]

    # --- plumbing ---------------------------------------------------------------------

    async def _accept(self, creader: asyncio.StreamReader, cwriter: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            await self._serve(creader, cwriter)
        except asyncio.CancelledError:
            pass  # the proxy is closing; asyncio would log a cancelled handler
        finally:
            self._tasks.discard(task)

    async def _serve(self, creader: asyncio.StreamReader, cwriter: asyncio.StreamWriter) -> None:
        if self.down:
            _abort(cwriter)
            return
        if self.triggered.is_set() and self.refused < (
            self.fault.refuse_after if self.fault else 0
        ):
            self.refused += 1
            _abort(cwriter)
            return
        try:
            sreader, swriter = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            _abort(cwriter)  # the server is down: the client sees a reset, as without us
            return
        conn = _Conn()
        self._open += 1
        self._clients.add(cwriter)
        self.all_closed.clear()
        up = asyncio.ensure_future(self._up(conn, creader, swriter, cwriter))
        down = asyncio.ensure_future(self._down(conn, sreader, cwriter))
        try:
            await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (up, down):
                task.cancel()
            await asyncio.gather(up, down, return_exceptions=True)
            for writer in (cwriter, swriter):
                _close(writer)
            self._clients.discard(cwriter)
            self._open -= 1
            if not self._open:
                self.all_closed.set()

    async def _up(
        self,
        conn: _Conn,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        client: asyncio.StreamWriter,
    ) -> None:
        """Client to server, untouched unless canned; request heads are parsed to log, to
        target the fault and to answer canned requests."""
        buffer = bytearray()
        body_left = 0
        answer: Canned | None = None  # the request being read gets this answer
        while data := await reader.read(65536):
            buffer += data
            while buffer:
                if body_left:
                    piece = bytes(buffer[:body_left])
                    del buffer[: len(piece)]
                    body_left -= len(piece)
                    if answer is None:
                        writer.write(piece)
                elif (end := buffer.find(HEAD_END)) >= 0:
                    head = bytes(buffer[: end + len(HEAD_END)])
                    del buffer[: len(head)]
                    body_left, answer = self._request(conn, head.decode("latin-1"))
                    if answer is None:
                        writer.write(head)
                else:
                    break
                if answer is not None and not body_left:
                    client.write(answer.response())
                    answer = None
            await writer.drain()
            await client.drain()

    def _request(self, conn: _Conn, head: str) -> tuple[int, Canned | None]:
        lines = head.split("\r\n")
        method, path, _ = [*lines[0].split(" "), "", ""][:3]
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        streamed = "text/event-stream" in headers.get("accept", "")
        request = Request(method, path, streamed)
        self.requests.append(request)
        conn.requests.append(request)
        length = int(headers.get("content-length", "0") or 0)
        for canned in self.canned:
            if canned.times and canned.method == method and canned.path in path:
                canned.times -= 1
                request.canned = canned.status
                return length, canned
        if streamed:
            self._streams += 1
            if self.fault is not None and self._streams == self.fault.stream:
                conn.target = True
        return length, None

    async def _down(
        self, conn: _Conn, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """Server to client; the targeted response gets the fault."""
        while data := await reader.read(65536):
            # Requests are not pipelined: the request was logged before its answer came.
            if conn.target:
                await self._faulted(reader, writer, data)
                return
            writer.write(data)
            await writer.drain()

    async def _faulted(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, first: bytes
    ) -> None:
        fault = self.fault
        assert fault is not None
        if fault.at is None:
            await self._apply(fault, reader, writer, first)
            return
        head = bytearray(first)
        while (end := head.find(HEAD_END)) < 0:
            data = await reader.read(65536)
            if not data:
                writer.write(bytes(head))
                return
            head += data
        body = bytearray(head[end + len(HEAD_END) :])
        writer.write(bytes(head[: end + len(HEAD_END)]))
        sent = 0  # bytes of ``body`` forwarded
        while True:
            point = self._point(fault, body)
            if point is not None and point <= len(body):
                writer.write(bytes(body[sent:point]))
                self.body_forwarded = point
                await writer.drain()
                await self._apply(fault, reader, writer, bytes(body[point:]))
                return
            # Hold back what could be the start of the marker.
            keep = len(fault.at) - 1 if isinstance(fault.at, bytes) else 0
            upto = max(sent, len(body) - keep) if point is None else len(body)
            writer.write(bytes(body[sent:upto]))
            sent = upto
            self.body_forwarded = sent
            await writer.drain()
            data = await reader.read(65536)
            if not data:  # the response ended before the fault point
                writer.write(bytes(body[sent:]))
                return
            body += data

    @staticmethod
    def _point(fault: Fault, body: bytearray) -> int | None:
        if isinstance(fault.at, bytes):
            found = body.find(fault.at)
            return found if found >= 0 else None
        return fault.at

    async def _apply(
        self,
        fault: Fault,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        rest: bytes,
    ) -> None:
        self.triggered.set()
        if fault.kind == "cut":
            _close(writer)
        elif fault.kind == "reset":
            _abort(writer)
        elif fault.kind == "stall":
            if fault.stall_for is None:
                await asyncio.Event().wait()  # until the client closes (or the proxy does)
            else:
                await asyncio.sleep(fault.stall_for)
            writer.write(rest)
            await _pipe(reader, writer)
        else:
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            left = fault.drip_bytes
            pending = bytearray(rest)
            while left is None or left > 0:
                if not pending:
                    data = await reader.read(65536)
                    if not data:
                        return
                    pending += data
                writer.write(bytes(pending[:1]))
                del pending[:1]
                self.body_forwarded += 1
                await writer.drain()
                await asyncio.sleep(0)
                if left is not None:
                    left -= 1
            writer.write(bytes(pending))
            await _pipe(reader, writer)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while data := await reader.read(65536):
        writer.write(data)
        await writer.drain()


def _close(writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, RuntimeError):
        writer.close()


def _abort(writer: asyncio.StreamWriter) -> None:
    """Close with a reset: SO_LINGER on, zero seconds, then close."""
    sock = writer.get_extra_info("socket")
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
