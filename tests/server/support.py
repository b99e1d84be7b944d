"""Helpers for the server tests: response validation, stream reading, replay."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import httpx

from threadline.api import iter_sse, parse_event
from threadline.core.run_state import RunState

from .spec import assert_valid, assert_valid_event

ID = r"[^/]+"
# (method, path under /v1) -> the schema of a successful JSON response.
_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    (method, re.compile(f"^{pattern}$"), schema)
    for method, pattern, schema in [
        ("POST", "/assistants", "AssistantObject"),
        ("GET", "/assistants", "ListAssistantsResponse"),
        ("GET", f"/assistants/{ID}", "AssistantObject"),
        ("POST", f"/assistants/{ID}", "AssistantObject"),
        ("DELETE", f"/assistants/{ID}", "DeleteAssistantResponse"),
        ("POST", "/threads", "ThreadObject"),
        ("POST", "/threads/runs", "RunObject"),
        ("GET", f"/threads/{ID}", "ThreadObject"),
        ("POST", f"/threads/{ID}", "ThreadObject"),
        ("DELETE", f"/threads/{ID}", "DeleteThreadResponse"),
        ("POST", f"/threads/{ID}/messages", "MessageObject"),
        ("GET", f"/threads/{ID}/messages", "ListMessagesResponse"),
        ("GET", f"/threads/{ID}/messages/{ID}", "MessageObject"),
        ("POST", f"/threads/{ID}/messages/{ID}", "MessageObject"),
        ("DELETE", f"/threads/{ID}/messages/{ID}", "DeleteMessageResponse"),
        ("POST", f"/threads/{ID}/runs", "RunObject"),
        ("GET", f"/threads/{ID}/runs", "ListRunsResponse"),
        ("GET", f"/threads/{ID}/runs/{ID}", "RunObject"),
        ("POST", f"/threads/{ID}/runs/{ID}", "RunObject"),
        ("POST", f"/threads/{ID}/runs/{ID}/cancel", "RunObject"),
        ("POST", f"/threads/{ID}/runs/{ID}/submit_tool_outputs", "RunObject"),
        ("GET", f"/threads/{ID}/runs/{ID}/steps", "ListRunStepsResponse"),
        ("GET", f"/threads/{ID}/runs/{ID}/steps/{ID}", "RunStepObject"),
    ]
]

validated: list[str] = []  # schema names checked, for a test that the hook runs


def schema_for(method: str, path: str) -> str | None:
    path = path.split("/v1", 1)[-1]
    for route_method, pattern, schema in _ROUTES:
        if route_method == method and pattern.match(path):
            return schema
    return None


async def validate_response(response: httpx.Response) -> None:
    """An httpx response hook: every JSON body the server sends validates against the spec
    (the error body against ``Error``). Streams are checked where they are read."""
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        return
    await response.aread()
    body = response.json()
    if response.status_code >= 400:
        assert set(body) == {"error"}, body
        assert_valid("Error", body["error"])
        validated.append("Error")
        return
    schema = schema_for(response.request.method, response.request.url.path)
    assert schema is not None, f"no schema for {response.request.method} {response.request.url}"
    assert_valid(schema, body)
    validated.append(schema)


Event = tuple[str, Any]


def parse_sse(raw: bytes) -> list[Event]:
    """(event, data) pairs: data decoded from JSON, or ``"[DONE]"``."""
    return [
        (sse.event, sse.data if sse.data == "[DONE]" else json.loads(sse.data))
        for sse in iter_sse([raw])
    ]


async def read_stream(
    client: httpx.AsyncClient, method: str, url: str, body: dict[str, Any], *, validate: bool = True
) -> list[Event]:
    """Send a streamed request and read the whole stream; each event is checked against
    the spec's event schemas."""
    async with client.stream(method, url, json={**body, "stream": True}) as response:
        assert response.status_code == 200, (await response.aread()).decode()
        assert response.headers["content-type"].startswith("text/event-stream")
        raw = await response.aread()
    events = parse_sse(raw)
    if validate:
        for name, data in events:
            assert_valid_event(name, data)
    return events


def names(events: list[Event]) -> list[str]:
    return [name for name, _ in events]


def replay(*streams: list[Event]) -> RunState:
    """The reducer's state after every event of these streams, in order."""
    state = RunState()
    for events in streams:
        for name, data in events:
            state.apply(parse_event(name, data if isinstance(data, str) else json.dumps(data)))
    return state


def text_of(message: dict[str, Any]) -> str:
    return "".join(c["text"]["value"] for c in message["content"] if c["type"] == "text")


def of(events: list[Event], name: str) -> list[Any]:
    """The data of every event called ``name``."""
    return [data for event, data in events if event == name]


async def wait_status(app: Any, run_id: str, *statuses: str) -> dict[str, Any]:
    """Wait (without polling) until the run's status is one of ``statuses``: watch its
    events through the server's hub, checking the current status after subscribing so
    nothing is missed. Fails after 10 seconds."""
    server = app.state.server
    async with asyncio.timeout(10):
        while True:
            subscription = server.hub.subscribe(run_id)
            try:
                run = server.runner.snapshot(run_id) or await server.store.get("run", run_id)
                assert run is not None, f"no run {run_id}"
                if run["status"] in statuses:
                    return run  # type: ignore[no-any-return]
                async for chunk in subscription.chunks():
                    for name, data in parse_sse(chunk):
                        is_run = name.startswith("thread.run.") and name.count(".") == 2
                        if is_run and data["status"] in statuses:
                            return data  # type: ignore[no-any-return]
            finally:
                server.hub.unsubscribe(subscription)
