"""A scriptable fake Chat Completions server on loopback, for the chat engine's tests.

It is a real HTTP server (uvicorn on a port the OS picks, in a thread of its own), so the
engine's httpx client streams, times out, loses connections and gets cancelled exactly as
it would against Ollama or OpenAI. Each test queues one reply per expected request with
:meth:`FakeChat.reply`, then checks what the fake received.

    with running_fake_chat() as fake:
        fake.reply(stream(*text_chunks("Hel", "lo"), usage_chunk(10, 2)))
        ... run the engine against fake.base_url ...
        assert fake.received[0].body["messages"][0]["role"] == "system"
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
Reply = Callable[["FakeChat", Receive, Send], Awaitable[None]]


@dataclass
class Received:
    """One request the fake got: path, headers (lower-case names) and JSON body."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class FakeChat:
    """The ASGI app: records each request, answers with the next scripted reply."""

    def __init__(self) -> None:
        self.base_url = ""
        self.received: list[Received] = []
        self.holding = threading.Event()
        """Set when a reply starts holding its connection open (``hold``, ``hang``)."""
        self.disconnected = threading.Event()
        """Set when a client went away while a reply was holding the connection open."""
        self._replies: deque[Reply] = deque()

    def reply(self, *replies: Reply) -> None:
        self._replies.extend(replies)

    def reset(self) -> None:
        self.received.clear()
        self._replies.clear()
        self.holding.clear()
        self.disconnected.clear()

    async def __call__(self, scope: dict[str, Any], receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        raw = b""
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        self.received.append(Received(scope["path"], headers, json.loads(raw or b"{}")))
        if scope["method"] != "POST" or not scope["path"].endswith("/chat/completions"):
            await error(404, {"error": {"message": f"no route {scope['path']}"}})(
                self, receive, send
            )
            return
        script = self._replies.popleft() if self._replies else error(500, "fake: no reply scripted")
        await script(self, receive, send)

    async def wait_disconnect(self, receive: Receive) -> None:
        self.holding.set()
        while (await receive())["type"] != "http.disconnect":
            pass
        self.disconnected.set()


# --- replies ---------------------------------------------------------------------------


async def _start(send: Send, status: int, content_type: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", content_type.encode())],
        }
    )


def stream(
    *chunks: dict[str, Any],
    done: bool = True,
    then: str = "end",
    content_type: str = "text/event-stream",
) -> Reply:
    """An SSE answer: each chunk as ``data: {...}``, then ``data: [DONE]`` (if ``done``).

    ``then``: ``end`` finishes the response; ``drop`` cuts the connection after the chunks
    (no [DONE], no end of body); ``hold`` keeps it open until the client goes away.
    """

    async def reply(fake: FakeChat, receive: Receive, send: Send) -> None:
        await _start(send, 200, content_type)
        for chunk in chunks:
            data = f"data: {json.dumps(chunk)}\n\n".encode()
            await send({"type": "http.response.body", "body": data, "more_body": True})
        if then == "drop":
            return  # uvicorn closes the connection mid-body: "incomplete chunked read"
        if then == "hold":
            await fake.wait_disconnect(receive)
            return
        tail = b"data: [DONE]\n\n" if done else b""
        await send({"type": "http.response.body", "body": tail, "more_body": False})

    return reply


def json_reply(obj: Any, status: int = 200, content_type: str = "application/json") -> Reply:
    """One JSON body: a non-streamed completion, or an error."""

    async def reply(fake: FakeChat, receive: Receive, send: Send) -> None:
        await _start(send, status, content_type)
        body = obj.encode() if isinstance(obj, str) else json.dumps(obj).encode()
        await send({"type": "http.response.body", "body": body, "more_body": False})

    return reply


def error(status: int, body: Any) -> Reply:
    return json_reply(body, status)


def hang() -> Reply:
    """Answer nothing at all until the client gives up."""

    async def reply(fake: FakeChat, receive: Receive, send: Send) -> None:
        await fake.wait_disconnect(receive)

    return reply


# --- chunks ----------------------------------------------------------------------------


def chunk(
    content: str | None = None,
    *,
    tool_calls: list[dict[str, Any]] | None = None,
    finish: str | None = None,
    role: str | None = None,
) -> dict[str, Any]:
    delta: dict[str, Any] = {}
    if role is not None:
        delta["role"] = role
    if content is not None:
        delta["content"] = content
    if tool_calls is not None:
        delta["tool_calls"] = tool_calls
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "fake-model",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def text_chunks(*pieces: str, finish: str = "stop") -> list[dict[str, Any]]:
    """A role chunk, one chunk per piece, and a finish chunk, as OpenAI streams them."""
    return [
        chunk("", role="assistant"),
        *(chunk(piece) for piece in pieces),
        chunk(finish=finish),
    ]


def usage_chunk(prompt: int, completion: int) -> dict[str, Any]:
    """The last chunk ``stream_options.include_usage`` asks for: no choices, the usage."""
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "choices": [],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        },
    }


def call_start(index: int, call_id: str, name: str) -> dict[str, Any]:
    return {
        "index": index,
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": ""},
    }


def call_args(index: int, fragment: str) -> dict[str, Any]:
    return {"index": index, "function": {"arguments": fragment}}


def completion(
    content: str | None,
    *,
    tool_calls: list[dict[str, Any]] | None = None,
    finish: str = "stop",
    usage: tuple[int, int] | None = None,
) -> dict[str, Any]:
    """A non-streamed ``chat.completion`` body."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    body: dict[str, Any] = {
        "id": "chatcmpl-2",
        "object": "chat.completion",
        "created": 1,
        "model": "fake-model",
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
    }
    if usage is not None:
        body["usage"] = {
            "prompt_tokens": usage[0],
            "completion_tokens": usage[1],
            "total_tokens": sum(usage),
        }
    return body


# --- the server ------------------------------------------------------------------------


@contextmanager
def running_fake_chat() -> Iterator[FakeChat]:
    """Serve a :class:`FakeChat` on 127.0.0.1 (a free port) for the duration of the block."""
    fake = FakeChat()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)  # connections queue here until uvicorn accepts: no start-up wait
    fake.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    server = uvicorn.Server(
        uvicorn.Config(fake, lifespan="off", log_level="critical", access_log=False)
    )
    thread = threading.Thread(
        target=lambda: asyncio.run(server.serve(sockets=[sock])), name="fake-chat", daemon=True
    )
    thread.start()
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
