"""The run life cycle with the demo engine: cancel while streaming or waiting, expiry,
server shutdown and restart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from threadline.server.app import create_app
from threadline.server.clock import ManualClock
from threadline.server.engines.demo import DemoEngine
from threadline.server.store import Store

from .conftest import client_for
from .support import names, of, parse_sse, read_stream, replay, wait_status

WEATHER = "What's the weather in Paris?"


async def new_run(http: httpx.AsyncClient, assistant_id: str, text: str) -> tuple[str, str]:
    thread = (
        await http.post("/threads", json={"messages": [{"role": "user", "content": text}]})
    ).json()
    run = (
        await http.post(f"/threads/{thread['id']}/runs", json={"assistant_id": assistant_id})
    ).json()
    return thread["id"], run["id"]


async def test_cancel_reaches_a_streaming_run(http: httpx.AsyncClient, assistant_id: str) -> None:
    thread = (
        await http.post(
            "/threads", json={"messages": [{"role": "user", "content": "stream 1000000 tokens"}]}
        )
    ).json()
    url = f"/threads/{thread['id']}/runs"
    received = b""
    run_id = None
    async with http.stream("POST", url, json={"assistant_id": assistant_id, "stream": True}) as s:
        async for chunk in s.aiter_bytes():
            received += chunk
            if run_id is None and b"thread.message.delta" in received:
                run_id = parse_sse(received.split(b"\n\n", 1)[0] + b"\n\n")[0][1]["id"]
                cancelling = (await http.post(f"{url}/{run_id}/cancel")).json()
                assert cancelling["status"] == "cancelling"
    events = parse_sse(received)
    others = [n for n in names(events) if n != "thread.message.delta"]
    assert others[-5:] == [
        "thread.run.cancelling",
        "thread.message.incomplete",
        "thread.run.step.cancelled",
        "thread.run.cancelled",
        "done",
    ]
    (message,) = of(events, "thread.message.incomplete")
    assert message["incomplete_details"] == {"reason": "run_cancelled"}
    (step,) = of(events, "thread.run.step.cancelled")
    assert step["cancelled_at"] is not None
    state = replay(events)
    stored = (await http.get(f"/threads/{thread['id']}/messages/{message['id']}")).json()
    assert state.message_dict(message["id"]) == stored
    assert (await http.get(f"{url}/{run_id}")).json() == of(events, "thread.run.cancelled")[0]


async def test_cancel_while_waiting_for_tool_outputs(
    http: httpx.AsyncClient, assistant_id: str, app: Starlette
) -> None:
    thread_id, run_id = await new_run(http, assistant_id, WEATHER)
    url = f"/threads/{thread_id}/runs/{run_id}"
    await wait_status(app, run_id, "requires_action")
    await http.post(f"{url}/cancel")
    await wait_status(app, run_id, "cancelled")
    run = (await http.get(url)).json()
    assert run["required_action"] is None
    (step,) = (await http.get(f"{url}/steps")).json()["data"]
    assert step["status"] == "cancelled"


@pytest.fixture
async def clocked(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, ManualClock, Any]]:
    clock = ManualClock()
    store = await Store.open(tmp_path / "clocked.sqlite3")
    app: Starlette = create_app(store, DemoEngine(speed=0), token=None, clock=clock)
    async with client_for(app) as client:
        yield client, clock, app
    await app.state.server.shutdown()
    await store.close()


async def test_a_run_waiting_for_outputs_expires_after_ten_minutes(
    clocked: tuple[httpx.AsyncClient, ManualClock, Any],
) -> None:
    http, clock, app = clocked
    assistant_id = (await http.get("/assistants")).json()["data"][0]["id"]
    thread_id, run_id = await new_run(http, assistant_id, WEATHER)
    url = f"/threads/{thread_id}/runs/{run_id}"
    await wait_status(app, run_id, "requires_action")
    waiting = (await http.get(url)).json()
    assert waiting["expires_at"] == waiting["created_at"] + 600
    clock.advance(599)
    assert (await http.get(url)).json()["status"] == "requires_action"
    clock.advance(2)
    await app.state.server.runner.wait(run_id)
    run = (await http.get(url)).json()
    assert run["status"] == "expired" and run["required_action"] is None
    (step,) = (await http.get(f"{url}/steps")).json()["data"]
    assert step["status"] == "expired" and step["expired_at"] is not None
    call = waiting["required_action"]["submit_tool_outputs"]["tool_calls"][0]
    late = await http.post(
        f"{url}/submit_tool_outputs",
        json={"tool_outputs": [{"tool_call_id": call["id"], "output": "x"}]},
    )
    assert late.status_code == 400


async def test_shutdown_ends_active_runs_and_a_restart_keeps_everything(
    tmp_path: Path,
) -> None:
    path = tmp_path / "server.sqlite3"
    store = await Store.open(path)
    app = create_app(store, DemoEngine(speed=0), token=None)
    async with client_for(app) as http:
        assistant_id = (await http.get("/assistants")).json()["data"][0]["id"]
        waiting_thread, waiting_run = await new_run(http, assistant_id, WEATHER)
        await wait_status(app, waiting_run, "requires_action")
        busy_thread, busy_run = await new_run(http, assistant_id, "stream 1000000 tokens")
        await wait_status(app, busy_run, "in_progress")
        await app.state.server.shutdown()
    await store.close()

    store = await Store.open(path)
    app = create_app(store, DemoEngine(speed=0), token=None)
    async with client_for(app) as http:
        assert len((await http.get("/assistants")).json()["data"]) == 1  # seeded once
        expired = (await http.get(f"/threads/{waiting_thread}/runs/{waiting_run}")).json()
        assert expired["status"] == "expired"
        failed = (await http.get(f"/threads/{busy_thread}/runs/{busy_run}")).json()
        assert failed["status"] == "failed"
        assert failed["last_error"]["code"] == "server_error"
        messages = (
            await http.get(f"/threads/{busy_thread}/messages", params={"run_id": busy_run})
        ).json()["data"]
        assert [m["status"] for m in messages] == ["incomplete"]
        assert messages[0]["content"][0]["text"]["value"]  # what streamed before the stop
        # The thread is usable again.
        again = await read_stream(
            http,
            "POST",
            f"/threads/{busy_thread}/runs",
            {
                "assistant_id": assistant_id,
                "additional_messages": [{"role": "user", "content": "and now?"}],
            },
        )
        assert of(again, "thread.run.completed")
    await app.state.server.shutdown()
    await store.close()


async def test_runs_left_active_by_a_dead_server_are_ended_on_start(
    store: Store, http: httpx.AsyncClient
) -> None:
    """A crash leaves runs in_progress in the file; the next start closes them out."""
    thread = (await http.post("/threads", json={})).json()
    run = {
        "id": "run_crashed",
        "object": "thread.run",
        "created_at": 1,
        "thread_id": thread["id"],
        "assistant_id": "asst_x",
        "status": "in_progress",
    }
    step = {
        "id": "step_crashed",
        "created_at": 1,
        "thread_id": thread["id"],
        "run_id": "run_crashed",
        "status": "in_progress",
    }
    await store.put_many([("run", run), ("step", step)])
    restarted = create_app(store, DemoEngine(speed=0), token=None)  # a new server, same file
    await restarted.state.server.startup()
    recovered = await store.get("run", "run_crashed")
    assert recovered is not None and recovered["status"] == "failed"
    assert recovered["last_error"]["message"] == "The server stopped before the run finished."
    closed = await store.get("step", "step_crashed")
    assert closed is not None and closed["status"] == "failed"
