"""What an engine sees through RunContext, and how the runner ends a run from what the
engine does. Engines here are small test doubles driven step by step."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from threadline.server.app import create_app
from threadline.server.engines.base import (
    Engine,
    EngineError,
    FunctionCallSpec,
    RunContext,
    ToolChoice,
    ToolOutput,
)
from threadline.server.store import Store

from .conftest import client_for
from .support import names, of, read_stream, wait_status

Script = Callable[[RunContext], Awaitable[None]]


class Scripted(Engine):
    """Runs whatever script the test sets; keeps every context it got."""

    name = "scripted"

    def __init__(self) -> None:
        self.script: Script | None = None
        self.contexts: list[RunContext] = []

    async def run(self, ctx: RunContext) -> None:
        self.contexts.append(ctx)
        assert self.script is not None
        await self.script(ctx)


@pytest.fixture
def scripted() -> Scripted:
    return Scripted()


@pytest.fixture
async def env(
    store: Store, scripted: Scripted
) -> AsyncIterator[tuple[httpx.AsyncClient, Starlette, str]]:
    app = create_app(store, scripted, token=None)
    async with client_for(app) as http:
        assistant = (
            await http.post(
                "/assistants",
                json={
                    "model": "base-model",
                    "instructions": "Be brief.",
                    "temperature": 0.5,
                    "tools": [{"type": "function", "function": {"name": "lookup"}}],
                },
            )
        ).json()
        yield http, app, assistant["id"]
    await app.state.server.shutdown()


async def say(ctx: RunContext) -> None:
    async with ctx.message() as message:
        await message.text("ok")


async def test_the_context_carries_the_effective_parameters(
    env: tuple[httpx.AsyncClient, Starlette, str], scripted: Scripted
) -> None:
    http, _, assistant_id = env
    scripted.script = say
    thread = (
        await http.post(
            "/threads",
            json={"messages": [{"role": "user", "content": f"m{i}"} for i in range(4)]},
        )
    ).json()
    events = await read_stream(
        http,
        "POST",
        f"/threads/{thread['id']}/runs",
        {
            "assistant_id": assistant_id,
            "additional_instructions": "Use French.",
            "additional_messages": [{"role": "user", "content": "extra"}],
            "truncation_strategy": {"type": "last_messages", "last_messages": 3},
            "tool_choice": {"type": "function", "function": {"name": "lookup"}},
            "top_p": 0.9,
            "metadata": {"k": "v"},
        },
    )
    assert of(events, "thread.run.completed")
    (ctx,) = scripted.contexts
    assert ctx.run.instructions == "Be brief.\n\nUse French."
    assert ctx.run.model == "base-model"
    assert ctx.run.temperature == 0.5 and ctx.run.top_p == 0.9
    assert ctx.run.metadata == {"k": "v"}
    assert ctx.tool_choice == ToolChoice("function", "lookup")
    assert list(ctx.function_tools()) == ["lookup"]
    assert ctx.assistant.id == assistant_id
    assert [m.text for m in ctx.messages] == ["m2", "m3", "extra"]
    assert ctx.last_user_text() == "extra"
    listed = (await http.get(f"/threads/{thread['id']}/messages")).json()["data"]
    assert [m["content"][0]["text"]["value"] for m in listed][:2] == ["ok", "extra"]


async def test_instruction_and_tool_overrides(
    env: tuple[httpx.AsyncClient, Starlette, str], scripted: Scripted
) -> None:
    http, _, assistant_id = env
    scripted.script = say
    await read_stream(
        http,
        "POST",
        "/threads/runs",
        {
            "assistant_id": assistant_id,
            "instructions": "Override.",
            "model": "other",
            "tools": [{"type": "code_interpreter"}],
            "thread": {"messages": [{"role": "user", "content": "hi"}]},
        },
    )
    (ctx,) = scripted.contexts
    assert ctx.run.instructions == "Override." and ctx.run.model == "other"
    assert ctx.has_tool("code_interpreter") and not ctx.function_tools()
    assert ctx.tool_choice == ToolChoice("auto")


async def test_max_prompt_tokens_drops_the_oldest_messages(
    env: tuple[httpx.AsyncClient, Starlette, str], scripted: Scripted
) -> None:
    http, _, assistant_id = env
    scripted.script = say
    long = "x" * 800  # about 200 tokens each
    await read_stream(
        http,
        "POST",
        "/threads/runs",
        {
            "assistant_id": assistant_id,
            "max_prompt_tokens": 500,
            "thread": {"messages": [{"role": "user", "content": f"{i}{long}"} for i in range(5)]},
        },
    )
    (ctx,) = scripted.contexts
    assert [m.text[0] for m in ctx.messages] == ["3", "4"]


async def test_messages_read_while_streaming_are_live(
    env: tuple[httpx.AsyncClient, Starlette, str], scripted: Scripted
) -> None:
    http, app, assistant_id = env
    halfway = asyncio.Event()
    resume = asyncio.Event()

    async def script(ctx: RunContext) -> None:
        async with ctx.message() as message:
            await message.text("Hello, ")
            await message.text("wor")
            halfway.set()
            await resume.wait()
            await message.text("ld")

    scripted.script = script
    thread = (await http.post("/threads", json={})).json()
    run = (
        await http.post(f"/threads/{thread['id']}/runs", json={"assistant_id": assistant_id})
    ).json()
    await halfway.wait()
    (message,) = (
        await http.get(f"/threads/{thread['id']}/messages", params={"run_id": run["id"]})
    ).json()["data"]
    assert message["status"] == "in_progress"
    assert message["content"][0]["text"]["value"] == "Hello, wor"
    single = (await http.get(f"/threads/{thread['id']}/messages/{message['id']}")).json()
    assert single == message
    (step,) = (await http.get(f"/threads/{thread['id']}/runs/{run['id']}/steps")).json()["data"]
    assert step["status"] == "in_progress"
    assert (await http.get(f"/threads/{thread['id']}/runs/{run['id']}")).json()[
        "status"
    ] == "in_progress"
    resume.set()
    await wait_status(app, run["id"], "completed")
    done = (await http.get(f"/threads/{thread['id']}/messages/{message['id']}")).json()
    assert done["content"][0]["text"]["value"] == "Hello, world"
    assert done["status"] == "completed"


async def test_a_long_message_is_not_written_per_token(
    env: tuple[httpx.AsyncClient, Starlette, str],
    scripted: Scripted,
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    http, _, assistant_id = env

    async def script(ctx: RunContext) -> None:
        async with ctx.message() as message:
            for i in range(2000):
                await message.text(f" {i}")

    scripted.script = script
    writes: list[str] = []
    put_many = store.put_many

    def counting(objects: Any) -> Any:
        objects = list(objects)
        writes.extend(kind for kind, _ in objects)
        return put_many(objects)

    monkeypatch.setattr(store, "put_many", counting)
    events = await read_stream(
        http,
        "POST",
        "/threads/runs",
        {"assistant_id": assistant_id, "thread": {}},
        validate=False,
    )
    assert len(of(events, "thread.message.delta")) == 2000
    # run: created, in_progress, completed; step: created, completed; message: same.
    assert sorted(writes) == ["message", "message", "run", "run", "run", "step", "step", "thread"]


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (EngineError("rate_limit_exceeded", "upstream said 429"), "rate_limit_exceeded"),
        (EngineError("invalid_prompt", "bad prompt"), "invalid_prompt"),
        (RuntimeError("surprise"), "server_error"),
    ],
)
async def test_engine_errors_fail_the_run_and_close_what_is_open(
    env: tuple[httpx.AsyncClient, Starlette, str],
    scripted: Scripted,
    error: Exception,
    code: str,
) -> None:
    http, _, assistant_id = env

    async def script(ctx: RunContext) -> None:
        async with ctx.message() as message:
            await message.text("partial")
            raise error

    scripted.script = script
    events = await read_stream(
        http, "POST", "/threads/runs", {"assistant_id": assistant_id, "thread": {}}
    )
    assert names(events)[-4:] == [
        "thread.message.incomplete",
        "thread.run.step.failed",
        "thread.run.failed",
        "done",
    ]
    run = of(events, "thread.run.failed")[0]
    assert run["last_error"]["code"] == code
    (step,) = of(events, "thread.run.step.failed")
    assert step["last_error"]["code"] in {"server_error", "rate_limit_exceeded"}
    (message,) = of(events, "thread.message.incomplete")
    assert message["incomplete_details"] == {"reason": "run_failed"}
    assert message["content"][0]["text"]["value"] == "partial"


async def test_function_calls_return_the_submitted_outputs_to_the_engine(
    env: tuple[httpx.AsyncClient, Starlette, str], scripted: Scripted
) -> None:
    http, _, assistant_id = env
    got: list[ToolOutput] = []

    async def script(ctx: RunContext) -> None:
        got.extend(
            await ctx.function_calls(
                [FunctionCallSpec("lookup", '{"q": "a"}'), FunctionCallSpec("lookup", "{}")],
                chunk_size=3,
            )
        )
        ctx.add_usage(prompt_tokens=10, completion_tokens=2)
        async with ctx.message() as message:
            await message.text(" & ".join(o.output for o in got))

    scripted.script = script
    first = await read_stream(
        http, "POST", "/threads/runs", {"assistant_id": assistant_id, "thread": {}}
    )
    run = of(first, "thread.run.requires_action")[0]
    calls = run["required_action"]["submit_tool_outputs"]["tool_calls"]
    assert [c["function"]["arguments"] for c in calls] == ['{"q": "a"}', "{}"]
    second = await read_stream(
        http,
        "POST",
        f"/threads/{run['thread_id']}/runs/{run['id']}/submit_tool_outputs",
        {
            "tool_outputs": [
                {"tool_call_id": calls[1]["id"], "output": "two"},
                {"tool_call_id": calls[0]["id"], "output": "one"},
            ]
        },
    )
    assert [o.output for o in got] == ["one", "two"]
    assert [o.call_id for o in got] == [c["id"] for c in calls]
    assert of(second, "thread.message.completed")[0]["content"][0]["text"]["value"] == "one & two"
    usage = of(second, "thread.run.completed")[0]["usage"]
    assert usage["prompt_tokens"] == 10 and usage["completion_tokens"] == 2
