"""A recording :class:`RunContext` for engine unit tests: no runner, no store.

Every call the engine makes is appended to ``events`` as a tuple, so a test asserts on the
exact sequence (messages opened and closed, deltas, calls, usage). Tool outputs come from
``outputs`` (function name -> output) when the engine finishes a tool_calls step.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, Literal

from threadline.api import Assistant, Message, Run
from threadline.server.engines import (
    MessageWriter,
    RunContext,
    RunIncomplete,
    SearchResult,
    ToolCallsWriter,
)

Event = tuple[Any, ...]


def make_run(**fields: Any) -> Run:
    base: dict[str, Any] = {
        "id": "run_1",
        "thread_id": "thread_1",
        "assistant_id": "asst_1",
        "status": "in_progress",
        "model": "demo-model",
        "instructions": "Be brief.",
        "tools": [],
    }
    return Run.model_validate(base | fields)


def user(text: str, id: str = "msg_u") -> Message:
    return Message.model_validate(
        {
            "id": id,
            "role": "user",
            "content": [{"type": "text", "text": {"value": text, "annotations": []}}],
        }
    )


def assistant(text: str, id: str = "msg_a") -> Message:
    return Message.model_validate(
        {
            "id": id,
            "role": "assistant",
            "content": [{"type": "text", "text": {"value": text, "annotations": []}}],
        }
    )


def function_tool(name: str, description: str = "", **parameters: Any) -> dict[str, Any]:
    fn: dict[str, Any] = {
        "name": name,
        "parameters": {"type": "object", "properties": parameters},
    }
    if description:
        fn["description"] = description
    return {"type": "function", "function": fn}


class RecordingContext(RunContext):
    def __init__(
        self,
        run: Run,
        messages: Sequence[Message] = (),
        outputs: dict[str, str] | None = None,
    ) -> None:
        self._run = run
        self._messages = list(messages)
        self.outputs = outputs or {}
        self.events: list[Event] = []
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.first_text = asyncio.Event()
        self._ids = 0

    def next_id(self, prefix: str) -> str:
        self._ids += 1
        return f"{prefix}_{self._ids}"

    @property
    def run(self) -> Run:
        return self._run

    @property
    def assistant(self) -> Assistant:
        return Assistant(id="asst_1", model="demo-model")

    @property
    def messages(self) -> Sequence[Message]:
        return self._messages

    @asynccontextmanager
    async def message(self) -> AsyncIterator[MessageWriter]:
        writer = _Message(self, self.next_id("msg"))
        self.events.append(("message", writer.id))
        try:
            yield writer
        except BaseException as exc:
            self.events.append(("message_left_open", writer.id, type(exc).__name__))
            raise
        self.events.append(("message_completed", writer.id))

    async def tool_calls(self) -> ToolCallsWriter:
        step = _Step(self, self.next_id("step"))
        self.events.append(("tool_calls", step.id))
        return step

    def add_usage(self, prompt_tokens: int = 0, completion_tokens: int = 0) -> None:
        self.events.append(("usage", prompt_tokens, completion_tokens))
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens
        limit = self._run.max_completion_tokens
        if limit is not None and self.completion_tokens > limit:
            raise RunIncomplete("max_completion_tokens")

    # --- reading the record ---------------------------------------------------------

    def text(self) -> str:
        return "".join(e[2] for e in self.events if e[0] == "text")

    def kinds(self) -> list[str]:
        return [e[0] for e in self.events]

    def arguments(self, call_id: str) -> str:
        return "".join(e[2] for e in self.events if e[0] == "arguments" and e[1] == call_id)


class _Message(MessageWriter):
    def __init__(self, ctx: RecordingContext, id: str) -> None:
        self.ctx = ctx
        self.id = id

    async def text(self, delta: str) -> None:
        self.ctx.events.append(("text", self.id, delta))
        self.ctx.first_text.set()

    async def annotation(
        self,
        text: str,
        file_id: str,
        *,
        kind: Literal["file_citation", "file_path"] = "file_citation",
        quote: str | None = None,
    ) -> None:
        raise AssertionError("the chat engine makes no annotations")


class _Step(ToolCallsWriter):
    def __init__(self, ctx: RecordingContext, id: str) -> None:
        self.ctx = ctx
        self.id = id
        self.calls: dict[str, str] = {}

    async def function(self, name: str, arguments: str = "") -> str:
        call_id = self.ctx.next_id("call")
        self.calls[call_id] = name
        self.ctx.events.append(("function", call_id, name))
        if arguments:
            self.ctx.events.append(("arguments", call_id, arguments))
        return call_id

    async def arguments(self, call_id: str, delta: str) -> None:
        assert call_id in self.calls
        self.ctx.events.append(("arguments", call_id, delta))

    async def finish(self) -> dict[str, str]:
        self.ctx.events.append(("requires_action", self.id))
        return {call_id: self.ctx.outputs[name] for call_id, name in self.calls.items()}

    async def code_interpreter(self, input: str = "") -> str:
        raise AssertionError("not used by the chat engine")

    async def code_input(self, call_id: str, delta: str) -> None:
        raise AssertionError("not used by the chat engine")

    async def code_logs(self, call_id: str, logs: str) -> None:
        raise AssertionError("not used by the chat engine")

    async def file_search(
        self, results: Sequence[SearchResult], *, ranker: str = "default_2024_08_21"
    ) -> str:
        raise AssertionError("not used by the chat engine")
