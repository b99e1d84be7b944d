"""The chat engine's pure parts: run -> request body, upstream JSON -> chunks, settings."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import SecretStr

from threadline.api import Message
from threadline.errors import UserError
from threadline.server.engines import ToolChoice
from threadline.server.engines.chat import ChatConfigError, ChatEngine, create_chat_engine
from threadline.server.engines.chat_messages import (
    chat_tool_choice,
    content_text,
    history,
    request_body,
)
from threadline.server.engines.chat_upstream import (
    display_url,
    error_text,
    parse_chunk,
    parse_completion,
)

from .chat_run_context import function_tool, make_run, user

WEATHER = function_tool("get_weather", location={"type": "string"})


def body(**run_fields: Any) -> dict[str, Any]:
    return request_body(make_run(**run_fields), "m", [], first_round=True, completion_budget=None)


@pytest.mark.parametrize(
    ("value", "first", "later"),
    [
        ("none", "none", "none"),
        ("auto", None, None),
        (None, None, None),
        ("required", "required", None),
        (
            {"type": "function", "function": {"name": "get_weather"}},
            {"type": "function", "function": {"name": "get_weather"}},
            None,
        ),
        ({"type": "code_interpreter"}, None, None),  # cannot be honoured: left to the model
    ],
)
def test_tool_choice_maps_per_round(value: Any, first: Any, later: Any) -> None:
    choice = ToolChoice.parse(value)
    assert chat_tool_choice(choice, first_round=True) == first
    assert chat_tool_choice(choice, first_round=False) == later


def test_tool_options_are_only_sent_with_function_tools() -> None:
    sent = body(
        tools=[{"type": "code_interpreter"}, {"type": "file_search"}],
        tool_choice="required",
        parallel_tool_calls=False,
    )
    assert not {"tools", "tool_choice", "parallel_tool_calls"} & sent.keys()

    sent = body(tools=[WEATHER], tool_choice="required", parallel_tool_calls=False)
    assert sent["tool_choice"] == "required"
    assert sent["parallel_tool_calls"] is False
    assert sent["tools"][0]["function"]["name"] == "get_weather"


def test_a_tool_without_parameters_gets_an_empty_object_schema() -> None:
    sent = body(tools=[{"type": "function", "function": {"name": "ping", "strict": True}}])
    assert sent["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "ping",
                "parameters": {"type": "object", "properties": {}},
                "strict": True,
            },
        }
    ]


@pytest.mark.parametrize(
    ("fmt", "sent"),
    [
        ("auto", None),
        ({"type": "text"}, None),
        ({"type": "json_object"}, {"type": "json_object"}),
    ],
)
def test_response_format_passes_only_json_modes(fmt: Any, sent: Any) -> None:
    assert body(response_format=fmt).get("response_format") == sent


def test_unset_options_are_not_sent() -> None:
    sent = body()
    assert sent.keys() == {"model", "messages", "stream", "stream_options"}


def test_history_without_instructions_has_no_system_message_and_skips_empty_turns() -> None:
    empty = Message.model_validate({"id": "m0", "role": "assistant", "content": []})
    assert history(None, [user("Hi"), empty]) == [{"role": "user", "content": "Hi"}]


def test_non_text_content_becomes_a_short_note() -> None:
    message = Message.model_validate(
        {
            "id": "m1",
            "role": "user",
            "content": [
                {"type": "text", "text": {"value": "What is this?", "annotations": []}},
                {"type": "image_file", "image_file": {"file_id": "file-1"}},
                {"type": "image_url", "image_url": {"url": "https://x/cat.png"}},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0"}},
            ],
        }
    )
    assert content_text(message) == (
        "What is this?\n[image file file-1]\n[image https://x/cat.png]\n[image (inline data)]"
    )


def test_tool_call_pieces_without_index_or_with_object_arguments() -> None:
    streamed = parse_chunk(
        {"choices": [{"delta": {"tool_calls": [{"id": "a", "function": {"name": "f"}}]}}]}
    )
    assert streamed.tool_calls[0].index is None
    whole = parse_completion(
        {
            "choices": [
                {
                    "message": {
                        "content": [{"type": "text", "text": "hi"}],
                        "tool_calls": [
                            {"id": "a", "function": {"name": "f", "arguments": {"x": 1}}}
                        ],
                    },
                    "finish_reason": None,
                }
            ]
        }
    )
    assert whole.content == "hi"
    assert (whole.tool_calls[0].index, whole.tool_calls[0].arguments) == (0, '{"x": 1}')
    assert whole.finish_reason == "stop"  # a whole answer is finished by definition


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ('{"error": {"message": "bad key"}}', "bad key"),
        ('{"error": "model not found"}', "model not found"),
        ('{"message": "nope"}', "nope"),
        ("Bad Gateway", "Bad Gateway"),
        ("", "(empty body)"),
    ],
)
def test_error_text_understands_common_error_bodies(raw: str, text: str) -> None:
    assert error_text(raw) == text


def test_display_url_drops_credentials() -> None:
    assert display_url("https://u:p@api.example.com/v1/?key=k#f") == "https://api.example.com/v1"


def settings(**fields: Any) -> SimpleNamespace:
    base = {"chat_base_url": "http://localhost:11434/v1", "chat_model": "llama3.1", "timeout": 30.0}
    return SimpleNamespace(**(base | fields))


async def test_create_chat_engine_from_profile_settings() -> None:
    engine = create_chat_engine(settings(), SecretStr("k"))
    try:
        assert isinstance(engine, ChatEngine)
        assert engine.name == "chat"
        assert engine.model == "llama3.1"
        assert str(engine.upstream.url) == "http://localhost:11434/v1/chat/completions"
        assert engine.upstream.timeout == 30.0
        assert engine.default_assistant() == {
            "name": "Threadline Chat",
            "description": "Answers with llama3.1 at http://localhost:11434/v1.",
            "model": "llama3.1",
            "instructions": "You are a helpful assistant.",
        }
    finally:
        await engine.aclose()


@pytest.mark.parametrize(
    ("fields", "key", "says"),
    [
        ({"chat_base_url": None}, None, "needs chat_base_url"),
        ({"chat_model": ""}, None, "needs chat_model"),
        ({"chat_base_url": "localhost:11434"}, None, "is not an http:// or https:// URL"),
        ({}, SecretStr("two words"), "chat_api_key: the API key is empty or holds spaces"),
    ],
)
def test_create_chat_engine_reports_bad_settings(
    fields: dict[str, Any], key: SecretStr | None, says: str
) -> None:
    with pytest.raises(ChatConfigError) as caught:
        create_chat_engine(settings(**fields), key)
    assert isinstance(caught.value, UserError)
    assert says in str(caught.value)
    assert "two words" not in str(caught.value)
