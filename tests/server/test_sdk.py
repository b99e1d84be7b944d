"""The official openai SDK drives the server over real HTTP on loopback, token and all."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import openai
import pytest
from openai import AsyncOpenAI
from openai.lib.streaming import AsyncAssistantEventHandler
from openai.types.beta import AssistantStreamEvent

from . import support
from .conftest import TOKEN
from .spec import assert_valid, assert_valid_event
from .support import validate_response

# The SDK marks the Assistants API deprecated (it was shut down); calling it is the point.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

WEATHER_TOOL: Any = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather",
        "parameters": {
            "type": "object",
            "properties": {"location": {"type": "string"}},
            "required": ["location"],
        },
    },
}


class Recorder(AsyncAssistantEventHandler):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[str] = []
        self.text = ""

    async def on_event(self, event: AssistantStreamEvent) -> None:
        self.events.append(event.event)
        data = event.model_dump(mode="json", exclude_unset=True)["data"]
        assert_valid_event(event.event, data)

    async def on_text_delta(self, delta: Any, snapshot: Any) -> None:
        self.text += delta.value or ""


@pytest.fixture
async def sdk(live_server: str) -> AsyncIterator[AsyncOpenAI]:
    # The SDK's own HTTP client, with the hook that checks every JSON body against the spec.
    http = httpx2.AsyncClient(event_hooks={"response": [validate_response]})
    async with AsyncOpenAI(
        base_url=live_server, api_key=TOKEN, max_retries=0, http_client=http
    ) as client:
        yield client


async def test_sdk_runs_a_tool_call_to_completion(sdk: AsyncOpenAI) -> None:
    support.validated.clear()
    assistant = await sdk.beta.assistants.create(
        model="demo-model", name="SDK test", tools=[WEATHER_TOOL]
    )
    thread = await sdk.beta.threads.create()
    await sdk.beta.threads.messages.create(
        thread.id, role="user", content="What's the weather in Paris?"
    )

    first = Recorder()
    async with sdk.beta.threads.runs.stream(
        thread_id=thread.id, assistant_id=assistant.id, event_handler=first
    ) as stream:
        await stream.until_done()
    run = first.current_run
    assert run is not None and run.status == "requires_action"
    assert first.events[-1] == "thread.run.requires_action"
    assert run.required_action is not None
    (call,) = run.required_action.submit_tool_outputs.tool_calls
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"location": "Paris"}

    second = Recorder()
    async with sdk.beta.threads.runs.submit_tool_outputs_stream(
        thread_id=thread.id,
        run_id=run.id,
        tool_outputs=[{"tool_call_id": call.id, "output": "22 °C and sunny"}],
        event_handler=second,
    ) as stream:
        await stream.until_done()
    assert second.events[0] == "thread.run.step.completed"
    final = await second.get_final_run()
    assert final.status == "completed"
    assert final.usage is not None and final.usage.completion_tokens > 0
    (sdk_message,) = await second.get_final_messages()

    stored = await sdk.beta.threads.messages.retrieve(sdk_message.id, thread_id=thread.id)
    stored_text = "".join(c.text.value for c in stored.content if c.type == "text")
    assert second.text == stored_text
    assert "> 22 °C and sunny" in stored_text

    # Lists page through everything, one item at a time.
    messages = [m async for m in sdk.beta.threads.messages.list(thread.id, limit=1)]
    assert [m.role for m in messages] == ["assistant", "user"]
    runs = [r async for r in sdk.beta.threads.runs.list(thread.id, limit=1)]
    assert [r.id for r in runs] == [run.id]
    steps = [
        s async for s in sdk.beta.threads.runs.steps.list(run.id, thread_id=thread.id, limit=1)
    ]
    assert [s.type for s in steps] == ["message_creation", "tool_calls"]
    step = await sdk.beta.threads.runs.steps.retrieve(
        steps[1].id, thread_id=thread.id, run_id=run.id
    )
    assert step.step_details.type == "tool_calls"
    assert step.step_details.tool_calls[0].function.output == "22 °C and sunny"  # type: ignore[union-attr]
    assert {"AssistantObject", "ListMessagesResponse", "RunStepObject"} <= set(support.validated)


async def test_sdk_cancels_a_slow_run_and_manages_objects(sdk: AsyncOpenAI) -> None:
    assistants = await sdk.beta.assistants.list()
    (demo,) = [a for a in assistants.data if a.name == "Threadline Demo"]
    thread = await sdk.beta.threads.create(
        messages=[{"role": "user", "content": "stream 1000000 tokens"}]
    )
    run = await sdk.beta.threads.runs.create(thread_id=thread.id, assistant_id=demo.id)
    assert run.status == "queued"
    cancelling = await sdk.beta.threads.runs.cancel(run.id, thread_id=thread.id)
    assert cancelling.status == "cancelling"
    done = await sdk.beta.threads.runs.poll(run.id, thread_id=thread.id, poll_interval_ms=5)
    assert done.status == "cancelled"
    assert done.cancelled_at is not None

    updated = await sdk.beta.threads.update(thread.id, metadata={"title": "Trip plan"})
    assert updated.metadata == {"title": "Trip plan"}
    run_updated = await sdk.beta.threads.runs.update(
        run.id, thread_id=thread.id, metadata={"k": "v"}
    )
    assert run_updated.metadata == {"k": "v"}
    assert (await sdk.beta.threads.retrieve(thread.id)).metadata == {"title": "Trip plan"}

    deleted = await sdk.beta.threads.delete(thread.id)
    assert deleted.deleted is True
    with pytest.raises(openai.NotFoundError):
        await sdk.beta.threads.retrieve(thread.id)


async def test_sdk_without_the_token_is_refused(live_server: str) -> None:
    async with AsyncOpenAI(base_url=live_server, api_key="wrong", max_retries=0) as client:
        with pytest.raises(openai.AuthenticationError) as caught:
            await client.beta.assistants.list()
    assert caught.value.status_code == 401
    assert caught.value.code == "invalid_api_key"
    async with httpx2.AsyncClient() as raw:
        response = await raw.get(f"{live_server}/assistants")
    assert response.status_code == 401
    assert_valid("Error", response.json()["error"])
