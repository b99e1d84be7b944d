"""A route-based fake Assistants server on httpx.MockTransport, for driver and session tests."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx

from threadline.api import AssistantsClient

BASE = "http://fake.test/v1"
Handler = Callable[[httpx.Request, re.Match[str]], httpx.Response]


def ok(body: Any) -> httpx.Response:
    return httpx.Response(200, json=body)


def page(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "object": "list",
        "data": items,
        "first_id": items[0]["id"] if items else None,
        "last_id": items[-1]["id"] if items else None,
        "has_more": False,
    }


def sse(body: bytes, *, cut_after: int | None = None, stall: bool = False) -> httpx.Response:
    """A streamed response; ``cut_after`` bytes then a connection reset, or a stall."""

    async def chunks() -> AsyncIterator[bytes]:
        data = body if cut_after is None else body[:cut_after]
        for start in range(0, len(data), 512):
            yield data[start : start + 512]
        if stall:
            await asyncio.Event().wait()
        if cut_after is not None and not stall:
            raise httpx.ReadError("connection reset by peer")

    return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=chunks())


class FakeAPI:
    """Routes (method, path regex) to handlers; records every request."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.requests: list[httpx.Request] = []

    def route(self, method: str, path: str, handler: Handler | httpx.Response | list[Any]) -> None:
        if isinstance(handler, httpx.Response):
            response = handler
            handler = lambda _r, _m: response  # noqa: E731
        elif isinstance(handler, list):
            answers = handler
            handler = lambda _r, _m: answers.pop(0) if len(answers) > 1 else answers[0]  # noqa: E731
        self.routes.insert(0, (method, re.compile(f"^/v1{path}$"), handler))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        for method, pattern, handler in self.routes:
            match = pattern.match(request.url.path)
            if method == request.method and match:
                return handler(request, match)
        return httpx.Response(
            404,
            json={
                "error": {
                    "message": f"no route {request.url.path}",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": None,
                }
            },
        )

    def posts(self, path_part: str = "") -> list[httpx.Request]:
        return [r for r in self.requests if r.method == "POST" and path_part in r.url.path]

    def body(self, request: httpx.Request) -> Any:
        return json.loads(request.content)

    def client(self) -> AssistantsClient:
        async def no_sleep(_: float) -> None:
            return None

        return AssistantsClient(
            base_url=BASE,
            http_client=httpx.AsyncClient(transport=httpx.MockTransport(self)),
            sleep=no_sleep,
        )
