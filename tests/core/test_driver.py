"""The conversation driver: send, tool outputs, cancel, and recovery from a lost stream."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from threadline.api import APIStatusError, AssistantsClient, iter_sse
from threadline.core.driver import Conversation, PollPolicy, RunLostError, Update, title_from
from threadline.core.store import ClientStore

from ..conftest import CONFORMANCE
from .fake_api import FakeAPI, ok, page, sse

STREAMS = CONFORMANCE / "streams"
FIRST = (STREAMS / "openai-dotnet-StreamingToolCall-1.sse").read_bytes()
SECOND = (STREAMS / "openai-dotnet-StreamingToolCall-2.sse").read_bytes()
PLAIN = (STREAMS / "openai-dotnet-StreamingRunWorks-1.sse").read_bytes()


def last_of(data: bytes, event: str) -> dict[str, Any]:
    return [json.loads(e.data) for e in iter_sse([data]) if e.event == event][-1]


@pytest.fixture
async def store(tmp_path: Path) -> Any:
    store = await ClientStore.open(tmp_path / "client.db")
    yield store
    await store.close()


async def no_sleep(_: float) -> None:
    return None


def conversation(
    api: FakeAPI, store: ClientStore, thread_id: str | None = None, **poll: float
) -> tuple[Conversation, list[Update]]:
    convo = Conversation(
        api.client(),
        profile="p",
        assistant_id="asst_1",
        thread_id=thread_id,
        store=store,
        poll=PollPolicy(**poll),
        sleep=no_sleep,
    )
    updates: list[Update] = []
    convo.subscribe(updates.append)
    return convo, updates


async def test_new_thread_send_then_tool_outputs_to_completion(store: ClientStore) -> None:
    api = FakeAPI()
    api.route("POST", "/threads/runs", sse(FIRST))
    api.route("POST", r"/threads/(\w+)/runs/(\w+)/submit_tool_outputs", sse(SECOND))
    api.route(
        "GET", r"/threads/(\w+)/messages", ok(page([last_of(SECOND, "thread.message.completed")]))
    )
    convo, updates = conversation(api, store)

    result = await convo.send("What's the weather?\nsecond line")

    assert updates[0].kind == "accepted"
    assert result.status == "requires_action"
    assert [c.function.name for c in result.pending_tool_calls] == ["get_current_weather"]
    thread_id = last_of(FIRST, "thread.created")["id"]
    assert convo.thread_id == thread_id == result.thread_id
    body = api.body(api.posts("/threads/runs")[0])
    assert body["assistant_id"] == "asst_1" and body["stream"] is True
    assert body["thread"]["messages"] == [
        {"role": "user", "content": "What's the weather?\nsecond line"}
    ]
    assert body["thread"]["metadata"] == {"title": "What's the weather?"}
    (entry,) = await store.list_threads("p")
    assert (entry.id, entry.title, entry.status) == (
        thread_id,
        "What's the weather?",
        "requires_action",
    )
    assert await store.last_sent("p", thread_id) == "What's the weather?\nsecond line"

    call_id = result.pending_tool_calls[0].id
    result = await convo.submit_tool_outputs({call_id: "warm and sunny"})

    assert result.status == "completed" and result.pending_tool_calls == []
    submitted = api.body(api.posts("submit_tool_outputs")[0])
    assert submitted["tool_outputs"] == [{"tool_call_id": call_id, "output": "warm and sunny"}]
    final = last_of(SECOND, "thread.message.completed")
    assert convo.state.message_text(final["id"]) == final["content"][0]["text"]["value"]
    assert updates[-1].kind == "finished" and updates[-1].status == "completed"
    (entry,) = await store.list_threads("p")
    assert entry.status == ""
    cached = await store.cached_messages("p", thread_id)
    assert [m.id for m in cached] == [final["id"]]
    captured = await store.captured_events(result.run_id or "")
    assert captured[0].event == "thread.created"
    assert captured[-1].event == "thread.run.completed"
    assert len(captured) == sum(1 for e in iter_sse([FIRST + SECOND]) if e.event != "done")


async def test_a_key_the_server_echoes_is_not_captured(store: ClientStore) -> None:
    key = "sk-threadline-CANARY-captured"
    api = FakeAPI()
    api.route(
        "POST",
        r"/threads/(\w+)/runs",
        sse(PLAIN.replace(b'"value":"Hello"', f'"value":"{key}"'.encode())),
    )
    api.route("GET", r"/threads/(\w+)/messages", ok(page([])))
    client = AssistantsClient(
        base_url="http://fake.test/v1",
        api_key=SecretStr(key),
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(api)),
    )
    thread_id = last_of(PLAIN, "thread.run.created")["thread_id"]
    convo = Conversation(
        client, profile="p", assistant_id="asst_1", thread_id=thread_id, store=store
    )
    result = await convo.send("hi")
    captured = await store.captured_events(result.run_id or "")
    assert captured and not any(key in e.data for e in captured)
    assert any("[redacted]" in e.data for e in captured)


async def test_existing_thread_sends_the_message_with_the_run(store: ClientStore) -> None:
    api = FakeAPI()
    api.route("POST", r"/threads/(\w+)/runs", sse(PLAIN))
    api.route("GET", r"/threads/(\w+)/messages", ok(page([])))
    thread_id = last_of(PLAIN, "thread.run.created")["thread_id"]
    convo, _ = conversation(api, store, thread_id=thread_id)

    result = await convo.send("hello")

    assert result.completed
    (request,) = api.posts()
    assert request.url.path == f"/v1/threads/{thread_id}/runs"
    assert api.body(request)["additional_messages"] == [{"role": "user", "content": "hello"}]


async def test_failure_before_the_server_acted_keeps_nothing_and_is_not_retried(
    store: ClientStore,
) -> None:
    api = FakeAPI()
    api.route(
        "POST",
        "/threads/runs",
        ok({}).__class__(
            500,
            json={
                "error": {
                    "message": "upstream down",
                    "type": "server_error",
                    "param": None,
                    "code": None,
                }
            },
        ),
    )
    convo, updates = conversation(api, store)

    with pytest.raises(APIStatusError, match="upstream down"):
        await convo.send("hello")

    assert len(api.posts()) == 1
    assert [u.kind for u in updates] == ["failed"]
    assert "upstream down" in (updates[0].error or "")
    assert await store.list_threads("p") == []
    assert not convo.active


@pytest.mark.parametrize("fault", ["reset", "stall"])
async def test_lost_stream_is_recovered_by_polling_without_resending(
    store: ClientStore, fault: str
) -> None:
    run = last_of(PLAIN, "thread.run.completed")
    step = last_of(PLAIN, "thread.run.step.completed")
    message = last_of(PLAIN, "thread.message.completed")
    cut = PLAIN.index(b"event: thread.message.delta")
    api = FakeAPI()
    thread_id = run["thread_id"]
    api.route("POST", r"/threads/(\w+)/runs", sse(PLAIN, cut_after=cut, stall=fault == "stall"))
    in_progress = {**run, "status": "in_progress", "completed_at": None, "usage": None}
    api.route("GET", r"/threads/(\w+)/runs/(\w+)", [ok(in_progress), ok(run)])
    api.route("GET", r"/threads/(\w+)/runs/(\w+)/steps", ok(page([step])))
    api.route("GET", r"/threads/(\w+)/messages", ok(page([message])))
    convo, updates = conversation(api, store, thread_id=thread_id, idle_timeout=0.05)

    result = await convo.send("hello")

    kinds = [u.kind for u in updates]
    assert kinds[0] == "accepted"
    assert "reconnecting" in kinds and "recovered" in kinds and kinds[-1] == "finished"
    assert result.status == "completed"
    assert convo.state.message_text(message["id"]) == message["content"][0]["text"]["value"]
    assert len(api.posts()) == 1  # never sent twice
    assert convo.state.to_json()["messages"] == [message]


async def test_cancel_while_waiting_for_tool_output_polls_to_cancelled(store: ClientStore) -> None:
    api = FakeAPI()
    api.route("POST", "/threads/runs", sse(FIRST))
    run = last_of(FIRST, "thread.run.requires_action")
    cancelling = {**run, "status": "cancelling", "required_action": None}
    cancelled = {**run, "status": "cancelled", "required_action": None, "cancelled_at": 1}
    api.route("POST", r"/threads/(\w+)/runs/(\w+)/cancel", ok(cancelling))
    api.route("GET", r"/threads/(\w+)/runs/(\w+)", [ok(cancelling), ok(cancelled)])
    api.route("GET", r"/threads/(\w+)/runs/(\w+)/steps", ok(page([])))
    api.route("GET", r"/threads/(\w+)/messages", ok(page([])))
    convo, updates = conversation(api, store)
    await convo.send("weather?")

    result = await convo.cancel()

    assert result.status == "cancelled"
    assert updates[-1].kind == "finished" and updates[-1].status == "cancelled"
    (entry,) = await store.list_threads("p")
    assert entry.status == ""


async def test_refresh_reads_a_wait_that_expired(store: ClientStore) -> None:
    api = FakeAPI()
    api.route("POST", "/threads/runs", sse(FIRST))
    run = last_of(FIRST, "thread.run.requires_action")
    expired = {**run, "status": "expired", "required_action": None, "expires_at": None}
    api.route("GET", r"/threads/(\w+)/runs/(\w+)", ok(expired))
    api.route("GET", r"/threads/(\w+)/runs/(\w+)/steps", ok(page([])))
    api.route("GET", r"/threads/(\w+)/messages", ok(page([])))
    convo, updates = conversation(api, store)
    await convo.send("weather?")
    assert convo.tool_round is not None

    result = await convo.refresh()

    assert result.status == "expired" and convo.tool_round is None
    assert updates[-1].kind == "finished" and updates[-1].status == "expired"
    (entry,) = await store.list_threads("p")
    assert entry.status == "failed"
    count = len(updates)
    await convo.refresh()  # nothing changed: nothing to publish
    assert [u.kind for u in updates[count:]] == ["event"]


async def test_refresh_finds_the_newest_run_of_a_thread_opened_fresh(store: ClientStore) -> None:
    api = FakeAPI()
    run = last_of(FIRST, "thread.run.requires_action")
    api.route("GET", r"/threads/(\w+)/runs", ok(page([run])))
    api.route("GET", r"/threads/(\w+)/runs/(\w+)", ok(run))
    api.route("GET", r"/threads/(\w+)/runs/(\w+)/steps", ok(page([])))
    api.route("GET", r"/threads/(\w+)/messages", ok(page([])))
    convo, updates = conversation(api, store, thread_id=run["thread_id"])

    result = await convo.refresh()

    assert result.status == "requires_action" and convo.run_id == run["id"]
    assert convo.tool_round is not None and convo.tool_round.run_id == run["id"]
    assert updates[-1].kind == "finished" and updates[-1].status == "requires_action"


async def test_submit_needs_every_pending_call(store: ClientStore) -> None:
    api = FakeAPI()
    api.route("POST", "/threads/runs", sse(FIRST))
    convo, _ = conversation(api, store)
    await convo.send("weather?")
    with pytest.raises(ValueError, match="no output"):
        await convo.submit_tool_outputs({})


def test_title_from_first_line_cleaned_and_shortened() -> None:
    assert title_from("\n  Plan a trip\x1b[2J to Paris \nmore") == "Plan a trip to Paris"
    long = title_from("x" * 100)
    assert len(long) == 60 and long.endswith("…")


async def test_polling_waits_as_long_as_the_server_asks(store: ClientStore) -> None:
    """``openai-poll-after-ms`` on the polled run replaces our own backoff."""
    run = last_of(PLAIN, "thread.run.completed")
    in_progress = {**run, "status": "in_progress", "completed_at": None, "usage": None}
    api = FakeAPI()
    cut = PLAIN.index(b"event: thread.message.delta")
    api.route("POST", r"/threads/(\w+)/runs", sse(PLAIN, cut_after=cut))
    hinted = httpx.Response(200, json=in_progress, headers={"openai-poll-after-ms": "1250"})
    api.route("GET", r"/threads/(\w+)/runs/(\w+)", [hinted, ok(in_progress), ok(run)])
    api.route("GET", r"/threads/(\w+)/runs/(\w+)/steps", ok(page([])))
    api.route("GET", r"/threads/(\w+)/messages", ok(page([])))
    waits: list[float] = []

    async def record(delay: float) -> None:
        waits.append(delay)

    convo = Conversation(
        api.client(),
        profile="p",
        assistant_id="a",
        thread_id=run["thread_id"],
        store=store,
        sleep=record,
    )
    result = await convo.send("hello")

    assert result.status == "completed"
    assert waits == [1.25, 1.0]  # the hint, then our backoff resumes (0.5 doubled)


async def test_cancel_while_the_server_is_away_stops_following_the_lost_stream(
    store: ClientStore,
) -> None:
    run = last_of(PLAIN, "thread.run.completed")
    cut = PLAIN.index(b"event: thread.message.delta")

    def away(_request: httpx.Request, _match: Any) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    api = FakeAPI()
    api.route("POST", r"/threads/(\w+)/runs", sse(PLAIN, cut_after=cut))
    api.route("GET", r"/threads/(\w+)/runs/(\w+)", away)
    api.route("POST", r"/threads/(\w+)/runs/(\w+)/cancel", away)
    forever = asyncio.Event()  # the pause between polls never ends by itself

    async def long_sleep(_: float) -> None:
        await forever.wait()

    convo = Conversation(
        api.client(), profile="p", assistant_id="asst_1", thread_id=run["thread_id"],
        store=store, sleep=long_sleep,
    )  # fmt: skip
    following = asyncio.Event()
    convo.subscribe(lambda u: following.set() if u.kind == "reconnecting" else None)
    sending = asyncio.create_task(convo.send("hello"))
    await following.wait()

    await convo.cancel()

    with pytest.raises(RunLostError, match=r"stopped waiting for run .*connection refused"):
        await asyncio.wait_for(sending, 5)
    assert sum(r.url.path.endswith("/runs") for r in api.posts()) == 1  # never sent twice
