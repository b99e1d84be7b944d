"""The engine interface: what produces a run's output.

An engine is an :class:`Engine` subclass with one coroutine, ``run(ctx)``. The runner calls
it once per run, in a task of its own, and turns what the engine does through the
:class:`RunContext` into run steps, messages and stream events with the API's exact event
order and payloads. An engine never builds API objects or events itself, and never touches
the store: it says *what* the assistant produces, the runner says how that looks on the wire.

How a run ends is how ``run`` ends:

- it returns: the run is ``completed``;
- it raises :class:`EngineError`: the run is ``failed`` with ``last_error`` ``{code, message}``;
- it raises :class:`RunIncomplete`: the run is ``incomplete`` with that reason
  (:meth:`RunContext.add_usage` raises it by itself when a ``max_*_tokens`` limit is passed);
- :class:`asyncio.CancelledError` arrives at an ``await`` when the run is cancelled or the
  server stops: clean up (close upstream connections) and let it propagate;
- any other exception fails the run with ``server_error`` (and is logged).

Objects the engine opens (a message, a tool-calls step) are closed by the runner to match:
a message left open by a failure becomes ``incomplete``, its step ``failed``, and so on.

Pacing (tokens per second) belongs to the engine: the context emits each call at once.

A minimal engine::

    class Echo(Engine):
        name = "echo"

        async def run(self, ctx: RunContext) -> None:
            async with ctx.message() as m:
                for word in ctx.last_user_text().split():
                    ctx.add_usage(completion_tokens=1)
                    await m.text(word + " ")

Function tools suspend the run until the client submits outputs::

    step = await ctx.tool_calls()
    call_id = await step.function("get_weather")      # streams id, name, "" arguments
    await step.arguments(call_id, '{"location": ')    # streams argument deltas
    await step.arguments(call_id, '"Paris"}')
    outputs = await step.finish()   # -> requires_action; returns {call_id: output}
    # or, all at once: outputs = await ctx.function_calls([FunctionCallSpec(...), ...])
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from threadline.api import (
    Assistant,
    FunctionDefinition,
    FunctionTool,
    Message,
    Run,
)

ErrorCode = Literal["server_error", "rate_limit_exceeded", "invalid_prompt"]
"""The ``last_error.code`` values the API defines for a failed run."""

IncompleteReason = Literal["max_completion_tokens", "max_prompt_tokens"]


class EngineError(Exception):
    """Fails the run with ``last_error`` ``{"code": code, "message": message}``.

    ``message`` is shown to the user as is: say what went wrong upstream, never include a key.
    """

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: ErrorCode = code
        self.message = message


class RunIncomplete(Exception):
    """Ends the run as ``incomplete`` with ``incomplete_details`` ``{"reason": reason}``."""

    def __init__(self, reason: IncompleteReason) -> None:
        super().__init__(reason)
        self.reason: IncompleteReason = reason


@dataclass(frozen=True, slots=True)
class ToolChoice:
    """The run's ``tool_choice``, parsed.

    ``mode`` is ``none`` (answer with a message only), ``auto`` (the engine decides),
    ``required`` (call at least one tool before answering), or a tool type that must be
    called: ``function`` (then ``function`` names it), ``code_interpreter``, ``file_search``.
    """

    mode: Literal["none", "auto", "required", "function", "code_interpreter", "file_search"]
    function: str | None = None

    @classmethod
    def parse(cls, value: Any) -> ToolChoice:
        """From the API value: a string, ``{"type": ...}``, or ``None`` (auto)."""
        if value in ("none", "auto", "required"):
            return cls(value)
        if isinstance(value, dict):
            kind = value.get("type")
            if kind == "function":
                return cls("function", (value.get("function") or {}).get("name"))
            if kind in ("code_interpreter", "file_search"):
                return cls(kind)
        return cls("auto")


@dataclass(frozen=True, slots=True)
class FunctionCallSpec:
    """A function call an engine wants to make: the tool's name and its JSON arguments."""

    name: str
    arguments: str = "{}"


@dataclass(frozen=True, slots=True)
class ToolOutput:
    """A function call with the output the client submitted for it."""

    call_id: str
    name: str
    arguments: str
    output: str


@dataclass(frozen=True, slots=True)
class SearchResult:
    """One ``file_search`` result: the file, its score and the text that matched."""

    file_id: str
    file_name: str
    score: float
    text: str


class MessageWriter(ABC):
    """An assistant message being streamed (one ``text`` content block)."""

    id: str

    @abstractmethod
    async def text(self, delta: str) -> None:
        """Append text: one ``thread.message.delta`` event."""

    @abstractmethod
    async def annotation(
        self,
        text: str,
        file_id: str,
        *,
        kind: Literal["file_citation", "file_path"] = "file_citation",
        quote: str | None = None,
    ) -> None:
        """Append ``text`` (a marker such as ``【4:0†notes.md】``) with an annotation on it.

        One delta carries the text and the annotation, with its ``start_index`` and
        ``end_index`` in the message, as the API streams citations.
        """


class ToolCallsWriter(ABC):
    """A ``tool_calls`` run step being built. End it with :meth:`finish`."""

    id: str

    @abstractmethod
    async def function(self, name: str, arguments: str = "") -> str:
        """Start a function call; returns its call id. Streams id, name, arguments."""

    @abstractmethod
    async def arguments(self, call_id: str, delta: str) -> None:
        """Append to a function call's JSON arguments (one step delta)."""

    @abstractmethod
    async def code_interpreter(self, input: str = "") -> str:
        """Start a code_interpreter call; returns its call id."""

    @abstractmethod
    async def code_input(self, call_id: str, delta: str) -> None:
        """Append to a code_interpreter call's ``input`` (one step delta)."""

    @abstractmethod
    async def code_logs(self, call_id: str, logs: str) -> None:
        """Add a ``logs`` output to a code_interpreter call."""

    @abstractmethod
    async def file_search(
        self, results: Sequence[SearchResult], *, ranker: str = "default_2024_08_21"
    ) -> str:
        """Add a file_search call with its results; returns its call id."""

    @abstractmethod
    async def finish(self) -> dict[str, str]:
        """End the step; returns ``{call_id: output}`` for its function calls.

        With function calls, the run moves to ``requires_action`` (the stream ends with
        ``done``) and this waits until the client submits every output, then completes the
        step and puts the run back ``in_progress``. It raises :class:`asyncio.CancelledError`
        if the run is cancelled or expires meanwhile. Without function calls the step simply
        completes and this returns ``{}``.
        """


class RunContext(ABC):
    """What an engine sees of a run, and the calls that make its output."""

    @property
    @abstractmethod
    def run(self) -> Run:
        """The run with its effective parameters, as at its start: ``model``, ``instructions``
        (the assistant's or the override, with ``additional_instructions`` appended),
        ``tools``, ``tool_choice``, ``temperature``, ``top_p``, ``max_prompt_tokens``,
        ``max_completion_tokens``, ``truncation_strategy``, ``parallel_tool_calls``,
        ``response_format``, ``metadata``."""

    @property
    @abstractmethod
    def assistant(self) -> Assistant:
        """The run's assistant."""

    @property
    @abstractmethod
    def messages(self) -> Sequence[Message]:
        """The thread's messages the run sees, oldest first: the truncation strategy is
        applied, ``additional_messages`` are included."""

    @abstractmethod
    def message(self) -> AbstractAsyncContextManager[MessageWriter]:
        """Open an assistant message (and its ``message_creation`` step) for streaming.

        Leaving the block normally completes both; an exception leaves them to the runner.
        """

    @abstractmethod
    async def tool_calls(self) -> ToolCallsWriter:
        """Open a ``tool_calls`` step."""

    @abstractmethod
    def add_usage(self, prompt_tokens: int = 0, completion_tokens: int = 0) -> None:
        """Count tokens towards the open step's and the run's usage.

        Raises :class:`RunIncomplete` when the run's ``max_prompt_tokens`` or
        ``max_completion_tokens`` would be exceeded; let it propagate.
        """

    # --- conveniences built on the above ------------------------------------------

    @property
    def tool_choice(self) -> ToolChoice:
        return ToolChoice.parse(self.run.tool_choice)

    def function_tools(self) -> dict[str, FunctionDefinition]:
        """The run's function tools by name, in the order declared."""
        return {t.function.name: t.function for t in self.run.tools if isinstance(t, FunctionTool)}

    def has_tool(self, kind: str) -> bool:
        """Whether the run declares a tool of this type (``code_interpreter``, ...)."""
        return any(t.type == kind for t in self.run.tools)

    def last_user_text(self) -> str:
        """The text of the thread's last user message, or ``""``."""
        for message in reversed(self.messages):
            if message.role == "user":
                return message.text
        return ""

    async def function_calls(
        self,
        calls: Sequence[FunctionCallSpec],
        *,
        chunk_size: int = 8,
        pace: Callable[[], Awaitable[None]] | None = None,
    ) -> list[ToolOutput]:
        """Make several function calls in one step and wait for their outputs.

        Arguments stream in ``chunk_size``-character deltas; ``pace`` (if given) is awaited
        before each delta, so an engine can keep its tokens-per-second rate.
        """
        step = await self.tool_calls()
        ids: list[str] = []
        for call in calls:
            call_id = await step.function(call.name)
            ids.append(call_id)
            for start in range(0, len(call.arguments), max(1, chunk_size)):
                if pace is not None:
                    await pace()
                await step.arguments(call_id, call.arguments[start : start + chunk_size])
        outputs = await step.finish()
        return [
            ToolOutput(call_id, call.name, call.arguments, outputs.get(call_id, ""))
            for call_id, call in zip(ids, calls, strict=True)
        ]


class Engine(ABC):
    """Produces the assistant's output for runs. One instance serves every run of an app."""

    name: ClassVar[str] = "engine"
    """Short name for logs and the UI (``demo``, ``chat``)."""

    def default_assistant(self) -> dict[str, Any] | None:
        """A create-assistant body seeded into a new store on its first start, or None."""
        return None

    @abstractmethod
    async def run(self, ctx: RunContext) -> None:
        """Produce one run's output through ``ctx``; see the module docstring for outcomes."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook, empty by default
        """Release what the engine holds (HTTP clients); called when the app shuts down."""


_TOKEN = re.compile(r"\s*\S+|\s+")


def split_tokens(text: str) -> list[str]:
    """Split text into word-sized pieces (each with its leading whitespace); joined, they
    give ``text`` back exactly. The demo engine streams one piece per token."""
    return _TOKEN.findall(text)


def estimate_tokens(text: str) -> int:
    """A rough token count (about four characters a token) for engines without a tokenizer."""
    return (len(text) + 3) // 4
