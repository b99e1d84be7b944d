"""The runner's side of the engine interface: :class:`RunContext` over a :class:`RunSession`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Literal

from threadline.api import Assistant, Message, Run

from .engines.base import (
    MessageWriter,
    RunContext,
    RunIncomplete,
    SearchResult,
    ToolCallsWriter,
)
from .ids import new_id
from .session import LiveMessage, RunSession


class _Message(MessageWriter):
    def __init__(self, session: RunSession, message: LiveMessage) -> None:
        self._session = session
        self._message = message
        self.id = message.id

    async def text(self, delta: str) -> None:
        self._session.text_delta(self._message, delta)

    async def annotation(
        self,
        text: str,
        file_id: str,
        *,
        kind: Literal["file_citation", "file_path"] = "file_citation",
        quote: str | None = None,
    ) -> None:
        self._session.annotation_delta(self._message, text, kind, file_id, quote)


class _ToolCalls(ToolCallsWriter):
    """Tool calls live in the step's ``step_details``; long strings are built from parts
    and joined when someone reads the step, so a delta costs the same however long."""

    def __init__(self, session: RunSession, step: dict[str, Any]) -> None:
        self._session = session
        self._step = step
        self.id = step["id"]
        self._calls: list[dict[str, Any]] = step["step_details"]["tool_calls"]
        self._index: dict[str, int] = {}
        self._parts: dict[str, list[str]] = {}  # call id -> pieces of arguments / input
        self._finished = False
        session.refreshers[step["id"]] = self._materialize

    def _add(self, call: dict[str, Any], delta: dict[str, Any], initial: str) -> str:
        if self._finished:
            raise RuntimeError("this tool_calls step is finished")
        index = len(self._calls)
        self._calls.append(call)
        self._index[call["id"]] = index
        self._parts[call["id"]] = [initial] if initial else []
        self._session.step_delta(self._step, {"index": index, **delta})
        return str(call["id"])

    def _append(self, call_id: str, kind: str, field: str, delta: str) -> None:
        index = self._index[call_id]
        if self._calls[index]["type"] != kind:
            raise ValueError(f"{call_id} is not a {kind} call")
        self._parts[call_id].append(delta)
        self._session.step_delta(self._step, {"index": index, "type": kind, kind: {field: delta}})

    def _materialize(self) -> None:
        for call_id, parts in self._parts.items():
            call = self._calls[self._index[call_id]]
            joined = "".join(parts)
            self._parts[call_id] = [joined] if joined else []
            if call["type"] == "function":
                call["function"]["arguments"] = joined
            elif call["type"] == "code_interpreter":
                call["code_interpreter"]["input"] = joined

    async def function(self, name: str, arguments: str = "") -> str:
        call_id = new_id("call_")
        function = {"name": name, "arguments": arguments, "output": None}
        call = {"id": call_id, "type": "function", "function": dict(function)}
        return self._add(call, {"id": call_id, "type": "function", "function": function}, arguments)

    async def arguments(self, call_id: str, delta: str) -> None:
        self._append(call_id, "function", "arguments", delta)

    async def code_interpreter(self, input: str = "") -> str:
        call_id = new_id("call_")
        body = {"input": input, "outputs": []}
        call = {"id": call_id, "type": "code_interpreter", "code_interpreter": body}
        delta = {"id": call_id, "type": "code_interpreter", "code_interpreter": dict(body)}
        return self._add(call, delta, input)

    async def code_input(self, call_id: str, delta: str) -> None:
        self._append(call_id, "code_interpreter", "input", delta)

    async def code_logs(self, call_id: str, logs: str) -> None:
        index = self._index[call_id]
        outputs = self._calls[index]["code_interpreter"]["outputs"]
        outputs.append({"type": "logs", "logs": logs})
        self._session.step_delta(
            self._step,
            {
                "index": index,
                "type": "code_interpreter",
                "code_interpreter": {
                    "outputs": [{"index": len(outputs) - 1, "type": "logs", "logs": logs}]
                },
            },
        )

    async def file_search(
        self, results: Sequence[SearchResult], *, ranker: str = "default_2024_08_21"
    ) -> str:
        call_id = new_id("call_")
        options = {"ranker": ranker, "score_threshold": 0.0}
        found = [
            {
                "file_id": r.file_id,
                "file_name": r.file_name,
                "score": r.score,
                "content": [{"type": "text", "text": r.text}],
            }
            for r in results
        ]
        call = {
            "id": call_id,
            "type": "file_search",
            "file_search": {"ranking_options": options, "results": found},
        }
        # The API streams the call with empty results; the completed step carries them.
        delta = {
            "id": call_id,
            "type": "file_search",
            "file_search": {"ranking_options": dict(options), "results": []},
        }
        return self._add(call, delta, "")

    async def finish(self) -> dict[str, str]:
        if self._finished:
            raise RuntimeError("this tool_calls step is already finished")
        self._finished = True
        self._materialize()
        self._session.refreshers.pop(self.id, None)
        session = self._session
        functions = [c for c in self._calls if c["type"] == "function"]
        if not functions:
            session.close_step(self._step, "completed")
            return {}
        future = session.require_action(
            self._step,
            [
                {
                    "id": c["id"],
                    "type": "function",
                    "function": {
                        "name": c["function"]["name"],
                        "arguments": c["function"]["arguments"],
                    },
                }
                for c in functions
            ],
        )
        outputs = await _wait_or_expire(session, future)
        session.set_status("in_progress", started_at=session.now())
        return outputs


async def _wait_or_expire(
    session: RunSession, future: asyncio.Future[dict[str, str]]
) -> dict[str, str]:
    """The submitted outputs, or a cancellation when the run's ``expires_at`` passes."""
    clock = session.clock
    timer: asyncio.Future[Any] = asyncio.ensure_future(
        clock.sleep(session.run["expires_at"] - clock.now())
    )
    waiting: set[asyncio.Future[Any]] = {future, timer}
    try:
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
    finally:
        timer.cancel()
    if not future.done():
        session.stop_reason = "expire"
        raise asyncio.CancelledError
    return future.result()


class EngineContext(RunContext):
    def __init__(
        self,
        session: RunSession,
        *,
        run: Run,
        assistant: Assistant,
        messages: Sequence[Message],
    ) -> None:
        self._session = session
        self._run = run
        self._assistant = assistant
        self._messages = tuple(messages)

    @property
    def run(self) -> Run:
        return self._run

    @property
    def assistant(self) -> Assistant:
        return self._assistant

    @property
    def messages(self) -> Sequence[Message]:
        return self._messages

    def message(self) -> AbstractAsyncContextManager[MessageWriter]:
        return self._open_message()

    @asynccontextmanager
    async def _open_message(self) -> AsyncIterator[MessageWriter]:
        live, step = self._session.open_message()
        yield _Message(self._session, live)
        # Only on a normal exit: after an exception the runner closes both to match.
        self._session.close_message(live, "completed")
        self._session.close_step(step, "completed")

    async def tool_calls(self) -> ToolCallsWriter:
        step = self._session.open_step({"type": "tool_calls", "tool_calls": []})
        return _ToolCalls(self._session, step)

    def add_usage(self, prompt_tokens: int = 0, completion_tokens: int = 0) -> None:
        session = self._session
        limit = session.run.get("max_prompt_tokens")
        if limit is not None and session.prompt_tokens + prompt_tokens > limit:
            raise RunIncomplete("max_prompt_tokens")
        limit = session.run.get("max_completion_tokens")
        if limit is not None and session.completion_tokens + completion_tokens > limit:
            raise RunIncomplete("max_completion_tokens")
        session.count(prompt_tokens, completion_tokens)
