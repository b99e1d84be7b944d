"""The demo engine: deterministic, offline, and shaped like a real model's runs.

What a user message does (case does not matter; the first rule that applies wins for
"fail" and "stream N tokens", the tool rules combine):

- "fail": the run fails with ``last_error`` ``server_error``.
- "stream N tokens" (or "stream N tokens of code"): a reply of exactly N tokens of mixed
  markdown (or one code fence) whose last line is ``-- end of N tokens --``.
- naming a function tool of the run (``get_weather``, or "weather" while a ``*weather*``
  function exists): one ``tool_calls`` step calling every named function in parallel (one
  step each when ``parallel_tool_calls`` is false), with arguments built from each
  function's JSON schema and the message; the run waits in ``requires_action``, and the
  reply quotes each output. With "bad json" in the message too, every call's arguments
  break off before their closing brace (not valid JSON), as a truncated model output does.
- "code" with a code_interpreter tool: a code_interpreter step with streamed ``input``
  (Python over the numbers in the message) and a ``logs`` output.
- "search" with a file_search tool: a file_search step with results, and a
  ``file_citation`` annotation in the reply.
- anything else: a markdown reply that quotes the message in a block quote, then a short
  list and a fenced code block.

``tool_choice`` is honoured: ``none`` calls nothing, ``required`` calls the first tool
when the message names none, a named tool is the one called. Every delta is one token,
paced at ``speed`` tokens per second (0: as fast as possible); usage counts them.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from .base import (
    Engine,
    EngineError,
    FunctionCallSpec,
    MessageWriter,
    RunContext,
    SearchResult,
    ToolOutput,
    estimate_tokens,
    split_tokens,
)
from .demo_args import arguments_for, functions_named
from .demo_text import SHOWCASE, benchmark_tokens, code_for, footer, intro, tool_results

DEFAULT_SPEED = 60.0
MAX_BENCHMARK_TOKENS = 1_000_000

_FAIL = re.compile(r"\bfail\b", re.I)
_BAD_JSON = re.compile(r"\bbad json\b", re.I)
_STREAM = re.compile(r"\bstream\s+(\d+)\s+tokens?(\s+of\s+code)?\b", re.I)
_NUMBERS = re.compile(r"-?\d+")

DEMO_ASSISTANT: dict[str, Any] = {
    "model": "demo-model",
    "name": "Threadline Demo",
    "description": "The offline demo engine: scripted, deterministic replies.",
    "instructions": "You are Threadline's demo assistant.",
    "tools": [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "description": "Get the current weather for a location.",
                "parameters": {
                    "type": "object",
                    "properties": {
                        "location": {"type": "string", "description": "A city, e.g. Paris"},
                        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                    },
                    "required": ["location"],
                },
            },
        },
        {"type": "code_interpreter"},
        {"type": "file_search"},
    ],
    "metadata": {"threadline": "demo"},
}

DEMO_FILES = (
    SearchResult(
        file_id="file-threadlinedemo0000000001",
        file_name="threadline-guide.md",
        score=0.82,
        text="Threadline streams every run event live and keeps each run one keypress "
        "away in the inspector.",
    ),
    SearchResult(
        file_id="file-threadlinedemo0000000002",
        file_name="release-notes.md",
        score=0.61,
        text="The embedded server speaks the Assistants v2 protocol, offline.",
    ),
)


class Pacer:
    """Awaited before each token: keeps ``speed`` tokens/s (0: only yields now and then)."""

    def __init__(self, speed: float) -> None:
        self.interval = 1.0 / speed if speed > 0 else 0.0
        self.reset()

    def reset(self) -> None:
        self.start: float | None = None
        self.count = 0

    async def __call__(self) -> None:
        self.count += 1
        if self.interval == 0.0:
            if self.count % 16 == 0:  # let other runs and the streams have the loop
                await asyncio.sleep(0)
            return
        loop = asyncio.get_running_loop()
        if self.start is None:
            self.start = loop.time()
        delay = self.start + self.count * self.interval - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        elif self.count % 16 == 0:
            await asyncio.sleep(0)


class DemoEngine(Engine):
    name = "demo"

    def __init__(self, speed: float = DEFAULT_SPEED) -> None:
        self.speed = speed

    def default_assistant(self) -> dict[str, Any]:
        return DEMO_ASSISTANT

    async def run(self, ctx: RunContext) -> None:
        await _DemoRun(ctx, Pacer(self.speed)).run()


class _DemoRun:
    def __init__(self, ctx: RunContext, pace: Pacer) -> None:
        self.ctx = ctx
        self.pace = pace
        self.text = ctx.last_user_text()
        last = ctx.messages[-1] if ctx.messages else None
        self.answering_user = last is not None and last.role == "user"
        prompt = (ctx.run.instructions or "") + "".join(m.text for m in ctx.messages)
        self.prompt_tokens = estimate_tokens(prompt)

    async def run(self) -> None:
        ctx = self.ctx
        if _FAIL.search(self.text):
            raise EngineError("server_error", 'The demo engine was asked to "fail".')
        stream = _STREAM.search(self.text)
        if stream:
            count = min(int(stream.group(1)), MAX_BENCHMARK_TOKENS)
            async with ctx.message() as message:
                ctx.add_usage(prompt_tokens=self.prompt_tokens)
                for token in benchmark_tokens(count, code=bool(stream.group(2))):
                    await self._token(message, token)
            return
        results = await self._functions()
        logs = await self._code()
        cited = await self._search()
        await self._reply(results, logs, cited)

    async def _token(self, message: MessageWriter, token: str) -> None:
        await self.pace()
        self.ctx.add_usage(completion_tokens=1)
        await message.text(token)

    # --- tools ------------------------------------------------------------------------

    def _wants(self, kind: str, word: str) -> bool:
        ctx = self.ctx
        choice = ctx.tool_choice
        if not ctx.has_tool(kind) or choice.mode == "none" or not self.answering_user:
            return False
        if choice.mode == kind:
            return True
        if choice.mode == "required" and not ctx.function_tools() and kind == "code_interpreter":
            return True
        return re.search(rf"\b{word}\b", self.text, re.I) is not None

    async def _functions(self) -> list[ToolOutput]:
        ctx = self.ctx
        choice = ctx.tool_choice
        functions = ctx.function_tools()
        if choice.mode == "none" or not functions or not self.answering_user:
            return []
        if choice.mode == "function":
            names = [choice.function] if choice.function in functions else []
        elif choice.mode in ("code_interpreter", "file_search"):
            names = []
        else:
            names = functions_named(self.text, functions)
            if not names and choice.mode == "required":
                names = [next(iter(functions))]
        calls = [FunctionCallSpec(n, arguments_for(functions[n], self.text)) for n in names]
        if _BAD_JSON.search(self.text):
            calls = [FunctionCallSpec(c.name, c.arguments[:-1]) for c in calls]
        if not calls:
            return []
        batches = [calls] if ctx.run.parallel_tool_calls is not False else [[c] for c in calls]
        results: list[ToolOutput] = []
        for batch in batches:
            results.extend(await self._call(batch))
        return results

    async def _call(self, calls: list[FunctionCallSpec]) -> list[ToolOutput]:
        ctx = self.ctx

        async def pace() -> None:
            await self.pace()
            ctx.add_usage(completion_tokens=1)

        step = await ctx.tool_calls()
        ctx.add_usage(prompt_tokens=self.prompt_tokens)
        ids = []
        for call in calls:
            call_id = await step.function(call.name)
            ids.append(call_id)
            for chunk in split_tokens(call.arguments):
                await pace()
                await step.arguments(call_id, chunk)
        outputs = await step.finish()
        self.pace.reset()  # the wait for outputs is not time to catch up on
        return [
            ToolOutput(call_id, call.name, call.arguments, outputs.get(call_id, ""))
            for call_id, call in zip(ids, calls, strict=True)
        ]

    async def _code(self) -> str | None:
        if not self._wants("code_interpreter", "code"):
            return None
        numbers = [int(n) for n in _NUMBERS.findall(self.text)][:20] or [3, 1, 4, 1, 5, 9, 2, 6]
        code, logs = code_for(numbers)
        ctx = self.ctx
        step = await ctx.tool_calls()
        ctx.add_usage(prompt_tokens=self.prompt_tokens)
        call_id = await step.code_interpreter()
        for chunk in split_tokens(code):
            await self.pace()
            ctx.add_usage(completion_tokens=1)
            await step.code_input(call_id, chunk)
        await step.code_logs(call_id, logs)
        await step.finish()
        return logs

    async def _search(self) -> SearchResult | None:
        if not self._wants("file_search", "search"):
            return None
        ctx = self.ctx
        step = await ctx.tool_calls()
        ctx.add_usage(prompt_tokens=self.prompt_tokens)
        await self.pace()
        await step.file_search(DEMO_FILES)
        await step.finish()
        return DEMO_FILES[0]

    # --- the reply --------------------------------------------------------------------

    async def _reply(
        self, results: list[ToolOutput], logs: str | None, cited: SearchResult | None
    ) -> None:
        ctx = self.ctx
        async with ctx.message() as message:
            ctx.add_usage(prompt_tokens=self.prompt_tokens)
            await self._say(message, intro(self.text))
            if results:
                await self._say(
                    message, tool_results([(r.name, r.arguments, r.output) for r in results])
                )
            if logs is not None:
                await self._say(message, f"I ran the code; it printed:\n\n```\n{logs}```\n\n")
            if cited is not None:
                await self._say(message, f"From {cited.file_name}: {cited.text}")
                await self.pace()
                ctx.add_usage(completion_tokens=1)
                await message.annotation("【4:0†" + cited.file_name + "】", cited.file_id)
                await self._say(message, "\n\n")
            await self._say(message, SHOWCASE)
            await self._say(message, footer(ctx.run.model))

    async def _say(self, message: MessageWriter, text: str) -> None:
        for token in split_tokens(text):
            await self._token(message, token)
