"""End to end: Assistants runs through the real server app with the chat engine, against the
fake Chat Completions server on loopback (streamed and not)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from threadline.api import iter_sse
from threadline.server.app import create_app
from threadline.server.engines.chat import ChatEngine
from threadline.server.store import Store

from .fake_chat import (
    FakeChat,
    call_args,
    call_start,
    chunk,
    completion,
    error,
    json_reply,
    running_fake_chat,
    stream,
    text_chunks,
    usage_chunk,
)

KEY = "sk-upstream-secret-42"
WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"location": {"type": "string"}}},
    },
}


@pytest.fixture(scope="module")
def _server() -> Iterator[FakeChat]:
    with running_fake_chat() as fake:
        yield fake


@pytest.fixture
def upstream(_server: FakeChat) -> FakeChat:
    _server.reset()
    return _server


@pytest.fixture
async def api(upstream: FakeChat, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the real app (in-process), whose engine is the chat bridge."""
    store = await Store.open(tmp_path / "server.sqlite3")
    app = create_app(
        store, ChatEngine(upstream.base_url, "fake-model", SecretStr(KEY), timeout=5), token=None
    )
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://app/v1") as client:
            yield client
    finally:
        await app.state.server.shutdown()
        await store.close()


async def post(api: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await api.post(path, json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def get(api: httpx.AsyncClient, path: str) -> dict[str, Any]:
    response = await api.get(path)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def events(api: httpx.AsyncClient, path: str, body: dict[str, Any]) -> list[tuple[str, Any]]:
    """POST a streamed request; the (event, data) pairs it sent, data parsed."""
    response = await api.post(path, json=body | {"stream": True})
    assert response.status_code == 200, response.text
    out = []
    for event in iter_sse([response.content]):
        out.append((event.event, None if event.data == "[DONE]" else json.loads(event.data)))
    return out


def tokens(usage: dict[str, Any]) -> dict[str, int]:
    return {k: usage[k] for k in ("prompt_tokens", "completion_tokens", "total_tokens")}


def last(stream_events: list[tuple[str, Any]], name: str) -> Any:
    return [data for event, data in stream_events if event == name][-1]


async def setup_thread(api: httpx.AsyncClient, tools: list[Any]) -> tuple[str, str]:
    assistant = await post(
        api,
        "/assistants",
        {"model": "gpt-4o", "instructions": "You are terse.", "tools": tools},
    )
    thread = await post(
        api, "/threads", {"messages": [{"role": "user", "content": "Weather in Paris?"}]}
    )
    return assistant["id"], thread["id"]


async def message_texts(api: httpx.AsyncClient, thread_id: str) -> list[tuple[str, str, str]]:
    page = await get(api, f"/threads/{thread_id}/messages?order=asc")
    return [
        (m["role"], m["status"], "".join(c["text"]["value"] for c in m["content"]))
        for m in page["data"]
    ]


async def test_streamed_run_completes_with_the_upstream_text(
    api: httpx.AsyncClient, upstream: FakeChat
) -> None:
    upstream.reply(stream(*text_chunks("Sunny", ", 21 ", "degrees."), usage_chunk(17, 5)))
    assistant_id, thread_id = await setup_thread(api, [])

    sent = await events(api, f"/threads/{thread_id}/runs", {"assistant_id": assistant_id})

    names = [name for name, _ in sent]
    assert names[-2:] == ["thread.run.completed", "done"]
    deltas = [
        d["delta"]["content"][0]["text"]["value"] for n, d in sent if n == "thread.message.delta"
    ]
    assert deltas == ["Sunny", ", 21 ", "degrees."]
    run = last(sent, "thread.run.completed")
    assert tokens(run["usage"]) == {"prompt_tokens": 17, "completion_tokens": 5, "total_tokens": 22}
    assert await message_texts(api, thread_id) == [
        ("user", "completed", "Weather in Paris?"),
        ("assistant", "completed", "Sunny, 21 degrees."),
    ]
    (request,) = upstream.received
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.body["messages"] == [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Weather in Paris?"},
    ]


async def test_tool_call_round_trip_through_requires_action(
    api: httpx.AsyncClient, upstream: FakeChat
) -> None:
    upstream.reply(
        stream(
            chunk(tool_calls=[call_start(0, "up_1", "get_weather")]),
            chunk(tool_calls=[call_args(0, '{"location"')]),
            chunk(tool_calls=[call_args(0, ': "Paris"}')]),
            chunk(finish="tool_calls"),
            usage_chunk(30, 8),
        ),
        stream(*text_chunks("It is 21 degrees in Paris."), usage_chunk(45, 7)),
    )
    assistant_id, thread_id = await setup_thread(api, [WEATHER])

    first = await events(
        api, f"/threads/{thread_id}/runs", {"assistant_id": assistant_id, "tool_choice": "required"}
    )

    run = last(first, "thread.run.requires_action")
    assert [name for name, _ in first][-1] == "done"
    (call,) = run["required_action"]["submit_tool_outputs"]["tool_calls"]
    assert call["function"] == {"name": "get_weather", "arguments": '{"location": "Paris"}'}
    assert upstream.received[0].body["tool_choice"] == "required"
    assert upstream.received[0].body["tools"] == [WEATHER]

    second = await events(
        api,
        f"/threads/{thread_id}/runs/{run['id']}/submit_tool_outputs",
        {"tool_outputs": [{"tool_call_id": call["id"], "output": "21C, clear"}]},
    )

    done = last(second, "thread.run.completed")
    assert tokens(done["usage"]) == {
        "prompt_tokens": 75,
        "completion_tokens": 15,
        "total_tokens": 90,
    }
    assert (await message_texts(api, thread_id))[-1] == (
        "assistant",
        "completed",
        "It is 21 degrees in Paris.",
    )
    follow_up = upstream.received[1].body["messages"]
    assert follow_up[-2]["tool_calls"][0]["id"] == "up_1"
    assert follow_up[-1] == {"role": "tool", "tool_call_id": "up_1", "content": "21C, clear"}
    steps = await get(api, f"/threads/{thread_id}/runs/{run['id']}/steps?order=asc")
    assert [s["type"] for s in steps["data"]] == ["tool_calls", "message_creation"]
    assert steps["data"][0]["step_details"]["tool_calls"][0]["function"]["output"] == "21C, clear"


async def wait_terminal(api: httpx.AsyncClient, thread_id: str, run_id: str) -> dict[str, Any]:
    """Poll the run as an SDK's ``create_and_poll`` would, until it is terminal."""
    for _ in range(500):
        run = await get(api, f"/threads/{thread_id}/runs/{run_id}")
        if run["status"] in {"completed", "failed", "cancelled", "incomplete", "expired"}:
            return run
        await asyncio.sleep(0.01)
    raise AssertionError(f"run still {run['status']} after 5 s")


async def test_polled_run_with_a_non_streamed_upstream(
    api: httpx.AsyncClient, upstream: FakeChat
) -> None:
    upstream.reply(json_reply(completion("Clear skies.", usage=(12, 3))))
    assistant_id, thread_id = await setup_thread(api, [])

    run = await post(api, f"/threads/{thread_id}/runs", {"assistant_id": assistant_id})
    assert run["status"] == "queued"
    run = await wait_terminal(api, thread_id, run["id"])

    assert run["status"] == "completed"
    assert tokens(run["usage"]) == {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}
    assert (await message_texts(api, thread_id))[-1] == ("assistant", "completed", "Clear skies.")


async def test_upstream_429_fails_the_run_with_rate_limit_exceeded(
    api: httpx.AsyncClient, upstream: FakeChat
) -> None:
    upstream.reply(error(429, {"error": {"message": "Too many requests, slow down"}}))
    assistant_id, thread_id = await setup_thread(api, [])

    sent = await events(api, f"/threads/{thread_id}/runs", {"assistant_id": assistant_id})

    run = last(sent, "thread.run.failed")
    assert run["last_error"] == {
        "code": "rate_limit_exceeded",
        "message": f"chat upstream {upstream.base_url} answered 429: Too many requests, slow down",
    }
    stored = await get(api, f"/threads/{thread_id}/runs/{run['id']}")
    assert stored["status"] == "failed"
    assert KEY not in json.dumps(sent)


async def test_length_ends_the_run_incomplete(api: httpx.AsyncClient, upstream: FakeChat) -> None:
    upstream.reply(stream(*text_chunks("It is", finish="length"), usage_chunk(10, 2)))
    assistant_id, thread_id = await setup_thread(api, [])

    sent = await events(
        api,
        f"/threads/{thread_id}/runs",
        {"assistant_id": assistant_id, "max_completion_tokens": 300},
    )

    run = last(sent, "thread.run.incomplete")
    assert run["incomplete_details"] == {"reason": "max_completion_tokens"}
    assert upstream.received[0].body["max_completion_tokens"] == 300
    assert (await message_texts(api, thread_id))[-1] == ("assistant", "incomplete", "It is")


async def test_cancelling_a_run_closes_the_upstream_stream(
    api: httpx.AsyncClient, upstream: FakeChat
) -> None:
    upstream.reply(stream(chunk("Let me think", role="assistant"), then="hold"))
    assistant_id, thread_id = await setup_thread(api, [])
    run = await post(api, f"/threads/{thread_id}/runs", {"assistant_id": assistant_id})
    assert await asyncio.to_thread(upstream.holding.wait, 5)

    await post(api, f"/threads/{thread_id}/runs/{run['id']}/cancel", {})
    run = await wait_terminal(api, thread_id, run["id"])

    assert run["status"] == "cancelled"
    assert await asyncio.to_thread(upstream.disconnected.wait, 5)
