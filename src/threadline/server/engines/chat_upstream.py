"""The HTTP side of the chat bridge: one ``POST /chat/completions``, read as chunks.

:meth:`ChatUpstream.exchange` yields the same :class:`Chunk` values whether the upstream
streams (``text/event-stream``) or ignores ``stream`` and answers with one JSON body, so
the engine has one code path. Every upstream failure becomes an :class:`EngineError` whose
message names the upstream and what it said; the key is never in it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import SecretStr

from threadline.api import APIKeyAuth, SSEError, aiter_sse

from .base import EngineError, ErrorCode

MAX_ERROR_TEXT = 300
"""Characters of an upstream error body quoted in a run's ``last_error``."""


@dataclass(slots=True)
class ToolCallPiece:
    """A fragment of a streamed tool call (or a whole call from a JSON answer)."""

    index: int | None
    id: str | None = None
    name: str | None = None
    arguments: str = ""


@dataclass(slots=True)
class Chunk:
    """What one upstream chunk (or a whole non-streamed answer) adds to the round."""

    content: str = ""
    tool_calls: list[ToolCallPiece] = field(default_factory=list)
    finish_reason: str | None = None
    usage: tuple[int, int] | None = None
    """``(prompt_tokens, completion_tokens)`` when the upstream reports them."""


def display_url(base_url: str) -> str:
    """The base URL as errors show it: no user info, query or fragment (they may hold
    credentials), no trailing slash."""
    url = httpx.URL(base_url).copy_with(username=None, password=None, query=None, fragment=None)
    return str(url).rstrip("/")


class ChatUpstream:
    """A Chat Completions endpoint: where it is, how to authenticate, how long to wait."""

    def __init__(
        self,
        base_url: str,
        api_key: SecretStr | None,
        *,
        timeout: float,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        base = httpx.URL(base_url)
        self.url = base.copy_with(path=base.path.rstrip("/") + "/chat/completions")
        self.name = display_url(base_url)
        self.timeout = timeout
        self._auth = APIKeyAuth(api_key) if api_key is not None else None
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0))
        )

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def exchange(self, body: dict[str, Any]) -> AsyncGenerator[Chunk, None]:
        """POST ``body`` and yield its chunks as they arrive.

        Use it under :func:`contextlib.aclosing`: leaving early (an error, a cancelled run)
        then closes the upstream response at once.

        Raises:
            EngineError: the upstream refused, failed, timed out, dropped the connection, or
                sent something that is not a chat completion.
        """
        try:
            async with self._client.stream(
                "POST",
                self.url,
                json=body,
                auth=self._auth or httpx.USE_CLIENT_DEFAULT,
                timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0)),
            ) as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise self._status_error(response.status_code, response.text)
                if "text/event-stream" in response.headers.get("content-type", ""):
                    async for chunk in self._events(response):
                        yield chunk
                else:
                    yield self._completion(await response.aread())
        except httpx.TimeoutException:
            raise EngineError(
                "server_error",
                f"chat upstream {self.name} did not answer within {self.timeout:g} s",
            ) from None
        except httpx.TransportError as exc:
            # RemoteProtocolError is also what a stream dropped mid-answer raises.
            raise EngineError(
                "server_error",
                f"chat upstream {self.name}: connection failed or was lost "
                f"({type(exc).__name__}: {self._clean(str(exc))})",
            ) from None
        except SSEError as exc:
            raise EngineError("server_error", f"chat upstream {self.name}: {exc}") from None

    async def _events(self, response: httpx.Response) -> AsyncIterator[Chunk]:
        finished = False
        async for event in aiter_sse(response.aiter_bytes()):
            data = event.data.strip()
            if data == "[DONE]":
                return
            chunk = parse_chunk(self._json(data))
            finished = finished or chunk.finish_reason is not None
            yield chunk
        if not finished:
            raise EngineError(
                "server_error",
                f"chat upstream {self.name} ended the stream before the answer was complete",
            )

    def _completion(self, raw: bytes) -> Chunk:
        text = raw.decode("utf-8", errors="replace")
        try:
            obj = json.loads(text)
        except ValueError:
            obj = None
        if obj is None and text.lstrip().startswith("data:"):
            return self._sse_text(text)  # an event stream sent with the wrong content type
        return parse_completion(self._checked(obj, text))

    def _sse_text(self, text: str) -> Chunk:
        """A whole event stream read at once, folded into one chunk."""
        merged = Chunk()
        for line in text.splitlines():
            if not line.startswith("data:") or line[5:].strip() == "[DONE]":
                continue
            chunk = parse_chunk(self._json(line[5:].strip()))
            merged.content += chunk.content
            merged.tool_calls.extend(chunk.tool_calls)
            merged.finish_reason = chunk.finish_reason or merged.finish_reason
            merged.usage = chunk.usage or merged.usage
        return merged

    def _json(self, data: str) -> dict[str, Any]:
        try:
            obj = json.loads(data)
        except ValueError:
            obj = None
        return self._checked(obj, data)

    def _checked(self, obj: Any, text: str) -> dict[str, Any]:
        if not isinstance(obj, dict):
            raise EngineError(
                "server_error",
                f"chat upstream {self.name} sent something that is not a chat completion: "
                f"{self._clean(text)!r}",
            )
        if obj.get("error"):
            # Some servers report a failure inside a 200 answer or mid-stream.
            status = _int(_dict(obj["error"]).get("code")) or _int(obj.get("status"))
            raise self._status_error(status, json.dumps(obj))
        return obj

    def _status_error(self, status: int | None, text: str) -> EngineError:
        """``status`` is the HTTP status, or the one an error inside a 200 answer names."""
        message = self._clean(error_text(text))
        if status is None:
            return EngineError("server_error", f"chat upstream {self.name} reported: {message}")
        code: ErrorCode
        if status == 429:
            code = "rate_limit_exceeded"
        elif status in (400, 413, 422):
            code = "invalid_prompt"  # the upstream refused this conversation as sent
        else:
            code = "server_error"  # 5xx, and 401/403/404: the bridge's setup, not the prompt
        return EngineError(code, f"chat upstream {self.name} answered {status}: {message}")

    def _clean(self, text: str) -> str:
        text = " ".join(text.split())
        if self._auth is not None:
            text = self._auth.redact(text)
        return text[:MAX_ERROR_TEXT] + ("…" if len(text) > MAX_ERROR_TEXT else "")


def error_text(body: str) -> str:
    """The message in an error body: OpenAI's ``{"error": {"message"}}``, Ollama's
    ``{"error": "..."}``, a bare ``{"message"}``, or the body itself."""
    try:
        obj = json.loads(body)
    except ValueError:
        return body.strip() or "(empty body)"
    if isinstance(obj, dict):
        err = obj.get("error", obj)
        if isinstance(err, str):
            return err
        if isinstance(err, dict) and isinstance(err.get("message"), str):
            return str(err["message"])
    return body.strip()


def parse_chunk(obj: dict[str, Any]) -> Chunk:
    """A ``chat.completion.chunk``: the first choice's delta, finish reason and usage."""
    choice = _first_choice(obj)
    delta = _dict(choice.get("delta"))
    return Chunk(
        content=_text(delta.get("content")) + _text(delta.get("refusal")),
        tool_calls=[_piece(tc, None) for tc in _list(delta.get("tool_calls"))],
        finish_reason=_str_or_none(choice.get("finish_reason")),
        usage=_usage(obj.get("usage")),
    )


def parse_completion(obj: dict[str, Any]) -> Chunk:
    """A non-streamed ``chat.completion``, as one chunk that holds the whole answer."""
    choice = _first_choice(obj)
    message = _dict(choice.get("message"))
    return Chunk(
        content=_text(message.get("content")) + _text(message.get("refusal")),
        tool_calls=[_piece(tc, i) for i, tc in enumerate(_list(message.get("tool_calls")))],
        finish_reason=_str_or_none(choice.get("finish_reason")) or "stop",
        usage=_usage(obj.get("usage")),
    )


def _first_choice(obj: dict[str, Any]) -> dict[str, Any]:
    choices = [_dict(c) for c in _list(obj.get("choices"))]
    for choice in choices:
        if choice.get("index", 0) == 0:
            return choice
    return choices[0] if choices else {}


def _piece(raw: Any, position: int | None) -> ToolCallPiece:
    call = _dict(raw)
    fn = _dict(call.get("function"))
    arguments = fn.get("arguments")
    if arguments is not None and not isinstance(arguments, str):
        arguments = json.dumps(arguments)  # some servers send the arguments as an object
    index = _int(call.get("index"))
    return ToolCallPiece(
        index=index if index is not None else position,
        id=_str_or_none(call.get("id")) or None,
        name=_str_or_none(fn.get("name")) or None,
        arguments=arguments or "",
    )


def _usage(raw: Any) -> tuple[int, int] | None:
    usage = _dict(raw)
    if not usage:
        return None
    return _int(usage.get("prompt_tokens")) or 0, _int(usage.get("completion_tokens")) or 0


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):  # content as parts: [{"type": "text", "text": ...}]
        return "".join(_text(_dict(part).get("text")) for part in value)
    return ""


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
