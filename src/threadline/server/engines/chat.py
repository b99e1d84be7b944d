"""The ``chat`` engine: runs answered by any OpenAI-compatible Chat Completions endpoint.

Threads, runs and steps stay in the local server; only the model is remote (OpenAI,
Ollama, vLLM, llama.cpp server, LM Studio, OpenRouter, ...). Each run is one or more
*rounds*, each one ``POST {base_url}/chat/completions``:

- the request holds the run's effective instructions as a ``system`` message, the thread's
  messages (already truncated by the runner) as ``user``/``assistant`` text (images as a
  short note), and every earlier tool round of this run as the assistant's ``tool_calls``
  turn followed by one ``tool`` message per submitted output;
- the run's *function* tools become chat tools; ``tool_choice``, ``parallel_tool_calls``,
  ``temperature``, ``top_p``, ``max_completion_tokens`` and a JSON ``response_format`` pass
  through. ``code_interpreter`` and ``file_search`` tools are **not** sent: the bridge
  cannot run them, so a model that only has those answers in text;
- streamed content becomes message text deltas (the message opens on the first token);
  streamed ``tool_calls`` become a ``tool_calls`` step with argument deltas, then the run
  goes to ``requires_action``; the submitted outputs start the next round. A model still
  calling tools after ``max_rounds`` rounds fails the run.

An upstream that ignores ``stream`` and answers with one JSON body gives the same run.
``finish_reason`` ``length`` ends the run ``incomplete`` (``max_completion_tokens``);
``content_filter`` fails it with ``invalid_prompt``, the code the hosted API used for
refused content (the message stays ``incomplete``). Upstream usage is copied to the run,
or estimated when the upstream reports none. Upstream failures fail the run:
429 -> ``rate_limit_exceeded``; 400/413/422 -> ``invalid_prompt``; anything else (5xx,
401/403/404, timeouts, connection errors, a stream dropped mid-answer) -> ``server_error``.

The configured ``model`` is always the upstream model: a run's ``model`` names whatever the
assistant was created with (often another engine's model) and is not sent.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager, aclosing
from types import TracebackType
from typing import Any, ClassVar, Protocol

import httpx
from pydantic import SecretStr

from threadline.errors import UserError

from .base import (
    Engine,
    EngineError,
    MessageWriter,
    RunContext,
    RunIncomplete,
    ToolCallsWriter,
    estimate_tokens,
)
from .chat_messages import (
    ChatMessage,
    UpstreamCall,
    history,
    prompt_size,
    request_body,
    tool_round,
)
from .chat_upstream import ChatUpstream, Chunk, ToolCallPiece

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 60.0
MAX_ROUNDS = 10


class ChatEngine(Engine):
    """A bridge to ``POST {base_url}/chat/completions``; see the module docstring."""

    name: ClassVar[str] = "chat"

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: SecretStr | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        client: httpx.AsyncClient | None = None,
        max_rounds: int = MAX_ROUNDS,
    ) -> None:
        """
        Args:
            base_url: the API root, e.g. ``http://localhost:11434/v1``.
            model: the model every request names.
            api_key: sent as ``Authorization: Bearer``; None (or empty) sends no header.
            timeout: seconds to wait for the upstream to connect or to send anything.
            client: an ``httpx.AsyncClient`` to use (tests); the engine then never closes it.
            max_rounds: upstream requests per run before a model that keeps calling tools
                fails the run.
        """
        has_key = api_key is not None and bool(api_key.get_secret_value())
        self.model = model
        self.max_rounds = max(1, max_rounds)
        self.upstream = ChatUpstream(
            base_url, api_key if has_key else None, timeout=timeout, client=client
        )

    def default_assistant(self) -> dict[str, Any] | None:
        return {
            "name": "Threadline Chat",
            "description": f"Answers with {self.model} at {self.upstream.name}.",
            "model": self.model,
            "instructions": "You are a helpful assistant.",
        }

    async def aclose(self) -> None:
        await self.upstream.aclose()

    async def run(self, ctx: RunContext) -> None:
        try:
            await self._run(ctx)
        except EngineError as exc:
            # The run's last_error says it to the client; this says it to whoever runs serve.
            log.warning("run %s failed: %s", ctx.run.id, exc.message)
            raise

    async def _run(self, ctx: RunContext) -> None:
        transcript = history(ctx.run.instructions, ctx.messages)
        limit = ctx.run.max_completion_tokens
        completion_used = 0
        for round_no in range(1, self.max_rounds + 1):
            body = request_body(
                ctx.run,
                self.model,
                transcript,
                first_round=round_no == 1,
                completion_budget=None if limit is None else limit - completion_used,
            )
            async with _Round(ctx, self.upstream.name) as answer:
                async with aclosing(self.upstream.exchange(body)) as chunks:
                    async for chunk in chunks:
                        await answer.feed(chunk)
                calls = await answer.end()
                completion_used += self._count_usage(ctx, answer, transcript, calls)
                self._check_finish(answer.finish_reason)
                if not calls:
                    return
                if round_no == self.max_rounds:
                    raise EngineError(
                        "server_error",
                        f"chat upstream {self.upstream.name}: the model was still calling "
                        f"tools after {self.max_rounds} rounds, so the run was stopped",
                    )
            assert answer.step is not None  # calls were made in a tool_calls step
            outputs = await answer.step.finish()
            transcript += tool_round(answer.content, calls, outputs)

    def _count_usage(
        self,
        ctx: RunContext,
        answer: _Round,
        prompt: list[ChatMessage],
        calls: Sequence[UpstreamCall],
    ) -> int:
        """Add the round's usage to the open step and the run; returns completion tokens."""
        if answer.usage is not None:
            prompt_tokens, completion_tokens = answer.usage
        else:
            written = answer.content + "".join(c.name + c.arguments for c in calls)
            prompt_tokens = estimate_tokens(prompt_size(prompt))
            completion_tokens = estimate_tokens(written)
        ctx.add_usage(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)
        return completion_tokens

    def _check_finish(self, reason: str | None) -> None:
        if reason == "length":
            raise RunIncomplete("max_completion_tokens")
        if reason == "content_filter":
            raise EngineError(
                "invalid_prompt",
                f"chat upstream {self.upstream.name} stopped the answer with its content "
                "filter (finish_reason content_filter)",
            )


class _Call:
    """A tool call being assembled from streamed pieces."""

    __slots__ = ("arguments", "call_id", "name", "upstream_id")

    def __init__(self, upstream_id: str | None) -> None:
        self.upstream_id = upstream_id
        self.call_id = ""  # the step's id for it, once started
        self.name = ""
        self.arguments = ""


class _Round:
    """One upstream answer, written into the run as it arrives.

    Content goes to a message opened on its first token; tool calls go to a ``tool_calls``
    step (closing the message first, as the API orders them). Used as ``async with``: an
    exception leaving the block reaches the open message, so the runner marks it incomplete.
    """

    def __init__(self, ctx: RunContext, upstream: str) -> None:
        self._ctx = ctx
        self._upstream = upstream
        self._message_cm: AbstractAsyncContextManager[MessageWriter] | None = None
        self._message: MessageWriter | None = None
        self.step: ToolCallsWriter | None = None
        self._calls: dict[int, _Call] = {}
        self.content = ""
        self.finish_reason: str | None = None
        self.usage: tuple[int, int] | None = None

    async def __aenter__(self) -> _Round:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._close_message(exc_type, exc, tb)

    async def feed(self, chunk: Chunk) -> None:
        if chunk.content:
            self.content += chunk.content
            # Text after the tool calls began is kept for the next round's transcript but
            # not shown: a message cannot open inside a tool_calls step.
            if self.step is None:
                if self._message is None:
                    await self._open_message()
                assert self._message is not None
                await self._message.text(chunk.content)
        for piece in chunk.tool_calls:
            await self._tool_piece(piece)
        self.finish_reason = chunk.finish_reason or self.finish_reason
        self.usage = chunk.usage or self.usage

    async def end(self) -> list[UpstreamCall]:
        """After the last chunk: the calls the model made (empty for a plain answer).

        An answer with neither text nor calls still gets its (empty) message, so the run
        shows that the model answered.
        """
        calls = list(self._calls.values())
        for call in calls:
            if not call.call_id:
                raise EngineError(
                    "server_error",
                    f"chat upstream {self._upstream} sent a tool call without a function name",
                )
        if not calls and self._message is None:
            await self._open_message()
        return [
            UpstreamCall(call.upstream_id or call.call_id, call.call_id, call.name, call.arguments)
            for call in calls
        ]

    async def _open_message(self) -> None:
        cm = self._ctx.message()
        self._message = await cm.__aenter__()
        self._message_cm = cm

    async def _close_message(
        self,
        exc_type: type[BaseException] | None = None,
        exc: BaseException | None = None,
        tb: TracebackType | None = None,
    ) -> None:
        cm, self._message_cm = self._message_cm, None
        if cm is not None:
            await cm.__aexit__(exc_type, exc, tb)

    async def _tool_piece(self, piece: ToolCallPiece) -> None:
        call = self._call_for(piece)
        if piece.id and not call.upstream_id:
            call.upstream_id = piece.id
        if not call.call_id:
            call.name += piece.name or ""
            call.arguments += piece.arguments
            if call.name:
                await self._start(call)
        elif piece.arguments:
            call.arguments += piece.arguments
            assert self.step is not None
            await self.step.arguments(call.call_id, piece.arguments)

    def _call_for(self, piece: ToolCallPiece) -> _Call:
        """The call a piece belongs to: by ``index``; servers that send none, by ``id``, or
        else the latest call (a continuation)."""
        key = piece.index
        if key is None:
            ids = {c.upstream_id: k for k, c in self._calls.items()}
            if piece.id is not None:
                key = ids.get(piece.id, len(self._calls))
            else:
                key = next(reversed(self._calls), 0)
        if key not in self._calls:
            self._calls[key] = _Call(piece.id)
        return self._calls[key]

    async def _start(self, call: _Call) -> None:
        if self.step is None:
            await self._close_message()
            self.step = await self._ctx.tool_calls()
        call.call_id = await self.step.function(call.name)
        if call.arguments:
            await self.step.arguments(call.call_id, call.arguments)


# --- building the engine from settings -----------------------------------------------


class ChatSettings(Protocol):
    """What :func:`create_chat_engine` reads: a config ``Profile`` fits, as does any object
    with these attributes (``threadline serve`` flags)."""

    @property
    def chat_base_url(self) -> str | None: ...

    @property
    def chat_model(self) -> str | None: ...

    @property
    def timeout(self) -> float: ...


class ChatConfigError(UserError):
    """The chat engine is selected but not set up: a missing or unusable base URL or model."""


def create_chat_engine(
    settings: ChatSettings,
    api_key: SecretStr | None,
    *,
    client: httpx.AsyncClient | None = None,
) -> ChatEngine:
    """The chat engine for a profile (or ``serve`` flags).

    ``api_key`` is resolved by the caller (``threadline.config.resolve_chat_api_key``):
    the server does not read configuration.

    Raises:
        ChatConfigError: ``chat_base_url`` or ``chat_model`` is missing or unusable.
    """
    base_url, model = settings.chat_base_url, settings.chat_model
    if not base_url:
        raise ChatConfigError(
            "engine chat needs chat_base_url (profile key, or --chat-base-url), "
            "e.g. http://localhost:11434/v1"
        )
    if not model:
        raise ChatConfigError("engine chat needs chat_model (profile key, or --chat-model)")
    try:
        url = httpx.URL(base_url)
    except httpx.InvalidURL:
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise ChatConfigError(
            f"chat_base_url {base_url!r} is not an http:// or https:// URL "
            "(e.g. http://localhost:11434/v1)"
        )
    try:
        return ChatEngine(base_url, model, api_key, timeout=settings.timeout, client=client)
    except ValueError as exc:  # the key holds characters no HTTP header can carry
        raise ChatConfigError(f"chat_api_key: {exc}") from None
