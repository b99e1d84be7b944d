"""Streamed runs: the recorded event order and payloads, the reducer agreeing with the
stored objects, and many concurrent streams that never mix."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from threadline.api import MESSAGE_EVENTS, STEP_EVENTS, iter_sse

from .spec import assert_valid_event
from .support import Event, names, of, read_stream, replay, text_of, wait_status

WEATHER = "What's the weather in Paris?"


def recorded(name: str) -> list[str]:
    from tests.conftest import CONFORMANCE

    raw = (CONFORMANCE / "streams" / name).read_bytes()
    return [sse.event for sse in iter_sse([raw])]


def squeeze(events: list[str]) -> list[str]:
    """Event names with runs of deltas collapsed to one, to compare shapes."""
    out: list[str] = []
    for event in events:
        if not (out and event == out[-1] and event.endswith(".delta")):
            out.append(event)
    return out


async def tool_call_run(http: httpx.AsyncClient, assistant_id: str) -> tuple[list[Event], str]:
    events = await read_stream(
        http,
        "POST",
        "/threads/runs",
        {
            "assistant_id": assistant_id,
            "thread": {"messages": [{"role": "user", "content": WEATHER}]},
        },
    )
    return events, events[0][1]["id"]


async def test_create_thread_and_run_streams_like_the_recording(
    http: httpx.AsyncClient, assistant_id: str
) -> None:
    events, _ = await tool_call_run(http, assistant_id)
    assert squeeze(names(events)) == squeeze(recorded("openai-dotnet-StreamingToolCall-1.sse"))
    step_deltas = of(events, "thread.run.step.delta")
    first = step_deltas[0]["delta"]["step_details"]["tool_calls"][0]
    assert first["index"] == 0 and first["type"] == "function"
    assert first["id"].startswith("call_")
    assert first["function"] == {"name": "get_weather", "arguments": "", "output": None}
    arguments = "".join(
        d["delta"]["step_details"]["tool_calls"][0]["function"]["arguments"]
        for d in step_deltas[1:]
    )
    assert json.loads(arguments) == {"location": "Paris"}
    (run,) = of(events, "thread.run.requires_action")
    (call,) = run["required_action"]["submit_tool_outputs"]["tool_calls"]
    assert call == {
        "id": first["id"],
        "type": "function",
        "function": {"name": "get_weather", "arguments": arguments},
    }
    assert events[-1] == ("done", "[DONE]")


async def test_submit_stream_starts_with_the_step_and_ends_completed(
    http: httpx.AsyncClient, assistant_id: str
) -> None:
    first, thread_id = await tool_call_run(http, assistant_id)
    run = of(first, "thread.run.requires_action")[0]
    call = run["required_action"]["submit_tool_outputs"]["tool_calls"][0]
    second = await read_stream(
        http,
        "POST",
        f"/threads/{thread_id}/runs/{run['id']}/submit_tool_outputs",
        {"tool_outputs": [{"tool_call_id": call["id"], "output": "warm and sunny"}]},
    )
    expected = squeeze(recorded("openai-dotnet-StreamingToolCall-2.sse"))
    assert squeeze(names(second)) == expected
    step = second[0][1]
    assert step["status"] == "completed"
    assert step["step_details"]["tool_calls"][0]["function"]["output"] == "warm and sunny"
    assert step["usage"]["total_tokens"] > 0
    queued = of(second, "thread.run.queued")[0]
    assert queued["required_action"] is None and queued["started_at"] is not None
    deltas = of(second, "thread.message.delta")
    assert deltas[0]["delta"]["content"][0]["text"]["annotations"] == []
    assert all("annotations" not in d["delta"]["content"][0]["text"] for d in deltas[1:])
    assert all(d["delta"]["content"][0]["index"] == 0 for d in deltas)
    completed = of(second, "thread.run.completed")[0]
    assert completed["usage"]["total_tokens"] == (
        completed["usage"]["prompt_tokens"] + completed["usage"]["completion_tokens"]
    )
    assert completed["expires_at"] is None and completed["completed_at"] is not None

    # The reducer, fed both streams, ends where the server's stored objects are.
    state = replay(first, second)
    stored_run = (await http.get(f"/threads/{thread_id}/runs/{run['id']}")).json()
    assert state.run_dict(run["id"]) == stored_run
    steps = (await http.get(f"/threads/{thread_id}/runs/{run['id']}/steps")).json()["data"]
    assert len(steps) == 2
    for step in steps:
        assert state.step_dict(step["id"]) == step
    messages = await http.get(f"/threads/{thread_id}/messages", params={"run_id": run["id"]})
    (message,) = messages.json()["data"]
    assert state.message_dict(message["id"]) == message
    assert state.thread == (await http.get(f"/threads/{thread_id}")).json()


async def test_deltas_alone_rebuild_the_stored_message(
    http: httpx.AsyncClient, assistant_id: str
) -> None:
    """Final events replace what deltas built; without them the deltas must still add up."""
    thread = (await http.post("/threads", json={})).json()
    await http.post(
        f"/threads/{thread['id']}/messages",
        json={"role": "user", "content": "Please search the docs"},
    )
    events = await read_stream(
        http, "POST", f"/threads/{thread['id']}/runs", {"assistant_id": assistant_id}
    )
    assert squeeze(names(events)) == squeeze(
        recorded("openai-dotnet-FileSearchStreamingWorks-1.sse")
    )
    finals = {"thread.message.completed", "thread.run.step.completed", "thread.run.completed"}
    state = replay([e for e in events if e[0] not in finals])
    message = of(events, "thread.message.completed")[0]
    rebuilt = state.message_dict(message["id"])
    stored = (await http.get(f"/threads/{thread['id']}/messages/{message['id']}")).json()
    assert text_of(rebuilt) == text_of(stored)
    annotation = stored["content"][0]["text"]["annotations"][0]
    assert annotation["type"] == "file_citation"
    text = text_of(stored)
    assert text[annotation["start_index"] : annotation["end_index"]] == annotation["text"]
    rebuilt_annotation = rebuilt["content"][0]["text"]["annotations"][0]
    assert {k: rebuilt_annotation[k] for k in annotation} == annotation


async def test_a_plain_run_streams_like_the_recording(
    http: httpx.AsyncClient, assistant_id: str
) -> None:
    thread = (await http.post("/threads", json={})).json()
    await http.post(
        f"/threads/{thread['id']}/messages", json={"role": "user", "content": "Hello there"}
    )
    events = await read_stream(
        http, "POST", f"/threads/{thread['id']}/runs", {"assistant_id": assistant_id}
    )
    assert squeeze(names(events)) == squeeze(recorded("openai-dotnet-StreamingRunWorks-1.sse"))
    state = replay(events)
    for message in (await http.get(f"/threads/{thread['id']}/messages")).json()["data"]:
        if message["role"] == "assistant":
            assert state.message_dict(message["id"]) == message


async def test_twenty_concurrent_streams_never_mix(app: Any, assistant_id: str) -> None:
    from .conftest import client_for

    async def one(client: httpx.AsyncClient, n: int) -> tuple[str, list[Event]]:
        thread = (await client.post("/threads", json={})).json()
        await client.post(
            f"/threads/{thread['id']}/messages",
            json={"role": "user", "content": f"stream {50 + n} tokens"},
        )
        events = await read_stream(
            client,
            "POST",
            f"/threads/{thread['id']}/runs",
            {"assistant_id": assistant_id},
            validate=False,
        )
        return thread["id"], events

    async with client_for(app) as client:
        results = await asyncio.gather(*(one(client, n) for n in range(20)))
    for n, (thread_id, events) in enumerate(results):
        run = events[0][1]
        assert events[-2][0] == "thread.run.completed"
        assert events[-1] == ("done", "[DONE]")
        own = {run["id"]}
        for name, data in events[:-1]:
            if name in MESSAGE_EVENTS or name in STEP_EVENTS or name.startswith("thread.run."):
                if "thread_id" in data:
                    assert data["thread_id"] == thread_id
                if "run_id" in data:
                    assert data["run_id"] == run["id"]
                own.add(data["id"])
            else:
                assert data["id"] in own, f"{name} {data['id']} is not from this run"
        text = "".join(
            d["delta"]["content"][0]["text"]["value"] for d in of(events, "thread.message.delta")
        )
        assert len(of(events, "thread.message.delta")) == 50 + n
        assert text.endswith(f"-- end of {50 + n} tokens --")
    for name, data in results[0][1]:  # one stream checked in full against the spec
        assert_valid_event(name, data)


async def test_a_stream_sees_only_events_after_it_started(
    http: httpx.AsyncClient, assistant_id: str, app: Any
) -> None:
    """Two clients, one run: a non-streamed create, then a submit stream that must not
    replay what happened before it."""
    thread = (await http.post("/threads", json={})).json()
    await http.post(f"/threads/{thread['id']}/messages", json={"role": "user", "content": WEATHER})
    run = (
        await http.post(f"/threads/{thread['id']}/runs", json={"assistant_id": assistant_id})
    ).json()
    assert run["status"] == "queued"
    await wait_status(app, run["id"], "requires_action")
    polled = (await http.get(f"/threads/{thread['id']}/runs/{run['id']}")).json()
    call = polled["required_action"]["submit_tool_outputs"]["tool_calls"][0]
    events = await read_stream(
        http,
        "POST",
        f"/threads/{thread['id']}/runs/{run['id']}/submit_tool_outputs",
        {"tool_outputs": [{"tool_call_id": call["id"], "output": "ok"}]},
    )
    assert names(events)[0] == "thread.run.step.completed"
    assert "thread.run.created" not in names(events)
