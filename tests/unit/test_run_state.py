"""The run-state reducer against the recorded streams and the streaming contract's corners."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from threadline.api import FINAL_EVENTS, iter_sse, parse_event
from threadline.core.replay import parse_stream, replay
from threadline.core.run_state import RunState, _Rope

from ..conftest import STREAMS


def raw_events(path: Path) -> list[tuple[str, Any]]:
    """(event name, decoded data) of a recorded stream, straight from the file."""
    out = []
    for sse in iter_sse([path.read_bytes()]):
        out.append((sse.event, sse.data if sse.data == "[DONE]" else json.loads(sse.data)))
    return out


def sse(name: str, data: Any) -> str:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n"


def apply_text(text: str, state: RunState | None = None) -> RunState:
    state = state or RunState()
    for event in parse_stream(text.encode()):
        state.apply(event)
    return state


def _annotation_key(a: dict[str, Any]) -> tuple[Any, ...]:
    ref = a.get("file_citation") or a.get("file_path") or {}
    return (a["type"], a.get("text"), a.get("start_index"), a.get("end_index"), ref.get("file_id"))


# --- recorded streams ----------------------------------------------------------------


@pytest.mark.parametrize("path", STREAMS, ids=lambda p: p.stem)
def test_messages_built_from_deltas_equal_the_completed_message(path: Path) -> None:
    """Stop before each final event: what deltas built must already equal the server's object."""
    state = RunState()
    checked = 0
    for event in parse_stream(path.read_bytes()):
        if event.event == "thread.message.completed":
            final = event.data_dict()
            built = state.message_dict(final["id"])
            assert state.message_text(final["id"]) == final["content"][0]["text"]["value"]
            built_text = built["content"][0]["text"]
            final_text = final["content"][0]["text"]
            assert built_text["value"] == final_text["value"]
            assert [_annotation_key(a) for a in built_text["annotations"]] == [
                _annotation_key(a) for a in final_text["annotations"]
            ]
            checked += 1
        state.apply(event)
    after = replay(parse_stream(path.read_bytes())).to_json()
    completed = {d["id"]: d for n, d in raw_events(path) if n == "thread.message.completed"}
    assert checked == len(completed) >= 1 or "StreamingToolCall" in path.name
    for message in after["messages"]:
        if message["id"] in completed:
            assert message == completed[message["id"]]


@pytest.mark.parametrize(
    "first", [p for p in STREAMS if p.name.endswith("-1.sse") and "ToolCall" in p.name]
)
def test_tool_call_built_from_deltas_matches_requires_action_and_completed_step(
    first: Path,
) -> None:
    second = first.with_name(first.name.replace("-1.sse", "-2.sse"))
    state = replay(parse_stream(first.read_bytes()))
    (step,) = state.steps()
    (call,) = step.step_details.tool_calls  # type: ignore[union-attr]
    run = state.run(state.run_ids()[0])
    assert run.status == "requires_action"
    (required,) = run.required_action.submit_tool_outputs.tool_calls  # type: ignore[union-attr]
    assert (call.id, call.function.name, call.function.arguments) == (  # type: ignore[union-attr]
        required.id,
        required.function.name,
        required.function.arguments,
    )
    # The continuation stream starts with the completed step of the first stream.
    both = replay(parse_stream(first.read_bytes()) + parse_stream(second.read_bytes()))
    completed = next(d for n, d in raw_events(second) if n == "thread.run.step.completed")
    assert both.step_dict(completed["id"]) == completed
    done_call = both.step(completed["id"]).step_details.tool_calls[0]  # type: ignore[union-attr]
    assert done_call.function.name == call.function.name  # type: ignore[union-attr]
    assert done_call.function.arguments == call.function.arguments  # type: ignore[union-attr]
    assert done_call.function.output == "warm and sunny"  # type: ignore[union-attr]


@pytest.mark.parametrize("path", STREAMS, ids=lambda p: p.stem)
def test_run_final_status_and_usage(path: Path) -> None:
    events = raw_events(path)
    last_run = [
        d
        for n, d in events
        if n.startswith("thread.run.") and d != "[DONE]" and d.get("object") == "thread.run"
    ][-1]
    state = replay(parse_stream(path.read_bytes()))
    run = state.run(last_run["id"])
    assert run.status == last_run["status"]
    assert (run.usage.to_dict() if run.usage else None) == last_run["usage"]
    assert state.to_json()["runs"][-1] == last_run
    assert state.done
    assert state.errors == [] and state.unknown_events == 0


def test_several_runs_in_one_capture() -> None:
    data = b"".join(p.read_bytes() for p in STREAMS if "Async" not in p.name)
    state = replay(parse_stream(data))
    assert len(state.run_ids()) == 3  # file search, plain run, tool call (two streams)
    assert {r.status for r in state.runs()} == {"completed"}


# --- the contract's corners ----------------------------------------------------------


def test_deltas_before_created_are_kept_when_created_arrives() -> None:
    state = apply_text(
        sse(
            "thread.message.delta",
            {
                "id": "m1",
                "object": "thread.message.delta",
                "delta": {
                    "content": [
                        {"index": 0, "type": "text", "text": {"value": "Hel", "annotations": []}}
                    ]
                },
            },
        )
        + sse(
            "thread.message.created",
            {
                "id": "m1",
                "object": "thread.message",
                "role": "assistant",
                "content": [],
                "status": "in_progress",
            },
        )
        + sse(
            "thread.message.delta",
            {
                "id": "m1",
                "object": "thread.message.delta",
                "delta": {"content": [{"index": 0, "type": "text", "text": {"value": "lo"}}]},
            },
        )
    )
    message = state.message("m1")
    assert message.text == "Hello"
    assert message.status == "in_progress"


def test_sparse_indexes_merge_by_index_not_position() -> None:
    state = apply_text(
        sse(
            "thread.message.delta",
            {
                "id": "m",
                "delta": {"content": [{"index": 2, "type": "text", "text": {"value": "two"}}]},
            },
        )
        + sse(
            "thread.message.delta",
            {
                "id": "m",
                "delta": {"content": [{"index": 0, "type": "text", "text": {"value": "zero"}}]},
            },
        )
        + sse(
            "thread.message.delta",
            {
                "id": "m",
                "delta": {"content": [{"index": 2, "type": "text", "text": {"value": "!"}}]},
            },
        )
    )
    values = [c["text"]["value"] for c in state.message_dict("m")["content"]]
    assert values == ["zero", "two!"]
    assert all("index" not in c for c in state.message_dict("m")["content"])


def test_step_completed_for_a_step_never_created() -> None:
    step = {
        "id": "step_x",
        "object": "thread.run.step",
        "run_id": "r",
        "type": "tool_calls",
        "status": "completed",
        "step_details": {"type": "tool_calls", "tool_calls": []},
    }
    state = apply_text(sse("thread.run.step.completed", step))
    assert state.step_dict("step_x") == step


def test_parallel_tool_call_argument_deltas_merge_per_call() -> None:
    def delta(index: int, **function: Any) -> str:
        call: dict[str, Any] = {"index": index, "type": "function", "function": function}
        if "name" in function:
            call["id"] = f"call_{index}"
        return sse(
            "thread.run.step.delta",
            {"id": "s", "delta": {"step_details": {"type": "tool_calls", "tool_calls": [call]}}},
        )

    state = apply_text(
        sse(
            "thread.run.step.created",
            {
                "id": "s",
                "object": "thread.run.step",
                "type": "tool_calls",
                "status": "in_progress",
                "step_details": {"type": "tool_calls", "tool_calls": []},
            },
        )
        + delta(0, name="a", arguments="", output=None)
        + delta(1, name="b", arguments="", output=None)
        + delta(1, arguments='{"y":')
        + delta(0, arguments='{"x":')
        + delta(0, arguments="1}")
        + delta(1, arguments="2}")
        + sse(
            "thread.run.step.in_progress",
            {
                "id": "s",
                "object": "thread.run.step",
                "type": "tool_calls",
                "status": "in_progress",
                "step_details": {"type": "tool_calls", "tool_calls": []},
            },
        )
    )
    calls = state.step_dict("s")["step_details"]["tool_calls"]
    assert calls == [
        {
            "id": "call_0",
            "type": "function",
            "function": {"name": "a", "arguments": '{"x":1}', "output": None},
        },
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "b", "arguments": '{"y":2}', "output": None},
        },
    ]


def test_final_event_replaces_what_deltas_built() -> None:
    final = {
        "id": "m",
        "object": "thread.message",
        "status": "completed",
        "role": "assistant",
        "content": [{"type": "text", "text": {"value": "server wins", "annotations": []}}],
    }
    state = apply_text(
        sse(
            "thread.message.delta",
            {
                "id": "m",
                "delta": {"content": [{"index": 0, "type": "text", "text": {"value": "partial"}}]},
            },
        )
        + sse("thread.message.completed", final)
    )
    assert state.message_dict("m") == final


def test_malformed_json_is_recorded_and_the_rest_still_applies() -> None:
    state = apply_text(
        "event: thread.message.delta\ndata: {not json\n\n"
        + sse(
            "thread.message.delta",
            {
                "id": "m",
                "delta": {"content": [{"index": 0, "type": "text", "text": {"value": "ok"}}]},
            },
        )
    )
    assert state.message_text("m") == "ok"
    assert len(state.errors) == 1
    assert state.errors[0]["event"] == "thread.message.delta"
    assert "not JSON" in state.errors[0]["message"]


def test_wrong_shape_is_recorded_as_an_error_naming_the_field() -> None:
    state = apply_text(sse("thread.run.created", {"object": "thread.run"}))
    assert state.run_ids() == []
    assert "id" in state.errors[0]["message"]


def test_unknown_event_type_is_counted_and_kept() -> None:
    state = apply_text(sse("thread.run.step.teleported", {"id": "x"}) + "event: ping\ndata: hi\n\n")
    assert state.unknown_events == 2
    assert state.unknown[0] == ("thread.run.step.teleported", {"id": "x"})
    assert state.to_json()["unknown_events"] == 2


def test_error_event_is_typed_and_recorded() -> None:
    state = apply_text(
        sse(
            "error",
            {"message": "boom", "type": "server_error", "param": None, "code": "server_error"},
        )
    )
    assert state.errors == [
        {
            "event": "error",
            "message": "boom",
            "type": "server_error",
            "param": None,
            "code": "server_error",
        }
    ]


def test_unknown_content_and_tool_call_types_are_kept() -> None:
    message = {
        "id": "m",
        "object": "thread.message",
        "role": "assistant",
        "content": [{"type": "hologram", "hologram": {"x": 1}}],
        "future_field": [1, 2],
    }
    step = {
        "id": "s",
        "object": "thread.run.step",
        "type": "tool_calls",
        "status": "completed",
        "step_details": {
            "type": "tool_calls",
            "tool_calls": [{"id": "c", "type": "browser", "browser": {}}],
        },
    }
    state = apply_text(
        sse("thread.message.completed", message) + sse("thread.run.step.completed", step)
    )
    assert state.message("m").content[0].type == "hologram"
    assert state.message("m").to_dict() == message
    assert state.step("s").to_dict() == step


def test_per_delta_cost_does_not_rejoin_the_text() -> None:
    """Appends are kept as chunks: nothing joins the whole text on each delta."""
    state = RunState()
    for i in range(2000):
        state.apply(
            parse_event(
                "thread.message.delta",
                json.dumps(
                    {
                        "id": "m",
                        "delta": {
                            "content": [{"index": 0, "type": "text", "text": {"value": f"t{i} "}}]
                        },
                    }
                ),
            )
        )
    value = state._messages["m"]["content"][0]["text"]["value"]
    assert isinstance(value, _Rope)
    assert len(value.parts) == 2000
    assert state.message_text("m").startswith("t0 t1 ")


def test_snapshot_events_do_not_alias_event_data() -> None:
    """Replaying the same parsed events twice (replay's step back) gives the same state."""
    for path in STREAMS:
        events = parse_stream(path.read_bytes())
        first = replay(events).to_json()
        assert replay(events).to_json() == first


def test_final_events_are_the_terminal_ones() -> None:
    assert "thread.message.completed" in FINAL_EVENTS
    assert "thread.run.step.cancelled" in FINAL_EVENTS
    assert "thread.run.in_progress" not in FINAL_EVENTS
    assert "thread.run.requires_action" not in FINAL_EVENTS
