"""Shared fakes for the wire client tests: a scripted MockTransport server, a sleep recorder."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
from pydantic import SecretStr

from threadline.api import AssistantsClient

FAKE_KEY = "sk-test-F4KEk3yTHATmustNEVERleak0123456789"
BASE_URL = "https://api.example.test/v1"

Answer = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class Server:
    """A MockTransport handler that gives scripted answers in order and records requests."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        assert self.answers, f"unexpected request {request.method} {request.url}"
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        return answer(request)

    def body(self, index: int = -1) -> Any:
        content = self.requests[index].content
        return json.loads(content) if content else None


class Sleeps:
    """An injected ``sleep`` that records each wait instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


def make_client(server: Server, sleeps: Sleeps | None = None, **options: Any) -> AssistantsClient:
    options.setdefault("api_key", SecretStr(FAKE_KEY))
    options.setdefault("sleep", sleeps if sleeps is not None else Sleeps())
    return AssistantsClient(
        base_url=BASE_URL,
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(server)),
        **options,
    )


def ok(body: Any, **headers: str) -> httpx.Response:
    return httpx.Response(200, json=body, headers=headers)


def error(
    status: int, message: str = "", code: str | None = None, **headers: str
) -> httpx.Response:
    body = {"error": {"message": message, "type": "invalid_request_error", "code": code}}
    return httpx.Response(status, json=body, headers=headers)


def sse_response(chunks: AsyncIterator[bytes], **headers: str) -> httpx.Response:
    return httpx.Response(
        200, headers={"content-type": "text/event-stream", **headers}, content=chunks
    )


async def chunked(
    data: bytes, size: int = 7, then: Exception | None = None
) -> AsyncIterator[bytes]:
    """``data`` in ``size``-byte chunks, then (optionally) a network failure."""
    for start in range(0, len(data), size):
        yield data[start : start + size]
    if then is not None:
        raise then


def sse(event: str, data: Any) -> bytes:
    text = data if isinstance(data, str) else json.dumps(data)
    return f"event: {event}\ndata: {text}\n\n".encode()


THREAD = {"id": "thread_1", "object": "thread", "created_at": 1, "metadata": {}}
ASSISTANT = {"id": "asst_1", "object": "assistant", "model": "gpt-4o", "tools": []}
MESSAGE = {
    "id": "msg_1",
    "object": "thread.message",
    "thread_id": "thread_1",
    "role": "user",
    "content": [{"type": "text", "text": {"value": "hi", "annotations": []}}],
}
STEP = {"id": "step_1", "object": "thread.run.step", "run_id": "run_1", "status": "completed"}


def run(status: str = "queued", **extra: Any) -> dict[str, Any]:
    return {
        "id": "run_1",
        "object": "thread.run",
        "thread_id": "thread_1",
        "assistant_id": "asst_1",
        "status": status,
        **extra,
    }


def page(*items: dict[str, Any], has_more: bool = False) -> dict[str, Any]:
    return {
        "object": "list",
        "data": list(items),
        "first_id": items[0]["id"] if items else None,
        "last_id": items[-1]["id"] if items else None,
        "has_more": has_more,
    }
