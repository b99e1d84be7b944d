"""Run options on the wire: a conversation's sticky options reach every create-run body, and
a first message whose options create-thread-and-run cannot carry makes its thread first."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from threadline.api import AssistantsClient
from threadline.cli.backend import EMBEDDED_BASE_URL
from threadline.cli.embedded import open_embedded_server
from threadline.config import Config
from threadline.core.driver import Conversation
from threadline.core.run_options import RunOptions


class Recorder(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)

    def calls(self) -> list[tuple[str, str, dict[str, object]]]:
        return [
            (r.method, r.url.path, json.loads(r.content) if r.content else {})
            for r in self.requests
            if r.method == "POST"
        ]


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[tuple[AssistantsClient, Recorder]]:
    profile = Config.model_validate({"profiles": {"local": {"demo_speed": 0}}}).profile()
    folder = tmp_path / "server"
    folder.mkdir(mode=0o700)
    transport, close = await open_embedded_server(profile, folder)
    recorder = Recorder(transport)
    http = httpx.AsyncClient(transport=recorder)
    api = AssistantsClient(base_url=EMBEDDED_BASE_URL, max_retries=0, http_client=http)
    try:
        yield api, recorder
    finally:
        await http.aclose()
        await close()


async def assistant_id(api: AssistantsClient) -> str:
    return (await api.list_assistants(limit=1)).data[0].id


async def test_sticky_options_go_with_every_run(
    client: tuple[AssistantsClient, Recorder],
) -> None:
    api, recorder = client
    conversation = Conversation(api, profile="local", assistant_id=await assistant_id(api))
    conversation.run_options = RunOptions.build(temperature=0.3, metadata={"k": "v"})
    assert (await conversation.send("one")).completed
    assert (await conversation.send("two")).completed
    ((_, first_path, first), (_, second_path, second)) = recorder.calls()
    assert first_path == "/v1/threads/runs" and second_path.endswith("/runs")
    for body in (first, second):
        assert body["temperature"] == 0.3 and body["metadata"] == {"k": "v"}
    # An explicit options argument wins over the sticky ones.
    await conversation.send("three", RunOptions.build(top_p=0.5))
    assert "temperature" not in recorder.calls()[-1][2]


async def test_a_first_message_with_run_only_options_makes_its_thread_first(
    client: tuple[AssistantsClient, Recorder],
) -> None:
    api, recorder = client
    conversation = Conversation(api, profile="local", assistant_id=await assistant_id(api))
    options = RunOptions.build(additional_instructions="Be brief.", reasoning_effort="low")
    result = await conversation.send("hello there", options)
    assert result.completed
    (create_thread, create_run) = recorder.calls()
    assert create_thread[1] == "/v1/threads"
    assert create_thread[2] == {"metadata": {"title": "hello there"}}  # empty: no message
    assert create_run[1] == f"/v1/threads/{conversation.thread_id}/runs"
    assert create_run[2]["additional_instructions"] == "Be brief."
    assert create_run[2]["reasoning_effort"] == "low"
    assert create_run[2]["additional_messages"] == [{"role": "user", "content": "hello there"}]
    messages = await api.list_messages(conversation.thread_id or "")
    assert [m.role for m in messages.data].count("user") == 1
