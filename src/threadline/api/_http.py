"""Sending one API request: URL, headers, auth, timeouts, retries, and typed errors.

httpx exceptions are turned into :mod:`._errors` types and raised outside ``except``
blocks on purpose: the httpx exception's traceback reaches frames inside httpcore/h11
whose locals hold the request headers, and a chained ``__context__`` would carry them to
any crash screen that prints locals.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, Mapping, Sequence
from contextlib import suppress
from importlib.metadata import PackageNotFoundError, version
from typing import Any, TypeVar, cast

import httpx
from pydantic import BaseModel, ValidationError

from ._auth import APIKeyAuth
from ._base import APIModel
from ._errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    one_line,
    status_error,
)
from ._retry import RetryPolicy, parse_retry_after

M = TypeVar("M", bound=BaseModel)
Params = Sequence[tuple[str, str]]

ERROR_BODY_LIMIT = 64 * 1024
"""How much of an error response is read: enough for any message, bounded for a bad proxy."""

# Raised before a byte of the request left: the server cannot have acted on it.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

try:
    USER_AGENT = f"threadline/{version('threadline')}"
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    USER_AGENT = "threadline"


def _json_default(value: Any) -> Any:
    if isinstance(value, APIModel):
        return value.to_dict()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    raise TypeError(f"{type(value).__name__} cannot be sent as JSON")


def encode_body(body: Mapping[str, Any]) -> bytes:
    """The JSON request body; top-level None values are dropped (the server's defaults)."""
    kept = {key: value for key, value in body.items() if value is not None}
    return json.dumps(kept, default=_json_default, ensure_ascii=False).encode()


POLL_AFTER_HEADER = "openai-poll-after-ms"


def poll_after(headers: httpx.Headers) -> float | None:
    """The server's polling hint in seconds, if it sent a sane one."""
    try:
        millis = float(headers.get(POLL_AFTER_HEADER, ""))
    except ValueError:
        return None
    return millis / 1000 if 0 <= millis <= 600_000 else None


class HTTPCore:
    """Builds, sends and retries requests for :class:`AssistantsClient`."""

    def __init__(
        self,
        *,
        http_client: httpx.AsyncClient,
        base_url: str,
        auth: APIKeyAuth | None,
        headers: Mapping[str, str],
        query: Mapping[str, str],
        timeout: float,
        stream_idle_timeout: float | None,
        retry: RetryPolicy,
    ) -> None:
        self.http_client = http_client
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.retry = retry
        # OpenAI-Beta last: every request must select the v2 protocol.
        self._headers = {"User-Agent": USER_AGENT, **headers, "OpenAI-Beta": "assistants=v2"}
        self._query = list(query.items())
        self._timeout = httpx.Timeout(timeout)
        # A stream's read timeout is its idle timeout: the longest silence between chunks.
        idle = timeout if stream_idle_timeout is None else stream_idle_timeout
        self._stream_timeout = httpx.Timeout(timeout, read=idle)

    def build(
        self,
        method: str,
        path: str,
        *,
        params: Params = (),
        body: Mapping[str, Any] | None = None,
        stream: bool = False,
    ) -> httpx.Request:
        headers = dict(self._headers)
        headers["Accept"] = "text/event-stream" if stream else "application/json"
        content = None
        if body is not None:
            content = encode_body(body)
            headers["Content-Type"] = "application/json"
        return self.http_client.build_request(
            method,
            self.base_url + path,
            params=[*self._query, *params],
            headers=headers,
            content=content,
            timeout=self._stream_timeout if stream else self._timeout,
        )

    async def request(
        self,
        method: str,
        path: str,
        model: type[M],
        *,
        params: Params = (),
        body: Mapping[str, Any] | None = None,
        idempotent: bool,
    ) -> M:
        """One JSON request, retried per the policy; the body validated as ``model``."""
        result, _ = await self.request_with_headers(
            method, path, model, params=params, body=body, idempotent=idempotent
        )
        return result

    async def request_with_headers(
        self,
        method: str,
        path: str,
        model: type[M],
        *,
        params: Params = (),
        body: Mapping[str, Any] | None = None,
        idempotent: bool,
    ) -> tuple[M, httpx.Headers]:
        """:meth:`request`, with the response's headers (``openai-poll-after-ms`` ...)."""

        async def attempt() -> httpx.Response:
            response = await self.send(self.build(method, path, params=params, body=body))
            await self._read_all(response)
            return response

        response = await self.retry.call(attempt, idempotent=idempotent)
        try:
            return model.model_validate_json(response.content), response.headers
        except ValidationError as exc:
            failure = _invalid_body(exc, response, f"{method} {path}", model.__name__)
        raise failure

    async def open_stream(
        self, path: str, *, params: Params, body: Mapping[str, Any]
    ) -> httpx.Response:
        """POST a streamed create; the 2xx response with its body unread.

        Creates are not idempotent, so only a request that never reached the server, or a
        429, is retried, and never once a response has started.
        """

        async def attempt() -> httpx.Response:
            return await self.send(self.build("POST", path, params=params, body=body, stream=True))

        return await self.retry.call(attempt, idempotent=False)

    async def send(self, request: httpx.Request) -> httpx.Response:
        """Send once; the 2xx response, body unread, or an :class:`APIError`."""
        failure: APIError
        try:
            response = await self.http_client.send(
                request, auth=self.auth or httpx.USE_CLIENT_DEFAULT, stream=True
            )
        except httpx.TransportError as exc:
            failure = self.connection_error(exc, request)
        else:
            if response.is_success:
                return response
            failure = await self._status_error(response)
        raise failure

    def connection_error(
        self, exc: httpx.TransportError, request: httpx.Request
    ) -> APIConnectionError:
        sent = not isinstance(exc, _NOT_SENT)
        where = request.url.host + (f":{request.url.port}" if request.url.port else "")
        detail = one_line(str(exc)) or type(exc).__name__
        if self.auth is not None:
            detail = self.auth.redact(detail)
        if isinstance(exc, httpx.TimeoutException):
            return APITimeoutError(f"timed out talking to {where}: {detail}", sent=sent)
        verb = "could not connect to" if not sent else "connection to"
        tail = "" if not sent else " failed"
        return APIConnectionError(f"{verb} {where}{tail}: {detail}", sent=sent)

    async def _read_all(self, response: httpx.Response) -> None:
        failure: APIError | None = None
        try:
            await response.aread()
        except httpx.TransportError as exc:
            failure = self.connection_error(exc, response.request)
        finally:
            await _close_quietly(response)
        if failure is not None:
            raise failure

    async def _status_error(self, response: httpx.Response) -> APIStatusError:
        data = bytearray()
        chunks = cast(AsyncGenerator[bytes, None], response.aiter_bytes())
        try:
            async for chunk in chunks:
                data += chunk
                if len(data) >= ERROR_BODY_LIMIT:
                    break
        except httpx.TransportError:
            pass  # the status says enough; keep whatever part of the body arrived
        finally:
            await chunks.aclose()
            await _close_quietly(response)
        text = bytes(data[:ERROR_BODY_LIMIT]).decode(response.encoding or "utf-8", "replace")
        if self.auth is not None:
            text = self.auth.redact(text)
        request_id = response.headers.get("x-request-id") or response.headers.get("apim-request-id")
        return status_error(
            response.status_code,
            text,
            request_id=request_id,
            retry_after=parse_retry_after(response.headers),
        )


def _invalid_body(
    exc: ValidationError, response: httpx.Response, what: str, expected: str
) -> APIResponseValidationError:
    # Built here so no frame left on the traceback holds the body's values (pydantic's
    # error details include the input, which an odd server could fill with anything).
    first = exc.errors(include_input=False, include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    return APIResponseValidationError(
        f"{what}: the server's answer is not a valid {expected} ({where}: {first['msg']})",
        status_code=response.status_code,
        request_id=response.headers.get("x-request-id"),
    )


async def _close_quietly(response: httpx.Response) -> None:
    with suppress(httpx.TransportError):
        await response.aclose()
