"""Wire models: every recorded object round-trips unchanged; unknown types are kept."""

from __future__ import annotations

import json
from typing import Any

import pytest

from threadline.api import (
    Assistant,
    DoneEvent,
    InvalidEvent,
    ListPage,
    Message,
    MessageDeltaEvent,
    Run,
    RunStep,
    Thread,
    UnknownContent,
    UnknownEvent,
    UnknownToolCall,
    parse_event,
)

from ..conftest import CONFORMANCE

MODELS: dict[str, type[Any]] = {
    "assistant": Assistant,
    "thread": Thread,
    "thread.message": Message,
    "thread.run": Run,
    "thread.run.step": RunStep,
}


def recorded_objects() -> list[dict[str, Any]]:
    """Every JSON object body in the non-streamed records, and every item of list bodies."""
    found: list[dict[str, Any]] = []
    for path in sorted((CONFORMANCE / "openai-dotnet").glob("*.json")):
        for entry in json.loads(path.read_text())["Entries"]:
            body = entry.get("ResponseBody")
            if not isinstance(body, dict):
                continue
            items = body.get("data") if body.get("object") == "list" else [body]
            found.extend(i for i in items or [] if i.get("object") in MODELS)
    return found


def test_every_recorded_object_round_trips_exactly() -> None:
    objects = recorded_objects()
    assert len(objects) > 50
    kinds = set()
    for obj in objects:
        model = MODELS[obj["object"]].model_validate(obj)
        assert model.to_dict() == obj
        kinds.add(obj["object"])
    assert kinds == set(MODELS)


def test_list_page_of_runs() -> None:
    page = ListPage[Run].model_validate(
        {"object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False}
    )
    assert page.data == [] and page.first_id is None


def test_unknown_content_and_tool_call_types_validate_and_keep_their_data() -> None:
    message = Message.model_validate(
        {"id": "m", "content": [{"type": "audio", "audio": {"id": "a"}}]}
    )
    assert isinstance(message.content[0], UnknownContent)
    assert message.to_dict()["content"][0] == {"type": "audio", "audio": {"id": "a"}}
    step = RunStep.model_validate(
        {
            "id": "s",
            "step_details": {
                "type": "tool_calls",
                "tool_calls": [{"id": "c", "type": "web", "web": {}}],
            },
        }
    )
    assert isinstance(step.step_details.tool_calls[0], UnknownToolCall)  # type: ignore[union-attr]


def test_message_text_joins_text_blocks_only() -> None:
    message = Message.model_validate(
        {
            "id": "m",
            "content": [
                {"type": "text", "text": {"value": "a", "annotations": []}},
                {"type": "image_file", "image_file": {"file_id": "f"}},
                {"type": "text", "text": {"value": "b", "annotations": []}},
            ],
        }
    )
    assert message.text == "ab"


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("done", "[DONE]", DoneEvent),
        ("thread.message.delta", '{"id":"m","delta":{"content":[]}}', MessageDeltaEvent),
        ("thread.run.exploded", '{"id":"r"}', UnknownEvent),
        ("thread.run.created", "{oops", InvalidEvent),
        ("thread.run.created", '{"status":"queued"}', InvalidEvent),
        ("thread.run.created", "[" * 100000, InvalidEvent),
    ],
)
def test_parse_event_never_raises(name: str, data: str, kind: type[Any]) -> None:
    assert isinstance(parse_event(name, data), kind)


def test_parsed_event_keeps_the_raw_data() -> None:
    event = parse_event("thread.message.delta", '{"id":"m","delta":{"content":[]},"extra":1}')
    assert event.data_dict() == {"id": "m", "delta": {"content": []}, "extra": 1}
