"""The chat engine against a fake Chat Completions server on loopback, with a recording
RunContext in place of the runner: what the model sees, what the run gets."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from threadline.server.engines import EngineError, RunIncomplete, estimate_tokens
from threadline.server.engines.chat import ChatEngine

from .chat_run_context import RecordingContext, assistant, function_tool, make_run, user
from .fake_chat import (
    FakeChat,
    call_args,
    call_start,
    chunk,
    completion,
    error,
    hang,
    json_reply,
    running_fake_chat,
    stream,
    text_chunks,
    usage_chunk,
)

KEY = "sk-test-0123456789secret"
WEATHER = function_tool("get_weather", "Current weather", location={"type": "string"})
TIME = function_tool("get_time", tz={"type": "string"})


@pytest.fixture(scope="module")
def _server() -> Iterator[FakeChat]:
    with running_fake_chat() as fake:
        yield fake


@pytest.fixture
def upstream(_server: FakeChat) -> FakeChat:
    _server.reset()
    return _server


@pytest.fixture
async def engine(upstream: FakeChat) -> Any:
    engine = ChatEngine(upstream.base_url, "llama3.1", SecretStr(KEY), timeout=5)
    yield engine
    await engine.aclose()


def thread_ctx(**run_fields: Any) -> RecordingContext:
    return RecordingContext(
        make_run(**run_fields),
        [user("Hi"), assistant("Hello! How can I help?"), user("What's the weather in Paris?")],
        outputs={"get_weather": '{"temp": 21}', "get_time": "12:00"},
    )


async def test_streamed_content_becomes_message_deltas_and_usage(
    upstream: FakeChat, engine: ChatEngine
) -> None:
    upstream.reply(stream(*text_chunks("It is ", "sunny", " in Paris."), usage_chunk(42, 7)))
    ctx = thread_ctx()

    await engine.run(ctx)

    assert ctx.events == [
        ("message", "msg_1"),
        ("text", "msg_1", "It is "),
        ("text", "msg_1", "sunny"),
        ("text", "msg_1", " in Paris."),
        ("usage", 42, 7),
        ("message_completed", "msg_1"),
    ]
    (request,) = upstream.received
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.body["model"] == "llama3.1"  # the configured model, not the run's
    assert request.body["stream"] is True
    assert request.body["stream_options"] == {"include_usage": True}
    assert request.body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello! How can I help?"},
        {"role": "user", "content": "What's the weather in Paris?"},
    ]
    assert "tools" not in request.body and "tool_choice" not in request.body


async def test_no_authorization_header_without_a_key(upstream: FakeChat) -> None:
    upstream.reply(stream(*text_chunks("ok")))
    engine = ChatEngine(upstream.base_url, "m", None, timeout=5)
    try:
        await engine.run(thread_ctx())
    finally:
        await engine.aclose()
    assert "authorization" not in upstream.received[0].headers


async def test_parallel_streamed_tool_calls_round_trip(
    upstream: FakeChat, engine: ChatEngine
) -> None:
    # Two calls whose arguments arrive interleaved and split mid-token, then the answer.
    upstream.reply(
        stream(
            chunk(role="assistant", tool_calls=[call_start(0, "up_a", "get_weather")]),
            chunk(tool_calls=[call_args(0, '{"loca')]),
            chunk(tool_calls=[call_start(1, "up_b", "get_time")]),
            chunk(tool_calls=[call_args(1, '{"tz": "Europe/')]),
            chunk(tool_calls=[call_args(0, 'tion": "Paris"}')]),
            chunk(tool_calls=[call_args(1, 'Paris"}')]),
            chunk(finish="tool_calls"),
            usage_chunk(50, 20),
        ),
        stream(*text_chunks("21 degrees", " at noon."), usage_chunk(80, 6)),
    )
    ctx = thread_ctx(
        tools=[WEATHER, TIME, {"type": "code_interpreter"}],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        parallel_tool_calls=True,
    )

    await engine.run(ctx)

    # No message opens for a round that only calls tools.
    assert ctx.kinds()[:2] == ["tool_calls", "function"]
    assert ("function", "call_2", "get_weather") in ctx.events
    assert ("function", "call_3", "get_time") in ctx.events
    assert ctx.arguments("call_2") == '{"location": "Paris"}'
    assert ctx.arguments("call_3") == '{"tz": "Europe/Paris"}'
    assert next(e for e in ctx.events if e[0] == "arguments") == ("arguments", "call_2", '{"loca')
    usage_at = ctx.events.index(("usage", 50, 20))
    assert ctx.events[usage_at + 1] == ("requires_action", "step_1")
    assert ctx.text() == "21 degrees at noon."
    assert ctx.events[-2:] == [("usage", 80, 6), ("message_completed", "msg_4")]

    first, second = (r.body for r in upstream.received)
    assert first["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "get_weather",
                "parameters": {"type": "object", "properties": {"location": {"type": "string"}}},
                "description": "Current weather",
            },
        },
        {
            "type": "function",
            "function": {
                "name": "get_time",
                "parameters": {"type": "object", "properties": {"tz": {"type": "string"}}},
            },
        },
    ]  # code_interpreter is not sent: the bridge cannot run it
    assert first["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
    assert first["parallel_tool_calls"] is True
    # The forced choice applies to the first round only, or the model could never answer.
    assert "tool_choice" not in second
    assert second["messages"][:4] == first["messages"]
    assert second["messages"][4:] == [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "up_a",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"location": "Paris"}'},
                },
                {
                    "id": "up_b",
                    "type": "function",
                    "function": {"name": "get_time", "arguments": '{"tz": "Europe/Paris"}'},
                },
            ],
        },
        {"role": "tool", "tool_call_id": "up_a", "content": '{"temp": 21}'},
        {"role": "tool", "tool_call_id": "up_b", "content": "12:00"},
    ]


async def test_text_before_tool_calls_is_its_own_message_and_part_of_the_transcript(
    upstream: FakeChat, engine: ChatEngine
) -> None:
    upstream.reply(
        stream(
            chunk("Let me check."),
            chunk(tool_calls=[call_start(0, "up_a", "get_weather")]),
            chunk(tool_calls=[call_args(0, "{}")], finish="tool_calls"),
        ),
        stream(*text_chunks("Sunny.")),
    )
    ctx = thread_ctx(tools=[WEATHER])

    await engine.run(ctx)

    assert ctx.kinds()[:4] == ["message", "text", "message_completed", "tool_calls"]
    assert upstream.received[1].body["messages"][4]["content"] == "Let me check."


async def test_non_streamed_answer_gives_the_same_run(
    upstream: FakeChat, engine: ChatEngine
) -> None:
    upstream.reply(json_reply(completion("It is sunny in Paris.", usage=(30, 6))))
    ctx = thread_ctx()

    await engine.run(ctx)

    assert ctx.events == [
        ("message", "msg_1"),
        ("text", "msg_1", "It is sunny in Paris."),
        ("usage", 30, 6),
        ("message_completed", "msg_1"),
    ]


async def test_non_streamed_tool_call_round_trip(upstream: FakeChat, engine: ChatEngine) -> None:
    call = {
        "id": "up_x",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"location": "Paris"}'},
    }
    upstream.reply(
        json_reply(completion(None, tool_calls=[call], finish="tool_calls", usage=(40, 9))),
        json_reply(completion("21 degrees.", usage=(60, 3))),
    )
    ctx = thread_ctx(tools=[WEATHER])

    await engine.run(ctx)

    assert ctx.events[:5] == [
        ("tool_calls", "step_1"),
        ("function", "call_2", "get_weather"),
        ("arguments", "call_2", '{"location": "Paris"}'),
        ("usage", 40, 9),
        ("requires_action", "step_1"),
    ]
    assert ctx.text() == "21 degrees."
    assert upstream.received[1].body["messages"][-1] == {
        "role": "tool",
        "tool_call_id": "up_x",
        "content": '{"temp": 21}',
    }


async def test_without_upstream_usage_tokens_are_estimated(
    upstream: FakeChat, engine: ChatEngine
) -> None:
    upstream.reply(stream(*text_chunks("A reply of some length.")))
    ctx = thread_ctx()

    await engine.run(ctx)

    (usage,) = [e for e in ctx.events if e[0] == "usage"]
    assert usage[2] == estimate_tokens("A reply of some length.")
    assert usage[1] >= estimate_tokens("What's the weather in Paris?") > 0


async def test_completion_budget_shrinks_across_rounds(
    upstream: FakeChat, engine: ChatEngine
) -> None:
    upstream.reply(
        stream(
            chunk(tool_calls=[call_start(0, "up_a", "get_weather"), call_args(0, "{}")]),
            chunk(finish="tool_calls"),
            usage_chunk(10, 30),
        ),
        stream(*text_chunks("done"), usage_chunk(20, 5)),
    )
    ctx = thread_ctx(tools=[WEATHER], max_completion_tokens=100, temperature=0.2, top_p=0.9)

    await engine.run(ctx)

    first, second = (r.body for r in upstream.received)
    assert (first["max_completion_tokens"], second["max_completion_tokens"]) == (100, 70)
    assert "max_tokens" not in first
    assert (first["temperature"], first["top_p"]) == (0.2, 0.9)


async def test_length_ends_the_run_incomplete_with_the_text_kept(
    upstream: FakeChat, engine: ChatEngine
) -> None:
    upstream.reply(stream(*text_chunks("Once upon a", finish="length"), usage_chunk(5, 3)))
    ctx = thread_ctx(max_completion_tokens=3)

    with pytest.raises(RunIncomplete) as caught:
        await engine.run(ctx)

    assert caught.value.reason == "max_completion_tokens"
    assert ctx.text() == "Once upon a"
    assert ctx.events[-1] == ("message_left_open", "msg_1", "RunIncomplete")


async def test_content_filter_fails_with_invalid_prompt(
    upstream: FakeChat, engine: ChatEngine
) -> None:
    upstream.reply(stream(*text_chunks("I can", finish="content_filter")))
    ctx = thread_ctx()

    with pytest.raises(EngineError) as caught:
        await engine.run(ctx)

    assert caught.value.code == "invalid_prompt"
    assert "content filter" in caught.value.message
    assert ctx.events[-1] == ("message_left_open", "msg_1", "EngineError")


@pytest.mark.parametrize(
    ("status", "body", "code", "shown"),
    [
        (
            429,
            {"error": {"message": "Rate limit reached for requests", "type": "requests"}},
            "rate_limit_exceeded",
            "answered 429: Rate limit reached for requests",
        ),
        (
            500,
            {"error": {"message": "model crashed"}},
            "server_error",
            "answered 500: model crashed",
        ),
        (503, "upstream overloaded", "server_error", "answered 503: upstream overloaded"),
        (
            404,
            {"error": "model 'llama9' not found, try pulling it first"},
            "server_error",
            "answered 404: model 'llama9' not found",
        ),
        (
            400,
            {"error": {"message": "This model's maximum context length is 8192 tokens"}},
            "invalid_prompt",
            "answered 400: This model's maximum context length",
        ),
    ],
)
async def test_upstream_status_fails_the_run_with_the_matching_code(
    upstream: FakeChat,
    engine: ChatEngine,
    status: int,
    body: Any,
    code: str,
    shown: str,
) -> None:
    upstream.reply(error(status, body))
    ctx = thread_ctx()

    with pytest.raises(EngineError) as caught:
        await engine.run(ctx)

    assert caught.value.code == code
    assert caught.value.message.startswith(f"chat upstream {upstream.base_url} ")
    assert shown in caught.value.message
    assert ctx.events == []  # nothing was opened


async def test_an_echoed_key_never_reaches_the_error_or_the_log(
    upstream: FakeChat, engine: ChatEngine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    upstream.reply(error(401, {"error": {"message": f"invalid api key {KEY}"}}))

    with pytest.raises(EngineError) as caught:
        await engine.run(thread_ctx())

    assert caught.value.code == "server_error"
    assert caught.value.message == (
        f"chat upstream {upstream.base_url} answered 401: invalid api key [redacted]"
    )
    assert KEY not in caplog.text
    assert KEY not in repr(engine.upstream.__dict__)


async def test_base_url_credentials_are_not_shown(upstream: FakeChat) -> None:
    upstream.reply(error(500, {"error": {"message": "boom"}}))
    url = upstream.base_url.replace("http://", "http://me:pw@") + "?key=abc"
    engine = ChatEngine(url, "m", timeout=5)
    try:
        with pytest.raises(EngineError) as caught:
            await engine.run(thread_ctx())
    finally:
        await engine.aclose()
    assert caught.value.message.startswith(f"chat upstream {upstream.base_url} answered 500")
    assert upstream.received[0].path == "/v1/chat/completions"


async def test_an_error_inside_the_stream_fails_the_run(
    upstream: FakeChat, engine: ChatEngine
) -> None:
    upstream.reply(stream(chunk("Part"), {"error": {"message": "provider went away", "code": 502}}))
    ctx = thread_ctx()

    with pytest.raises(EngineError) as caught:
        await engine.run(ctx)

    assert caught.value.code == "server_error"
    assert "answered 502: provider went away" in caught.value.message
    assert ctx.events[-1] == ("message_left_open", "msg_1", "EngineError")


async def test_a_connection_dropped_mid_answer_fails_the_run(
    upstream: FakeChat, engine: ChatEngine
) -> None:
    upstream.reply(stream(chunk("The answer is", role="assistant"), then="drop"))
    ctx = thread_ctx()

    with pytest.raises(EngineError) as caught:
        await engine.run(ctx)

    assert caught.value.code == "server_error"
    assert "connection failed or was lost" in caught.value.message
    assert ctx.text() == "The answer is"
    assert ctx.events[-1] == ("message_left_open", "msg_1", "EngineError")


async def test_a_stream_that_ends_without_finishing_fails_the_run(
    upstream: FakeChat, engine: ChatEngine
) -> None:
    upstream.reply(stream(chunk("The answer is"), done=False))

    with pytest.raises(EngineError) as caught:
        await engine.run(thread_ctx())

    assert "ended the stream before the answer was complete" in caught.value.message


async def test_a_silent_upstream_times_out(upstream: FakeChat) -> None:
    upstream.reply(hang())
    engine = ChatEngine(upstream.base_url, "m", timeout=0.2)
    try:
        with pytest.raises(EngineError) as caught:
            await engine.run(thread_ctx())
    finally:
        await engine.aclose()

    assert caught.value.code == "server_error"
    assert caught.value.message == f"chat upstream {upstream.base_url} did not answer within 0.2 s"
    assert await asyncio.to_thread(upstream.disconnected.wait, 5)


async def test_cancelling_the_run_closes_the_upstream_response(
    upstream: FakeChat, engine: ChatEngine
) -> None:
    upstream.reply(stream(chunk("Thinking"), then="hold"))
    ctx = thread_ctx()
    task = asyncio.create_task(engine.run(ctx))
    await asyncio.wait_for(ctx.first_text.wait(), 5)

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert await asyncio.to_thread(upstream.disconnected.wait, 5)
    assert ctx.events[-1] == ("message_left_open", "msg_1", "CancelledError")


async def test_a_model_that_keeps_calling_tools_is_stopped(upstream: FakeChat) -> None:
    looping = stream(
        chunk(tool_calls=[call_start(0, "up_a", "get_weather"), call_args(0, "{}")]),
        chunk(finish="tool_calls"),
    )
    upstream.reply(looping, looping)
    engine = ChatEngine(upstream.base_url, "m", timeout=5, max_rounds=2)
    ctx = thread_ctx(tools=[WEATHER])
    try:
        with pytest.raises(EngineError) as caught:
            await engine.run(ctx)
    finally:
        await engine.aclose()

    assert caught.value.code == "server_error"
    assert "still calling tools after 2 rounds" in caught.value.message
    assert len(upstream.received) == 2
    assert ctx.kinds().count("requires_action") == 1


async def test_an_event_stream_with_the_wrong_content_type_still_works(
    upstream: FakeChat, engine: ChatEngine
) -> None:
    upstream.reply(stream(*text_chunks("Hello", " there"), content_type="text/plain"))
    ctx = thread_ctx()

    await engine.run(ctx)

    assert ctx.text() == "Hello there"


async def test_an_empty_answer_still_makes_a_message(
    upstream: FakeChat, engine: ChatEngine
) -> None:
    upstream.reply(stream(*text_chunks()))
    ctx = thread_ctx()

    await engine.run(ctx)

    assert ctx.kinds() == ["message", "usage", "message_completed"]


async def test_garbage_from_the_upstream_fails_the_run(
    upstream: FakeChat, engine: ChatEngine
) -> None:
    upstream.reply(json_reply("<html>proxy login</html>", content_type="text/html"))

    with pytest.raises(EngineError) as caught:
        await engine.run(thread_ctx())

    assert caught.value.code == "server_error"
    assert "not a chat completion" in caught.value.message
    assert json.dumps("<html>proxy login</html>")[1:-1] in caught.value.message


async def test_whole_tool_calls_without_index_are_told_apart_by_id(
    upstream: FakeChat, engine: ChatEngine
) -> None:
    # Some servers (Ollama) send each call whole in one chunk, with no index.
    calls = [
        {"id": "up_a", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}},
        {"id": "up_b", "type": "function", "function": {"name": "get_time", "arguments": "{}"}},
    ]
    upstream.reply(
        stream(chunk(tool_calls=calls), chunk(finish="tool_calls")),
        stream(*text_chunks("ok")),
    )
    ctx = thread_ctx(tools=[WEATHER, TIME])

    await engine.run(ctx)

    assert [e[2] for e in ctx.events if e[0] == "function"] == ["get_weather", "get_time"]
    sent = upstream.received[1].body["messages"]
    assert [m["tool_call_id"] for m in sent if m["role"] == "tool"] == ["up_a", "up_b"]


async def test_a_tool_call_without_a_name_fails_the_run(
    upstream: FakeChat, engine: ChatEngine
) -> None:
    upstream.reply(stream(chunk(tool_calls=[call_args(0, "{}")], finish="tool_calls")))

    with pytest.raises(EngineError) as caught:
        await engine.run(thread_ctx(tools=[WEATHER]))

    assert "tool call without a function name" in caught.value.message
