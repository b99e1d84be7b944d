"""HTTP plumbing shared by the routes: bodies, query parameters, responses, errors, SSE."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from .apierrors import APIError, body_too_large, invalid, server_error
from .hub import Hub, Subscription
from .store import CursorNotFoundError, Order, encode, utf8
from .validation import Num, Obj, Str, check_body

log = logging.getLogger(__name__)

MAX_BODY = 8 * 1024 * 1024
# An oversized body is read and dropped up to this much, so the client gets its 413
# instead of a connection reset mid-upload; past it the connection is simply closed.
_DRAIN_LIMIT = 64 * 1024 * 1024
_INCLUDE_VALUES = ("step_details.tool_calls[*].file_search.results[*].content",)

Handler = Callable[[Request], Awaitable[Response]]


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(utf8(encode(data)), status, headers, media_type="application/json")


def error_response(error: APIError) -> Response:
    return json_response(error.body(), error.status, error.headers)


def endpoint(handler: Handler) -> Handler:
    """Turn :class:`APIError` into the API's error body, and anything unexpected into a
    logged 500 with that body (no traceback reaches the client)."""

    @functools.wraps(handler)
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except APIError as exc:
            return error_response(exc)
        except CursorNotFoundError as exc:
            return error_response(
                invalid(
                    f"Invalid '{exc.param}': no object with id '{exc.object_id}' in this list.",
                    param=exc.param,
                )
            )
        except ClientDisconnect:
            return Response(status_code=400)  # nobody is left to read it
        except Exception:
            log.exception("%s %s failed", request.method, request.url.path)
            return error_response(server_error())

    return wrapped


async def read_body(request: Request, spec: Obj) -> dict[str, Any]:
    """The JSON body, at most :data:`MAX_BODY` bytes, checked against ``spec``."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        await _drain(request, 0)
        raise body_too_large(MAX_BODY)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            await _drain(request, size)
            raise body_too_large(MAX_BODY)
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        return check_body(spec, {})
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        raise invalid(
            "We could not parse the JSON body of your request. The API expects a JSON "
            "payload, but what was sent was not valid JSON."
        ) from None
    return check_body(spec, body)


async def _drain(request: Request, size: int) -> None:
    with contextlib.suppress(ClientDisconnect, RuntimeError):
        async for chunk in request.stream():
            size += len(chunk)
            if size > _DRAIN_LIMIT:
                break


_LIMIT = Num(minimum=1, maximum=100, integer=True)
_ORDER = Str(enum=("asc", "desc"))


def list_params(request: Request) -> dict[str, Any]:
    """``limit`` (1-100, default 20), ``order`` (default desc), ``after``, ``before``."""
    query = request.query_params
    raw_limit = query.get("limit")
    limit = 20
    if raw_limit is not None:
        try:
            value: Any = int(raw_limit)
        except ValueError:
            value = raw_limit
        limit = _LIMIT.check(value, "limit")
    order: Order = _ORDER.check(query.get("order", "desc"), "order")
    check_include(request)
    return {
        "limit": limit,
        "order": order,
        "after": query.get("after") or None,
        "before": query.get("before") or None,
    }


def check_include(request: Request) -> None:
    """``include[]``: file_search result content is always included; check the values."""
    for value in request.query_params.getlist("include[]"):
        Str(enum=_INCLUDE_VALUES).check(value, "include[]")


class EventStreamResponse(Response):
    """A ``text/event-stream`` response fed by a :class:`Subscription`.

    It watches for ``http.disconnect`` while it streams, so a client that goes away stops
    the response (the run itself goes on), whatever the server's ASGI version.
    """

    def __init__(self, hub: Hub, subscription: Subscription) -> None:
        super().__init__(status_code=200, media_type="text/event-stream")
        self.hub = hub
        self.subscription = subscription

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"text/event-stream; charset=utf-8"),
                        (b"cache-control", b"no-cache"),
                        (b"x-accel-buffering", b"no"),
                    ],
                }
            )
            writer = asyncio.ensure_future(self._write(send))
            watcher = asyncio.ensure_future(_disconnected(receive))
            try:
                await asyncio.wait({writer, watcher}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                watcher.cancel()
                if not writer.done():
                    writer.cancel()
                with contextlib.suppress(asyncio.CancelledError, OSError):
                    await writer
        finally:
            self.hub.unsubscribe(self.subscription)

    async def _write(self, send: Send) -> None:
        async for chunk in self.subscription.chunks():
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _disconnected(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


def stream_or_json(hub: Hub, data: dict[str, Any], subscription: Subscription | None) -> Response:
    """The streamed response when the client asked for one, else the object as JSON."""
    if subscription is not None:
        return EventStreamResponse(hub, subscription)
    return json_response(data)
