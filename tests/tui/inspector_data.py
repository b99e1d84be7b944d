"""A deterministic run for the inspector's snapshots: a function call answered, a
code_interpreter step, then the reply; with every setting, usage details, and arrival
times, as ``(seconds into the stream, event name, data)``."""

from __future__ import annotations

import json
from typing import Any

from threadline.core.capture import TimedEvent

from .fakes import NOW

RUN_ID, TOOL_STEP, CODE_STEP, MESSAGE_STEP = "run_0001", "step_0001", "step_0002", "step_0003"
CALL_ID, CODE_CALL, MESSAGE_ID = "call_0001", "call_0002", "msg_0001"
REPLY = "It is 18°C and sunny in Paris. The mean of your numbers is 3.875."


def weather_run(
    thread_id: str, *, new_thread: bool = True, stream_reply: bool = True
) -> list[tuple[float, str, Any]]:
    """The run's events; ``stream_reply=False`` leaves out the reply's deltas (the message
    comes whole with its completed event)."""
    run = {
        "id": RUN_ID,
        "object": "thread.run",
        "created_at": NOW,
        "thread_id": thread_id,
        "assistant_id": "asst_demo",
        "status": "queued",
        "model": "demo-model",
        "instructions": "You are Threadline's demo assistant.",
        "tools": [
            {"type": "function", "function": {"name": "get_weather"}},
            {"type": "code_interpreter"},
        ],
        "tool_choice": "auto",
        "parallel_tool_calls": True,
        "temperature": 0.7,
        "top_p": 1.0,
        "truncation_strategy": {"type": "last_messages", "last_messages": 10},
        "max_prompt_tokens": 2000,
        "max_completion_tokens": 500,
        "response_format": "auto",
        "metadata": {"project": "trip"},
        "usage": None,
    }

    def step(step_id: str, kind: str, details: dict[str, Any], **more: Any) -> dict[str, Any]:
        return {
            "id": step_id,
            "object": "thread.run.step",
            "created_at": NOW + 1,
            "run_id": RUN_ID,
            "thread_id": thread_id,
            "assistant_id": "asst_demo",
            "type": kind,
            "status": "in_progress",
            "step_details": {"type": kind, **details},
            **more,
        }

    call = {"id": CALL_ID, "type": "function", "function": {"name": "get_weather", "arguments": ""}}
    tool = step(TOOL_STEP, "tool_calls", {"tool_calls": []})
    answered = {
        **call,
        "function": {
            **call["function"],
            "arguments": '{"location": "Paris"}',
            "output": "18°C and sunny",
        },
    }
    code_input = "numbers = [3, 1, 4, 1, 5, 9, 2, 6]\nprint(sum(numbers) / len(numbers))\n"
    code = {
        "id": CODE_CALL,
        "type": "code_interpreter",
        "code_interpreter": {"input": code_input, "outputs": [{"type": "logs", "logs": "3.875\n"}]},
    }
    usage = {
        "prompt_tokens": 120,
        "completion_tokens": 35,
        "total_tokens": 155,
        "prompt_token_details": {"cached_tokens": 64},
        "completion_tokens_details": {"reasoning_tokens": 0},
    }
    waiting = {
        **run,
        "status": "requires_action",
        "started_at": NOW + 1,
        "required_action": {
            "type": "submit_tool_outputs",
            "submit_tool_outputs": {
                "tool_calls": [
                    {
                        **call,
                        "function": {"name": "get_weather", "arguments": '{"location": "Paris"}'},
                    }
                ]
            },
        },
    }
    message = {
        "id": MESSAGE_ID,
        "object": "thread.message",
        "created_at": NOW + 3,
        "thread_id": thread_id,
        "role": "assistant",
        "status": "in_progress",
        "run_id": RUN_ID,
        "assistant_id": "asst_demo",
        "content": [],
    }
    events: list[tuple[float, str, Any]] = []
    if new_thread:
        events.append(
            (0.0, "thread.created", {"id": thread_id, "object": "thread", "created_at": NOW})
        )
    events += [
        (0.012, "thread.run.created", run),
        (0.015, "thread.run.queued", run),
        (0.021, "thread.run.in_progress", {**run, "status": "in_progress", "started_at": NOW + 1}),
        (0.340, "thread.run.step.created", tool),
        (
            0.352,
            "thread.run.step.delta",
            {
                "id": TOOL_STEP,
                "object": "thread.run.step.delta",
                "delta": {
                    "step_details": {"type": "tool_calls", "tool_calls": [{"index": 0, **call}]}
                },
            },
        ),
    ]
    for at, chunk in ((0.401, '{"loc'), (0.433, 'ation": '), (0.470, '"Paris"}')):
        events.append(
            (
                at,
                "thread.run.step.delta",
                {
                    "id": TOOL_STEP,
                    "object": "thread.run.step.delta",
                    "delta": {
                        "step_details": {
                            "type": "tool_calls",
                            "tool_calls": [
                                {"index": 0, "type": "function", "function": {"arguments": chunk}}
                            ],
                        }
                    },
                },
            )
        )
    events += [
        (0.512, "thread.run.requires_action", waiting),
        # A second stream, after the tool output: its offsets start again from zero.
        (0.004, "thread.run.queued", {**waiting, "status": "queued", "required_action": None}),
        (
            0.010,
            "thread.run.in_progress",
            {**waiting, "status": "in_progress", "required_action": None},
        ),
        (
            0.030,
            "thread.run.step.completed",
            {
                **tool,
                "status": "completed",
                "completed_at": NOW + 2,
                "step_details": {"type": "tool_calls", "tool_calls": [answered]},
                "usage": {"prompt_tokens": 60, "completion_tokens": 9, "total_tokens": 69},
            },
        ),
        (0.210, "thread.run.step.created", step(CODE_STEP, "tool_calls", {"tool_calls": [code]})),
        (
            0.640,
            "thread.run.step.completed",
            {
                **step(CODE_STEP, "tool_calls", {"tool_calls": [code]}),
                "status": "completed",
                "completed_at": NOW + 2,
            },
        ),
        (
            0.700,
            "thread.run.step.created",
            step(
                MESSAGE_STEP, "message_creation", {"message_creation": {"message_id": MESSAGE_ID}}
            ),
        ),
        (0.705, "thread.message.created", message),
    ]
    words = REPLY.split(" ") if stream_reply else []
    for index, word in enumerate(words):
        fragment = word if index == 0 else " " + word
        events.append(
            (
                0.75 + index * 0.031,
                "thread.message.delta",
                {
                    "id": MESSAGE_ID,
                    "object": "thread.message.delta",
                    "delta": {
                        "content": [{"index": 0, "type": "text", "text": {"value": fragment}}]
                    },
                },
            )
        )
    done = 0.75 + len(words) * 0.031
    events += [
        (
            done + 0.01,
            "thread.message.completed",
            {
                **message,
                "status": "completed",
                "completed_at": NOW + 3,
                "content": [{"type": "text", "text": {"value": REPLY, "annotations": []}}],
            },
        ),
        (
            done + 0.02,
            "thread.run.step.completed",
            {
                **step(
                    MESSAGE_STEP,
                    "message_creation",
                    {"message_creation": {"message_id": MESSAGE_ID}},
                ),
                "status": "completed",
                "completed_at": NOW + 3,
                "usage": {"prompt_tokens": 60, "completion_tokens": 26, "total_tokens": 86},
            },
        ),
        (
            done + 0.03,
            "thread.run.completed",
            {
                **waiting,
                "status": "completed",
                "required_action": None,
                "completed_at": NOW + 3,
                "usage": usage,
            },
        ),
    ]
    return events


def weather_capture(thread_id: str = "thread_0001") -> list[TimedEvent]:
    return [
        TimedEvent(at, name, json.dumps(data, ensure_ascii=False))
        for at, name, data in weather_run(thread_id)
    ]
