"""The demo engine's documented behaviours, each through the real server."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from threadline.api import FunctionDefinition
from threadline.server.engines import demo as demo_module
from threadline.server.engines.demo import Pacer
from threadline.server.engines.demo_args import arguments_for, functions_named
from threadline.server.engines.demo_text import benchmark_tokens

from .support import Event, names, of, read_stream, text_of

TIME_TOOL = {
    "type": "function",
    "function": {
        "name": "get_time",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


async def run_demo(
    http: httpx.AsyncClient, assistant_id: str, text: str, **params: Any
) -> tuple[list[Event], str]:
    """Stream one run on a new thread holding ``text``; returns its events and thread id."""
    events = await read_stream(
        http,
        "POST",
        "/threads/runs",
        {
            "assistant_id": assistant_id,
            "thread": {"messages": [{"role": "user", "content": text}]},
            **params,
        },
    )
    return events, events[0][1]["id"]


def reply(events: list[Event]) -> dict[str, Any]:
    (message,) = of(events, "thread.message.completed")
    return message  # type: ignore[no-any-return]


async def submit(
    http: httpx.AsyncClient, thread_id: str, events: list[Event], outputs: dict[str, str]
) -> list[Event]:
    """Answer the run's pending calls, by function name."""
    run = of(events, "thread.run.requires_action")[-1]
    calls = run["required_action"]["submit_tool_outputs"]["tool_calls"]
    return await read_stream(
        http,
        "POST",
        f"/threads/{thread_id}/runs/{run['id']}/submit_tool_outputs",
        {
            "tool_outputs": [
                {"tool_call_id": c["id"], "output": outputs[c["function"]["name"]]} for c in calls
            ]
        },
    )


async def test_a_reply_quotes_the_message_then_a_list_and_code(
    http: httpx.AsyncClient, assistant_id: str
) -> None:
    text = "Hello!\n\nTwo lines \x1b[31mred\x1b[0m and `snippets`"
    events, _ = await run_demo(http, assistant_id, text)
    body = text_of(reply(events))
    assert body.startswith(
        "You said:\n\n> Hello!\n>\n> Two lines \x1b[31mred\x1b[0m and `snippets`\n\n"
    )
    assert "\n- **bold**" in body
    assert "```python\ndef greet" in body and body.count("```") == 2
    assert of(events, "thread.run.completed")[0]["usage"]["completion_tokens"] == len(
        of(events, "thread.message.delta")
    )


async def test_replies_are_deterministic(http: httpx.AsyncClient, assistant_id: str) -> None:
    first, _ = await run_demo(http, assistant_id, "Tell me something")
    second, _ = await run_demo(http, assistant_id, "Tell me something")
    deltas = [
        [d["delta"]["content"][0]["text"]["value"] for d in of(e, "thread.message.delta")]
        for e in (first, second)
    ]
    assert deltas[0] == deltas[1]
    assert text_of(reply(first)) == text_of(reply(second))


async def test_weather_in_paris_calls_get_weather(
    http: httpx.AsyncClient, assistant_id: str
) -> None:
    events, thread_id = await run_demo(http, assistant_id, "What's the weather in Paris?")
    run = of(events, "thread.run.requires_action")[0]
    (call,) = run["required_action"]["submit_tool_outputs"]["tool_calls"]
    assert call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {"location": "Paris"}
    after = await submit(http, thread_id, events, {"get_weather": "18 °C, light rain"})
    assert "> 18 °C, light rain" in text_of(reply(after))
    assert of(after, "thread.run.completed")


async def test_bad_json_breaks_the_arguments_off(
    http: httpx.AsyncClient, assistant_id: str
) -> None:
    events, thread_id = await run_demo(http, assistant_id, "Weather in Paris, with bad json")
    run = of(events, "thread.run.requires_action")[0]
    (call,) = run["required_action"]["submit_tool_outputs"]["tool_calls"]
    arguments = call["function"]["arguments"]
    assert arguments == '{"location": "Paris"'
    with pytest.raises(json.JSONDecodeError):
        json.loads(arguments)
    after = await submit(http, thread_id, events, {"get_weather": "no idea"})
    assert '`{"location": "Paris"` returned' in text_of(reply(after))


async def test_named_functions_are_called_in_parallel(
    http: httpx.AsyncClient,
) -> None:
    demo = (await http.get("/assistants")).json()["data"][0]
    assistant = (
        await http.post(
            "/assistants", json={"model": "demo-model", "tools": [*demo["tools"], TIME_TOOL]}
        )
    ).json()
    events, thread_id = await run_demo(
        http, assistant["id"], "Call get_weather and get_time for Tokyo in celsius"
    )
    step_created = of(events, "thread.run.step.created")
    assert len(step_created) == 1
    calls = of(events, "thread.run.requires_action")[0]["required_action"]["submit_tool_outputs"]
    by_name = {
        c["function"]["name"]: json.loads(c["function"]["arguments"]) for c in calls["tool_calls"]
    }
    assert by_name == {
        "get_weather": {"location": "Tokyo", "unit": "celsius"},
        "get_time": {"city": "Tokyo"},
    }
    indexes = {
        d["delta"]["step_details"]["tool_calls"][0]["index"]
        for d in of(events, "thread.run.step.delta")
    }
    assert indexes == {0, 1}
    after = await submit(http, thread_id, events, {"get_weather": "cold", "get_time": "09:00"})
    body = text_of(reply(after))
    assert "> cold" in body and "> 09:00" in body


async def test_without_parallel_calls_each_function_gets_its_own_step(
    http: httpx.AsyncClient,
) -> None:
    assistant = (await http.post("/assistants", json={"model": "m", "tools": [TIME_TOOL]})).json()
    tools = [
        TIME_TOOL,
        {"type": "function", "function": {"name": "get_date", "parameters": {"type": "object"}}},
    ]
    events, thread_id = await run_demo(
        http,
        assistant["id"],
        "get_time and get_date please",
        tools=tools,
        parallel_tool_calls=False,
    )
    first = of(events, "thread.run.requires_action")[0]
    assert len(first["required_action"]["submit_tool_outputs"]["tool_calls"]) == 1
    second = await submit(http, thread_id, events, {"get_time": "noon"})
    assert names(second)[-2] == "thread.run.requires_action"
    third = await submit(http, thread_id, second, {"get_date": "today"})
    assert of(third, "thread.run.completed")
    steps = (
        await http.get(f"/threads/{thread_id}/runs/{first['id']}/steps", params={"order": "asc"})
    ).json()["data"]
    assert [s["type"] for s in steps] == ["tool_calls", "tool_calls", "message_creation"]


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("none", None),
        ("required", "get_weather"),
        ({"type": "function", "function": {"name": "get_weather"}}, "get_weather"),
    ],
)
async def test_tool_choice_is_honoured(
    http: httpx.AsyncClient, assistant_id: str, choice: Any, expected: str | None
) -> None:
    text = "What's the weather in Oslo?" if choice == "none" else "Hello there, Oslo"
    events, _ = await run_demo(http, assistant_id, text, tool_choice=choice)
    pending = of(events, "thread.run.requires_action")
    if expected is None:
        assert not pending and of(events, "thread.run.completed")
    else:
        (call,) = pending[0]["required_action"]["submit_tool_outputs"]["tool_calls"]
        assert call["function"]["name"] == expected


async def test_code_runs_a_code_interpreter_step(
    http: httpx.AsyncClient, assistant_id: str
) -> None:
    events, _ = await run_demo(http, assistant_id, "Run some code over 2, 4 and 9")
    (step,) = [s for s in of(events, "thread.run.step.completed") if s["type"] == "tool_calls"]
    (call,) = step["step_details"]["tool_calls"]
    assert call["type"] == "code_interpreter"
    assert call["code_interpreter"]["input"].startswith("numbers = [2, 4, 9]\n")
    assert call["code_interpreter"]["outputs"] == [
        {"type": "logs", "logs": "count=3 sum=15 mean=5.000\n"}
    ]
    deltas = [
        d["delta"]["step_details"]["tool_calls"][0] for d in of(events, "thread.run.step.delta")
    ]
    assert deltas[0]["code_interpreter"] == {"input": "", "outputs": []}
    streamed = "".join(d["code_interpreter"].get("input", "") for d in deltas[1:])
    assert streamed == call["code_interpreter"]["input"]
    assert deltas[-1]["code_interpreter"]["outputs"][0]["type"] == "logs"
    assert "count=3 sum=15 mean=5.000" in text_of(reply(events))


async def test_search_cites_a_file(http: httpx.AsyncClient, assistant_id: str) -> None:
    events, _ = await run_demo(http, assistant_id, "search for streaming")
    (step,) = [s for s in of(events, "thread.run.step.completed") if s["type"] == "tool_calls"]
    (call,) = step["step_details"]["tool_calls"]
    assert call["type"] == "file_search"
    results = call["file_search"]["results"]
    assert results[0]["file_name"] == "threadline-guide.md"
    assert results[0]["content"][0]["type"] == "text"
    message = reply(events)
    (annotation,) = message["content"][0]["text"]["annotations"]
    assert annotation["type"] == "file_citation"
    assert annotation["file_citation"]["file_id"] == results[0]["file_id"]
    text = text_of(message)
    assert (
        text[annotation["start_index"] : annotation["end_index"]] == "【4:0†threadline-guide.md】"
    )


async def test_fail_fails_the_run_with_server_error(
    http: httpx.AsyncClient, assistant_id: str
) -> None:
    events, thread_id = await run_demo(http, assistant_id, "please fail now")
    assert names(events)[-2:] == ["thread.run.failed", "done"]
    run = of(events, "thread.run.failed")[0]
    assert run["last_error"]["code"] == "server_error"
    assert run["failed_at"] is not None
    stored = (await http.get(f"/threads/{thread_id}/runs/{run['id']}")).json()
    assert stored == run


@pytest.mark.parametrize("count", [1, 2, 3, 57, 400])
async def test_stream_n_tokens(http: httpx.AsyncClient, assistant_id: str, count: int) -> None:
    events, _ = await run_demo(http, assistant_id, f"stream {count} tokens")
    deltas = of(events, "thread.message.delta")
    assert len(deltas) == count
    body = text_of(reply(events))
    assert body.splitlines()[-1] == f"-- end of {count} tokens --"
    assert body.count("```") % 2 == 0
    assert of(events, "thread.run.completed")[0]["usage"]["completion_tokens"] == count


def test_benchmark_text_is_exact_and_mixed() -> None:
    for count in (1, 2, 3, 10, 99, 1000, 5000):
        tokens = list(benchmark_tokens(count))
        assert len(tokens) == count
        text = "".join(tokens)
        assert text.endswith(f"-- end of {count} tokens --")
        assert text.count("```") % 2 == 0
    text = "".join(benchmark_tokens(1000))
    assert "```python" in text and "\n- " in text and "**" in text
    code = list(benchmark_tokens(500, code=True))
    assert len(code) == 500
    assert code[0] == "```python" and code[-2] == "\n```"


async def test_max_completion_tokens_ends_incomplete(
    http: httpx.AsyncClient, assistant_id: str
) -> None:
    events, _ = await run_demo(http, assistant_id, "stream 300 tokens", max_completion_tokens=256)
    assert names(events)[-2] == "thread.run.incomplete"
    run = of(events, "thread.run.incomplete")[0]
    assert run["incomplete_details"] == {"reason": "max_completion_tokens"}
    assert run["usage"]["completion_tokens"] == 256
    (message,) = of(events, "thread.message.incomplete")
    assert message["incomplete_details"] == {"reason": "max_tokens"}
    assert len(of(events, "thread.message.delta")) == 256


async def test_the_model_override_reaches_the_reply(
    http: httpx.AsyncClient, assistant_id: str
) -> None:
    events, _ = await run_demo(http, assistant_id, "hi", model="other-model")
    assert of(events, "thread.run.created")[0]["model"] == "other-model"
    assert "model `other-model`" in text_of(reply(events))


def test_arguments_follow_the_schema() -> None:
    weather = FunctionDefinition(
        name="get_weather",
        parameters={
            "type": "object",
            "properties": {
                "location": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer"},
                "detailed": {"type": "boolean"},
            },
            "required": ["location", "days"],
        },
    )
    assert json.loads(arguments_for(weather, "weather in Paris")) == {
        "location": "Paris",
        "days": 0,
    }
    assert json.loads(
        arguments_for(weather, "What's the weather in New York in Fahrenheit? days: 3")
    ) == {"location": "New York", "unit": "fahrenheit", "days": 3}
    assert json.loads(arguments_for(weather, "weather in lisbon, detailed=yes")) == {
        "location": "Lisbon",
        "days": 0,
        "detailed": True,
    }
    functions = {"get_weather": weather, "get_time": FunctionDefinition(name="get_time")}
    assert functions_named("how's the weather?", functions) == ["get_weather"]
    assert functions_named("call get time and get_weather", functions) == [
        "get_weather",
        "get_time",
    ]
    assert functions_named("hello", functions) == []


async def test_speed_zero_never_waits_and_speed_paces(monkeypatch: pytest.MonkeyPatch) -> None:
    delays: list[float] = []

    async def fake_sleep(delay: float) -> None:
        delays.append(delay)

    monkeypatch.setattr(demo_module.asyncio, "sleep", fake_sleep)
    fast = Pacer(0)
    for _ in range(64):
        await fast()
    assert delays == [0, 0, 0, 0]  # only yields, every 16 tokens
    delays.clear()
    paced = Pacer(50)
    for _ in range(3):
        await paced()
    assert delays == pytest.approx([0.02, 0.04, 0.06], abs=0.005)
    assert asyncio.sleep is fake_sleep


async def test_max_prompt_tokens_ends_incomplete_when_the_prompt_is_too_long(
    http: httpx.AsyncClient, assistant_id: str
) -> None:
    events, _ = await run_demo(http, assistant_id, "word " * 400, max_prompt_tokens=256)
    run = of(events, "thread.run.incomplete")[0]
    assert run["incomplete_details"] == {"reason": "max_prompt_tokens"}
