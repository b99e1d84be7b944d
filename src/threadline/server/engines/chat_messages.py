"""Assistants run -> Chat Completions request: messages, tools and run options.

Pure functions of the run's data, so the mapping is tested without any HTTP.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from threadline.api import (
    FunctionTool,
    ImageFileContent,
    ImageURLContent,
    Message,
    RefusalContent,
    Run,
    TextContent,
)

from .base import ToolChoice

ChatMessage = dict[str, Any]


@dataclass(frozen=True, slots=True)
class UpstreamCall:
    """A function call the model made, as the upstream named it, with the call id the
    run step gave it (the id the client answers)."""

    upstream_id: str
    call_id: str
    name: str
    arguments: str


def content_text(message: Message) -> str:
    """A thread message's content as chat text; non-text parts become short notes, so the
    model knows they were there."""
    parts: list[str] = []
    for part in message.content:
        if isinstance(part, TextContent):
            parts.append(part.text.value)
        elif isinstance(part, RefusalContent):
            parts.append(part.refusal)
        elif isinstance(part, ImageFileContent):
            parts.append(f"[image file {part.image_file.file_id}]")
        elif isinstance(part, ImageURLContent):
            parts.append(f"[image {_short_url(part.image_url.url)}]")
        else:
            parts.append(f"[{part.type} content]")
    return "\n".join(p for p in parts if p)


def _short_url(url: str) -> str:
    # A data: URL is the whole image in base64: megabytes of prompt that say nothing.
    if url.startswith("data:"):
        return "(inline data)"
    return url if len(url) <= 200 else url[:200] + "…"


def history(instructions: str | None, messages: Sequence[Message]) -> list[ChatMessage]:
    """The system message (the run's effective instructions) and the thread's messages."""
    chat: list[ChatMessage] = []
    if instructions:
        chat.append({"role": "system", "content": instructions})
    for message in messages:
        text = content_text(message)
        if text:  # an empty turn helps no model, and some servers reject it
            chat.append({"role": message.role, "content": text})
    return chat


def tool_round(
    content: str, calls: Sequence[UpstreamCall], outputs: dict[str, str]
) -> list[ChatMessage]:
    """One finished tool round, as the model must see it next time: its own assistant turn
    with the ``tool_calls``, then one ``tool`` message per output."""
    assistant: ChatMessage = {
        "role": "assistant",
        "content": content or None,
        "tool_calls": [
            {
                "id": call.upstream_id,
                "type": "function",
                "function": {"name": call.name, "arguments": call.arguments or "{}"},
            }
            for call in calls
        ],
    }
    results = [
        {"role": "tool", "tool_call_id": call.upstream_id, "content": outputs.get(call.call_id, "")}
        for call in calls
    ]
    return [assistant, *results]


def chat_tools(run: Run) -> list[dict[str, Any]]:
    """The run's function tools as chat tools; code_interpreter and file_search are dropped."""
    tools = []
    for tool in run.tools:
        if not isinstance(tool, FunctionTool):
            continue
        fn = tool.function
        spec: dict[str, Any] = {
            "name": fn.name,
            "parameters": fn.parameters or {"type": "object", "properties": {}},
        }
        if fn.description:
            spec["description"] = fn.description
        if fn.strict:  # false is the default: servers that do not know the field never see it
            spec["strict"] = True
        tools.append({"type": "function", "function": spec})
    return tools


def chat_tool_choice(choice: ToolChoice, *, first_round: bool) -> str | dict[str, Any] | None:
    """The chat ``tool_choice`` for a request, or None to leave it to the upstream (auto).

    A forced choice (``required`` or a named function) applies to the first round only, as
    on the hosted API: after the outputs come back the model must be free to answer.
    """
    if choice.mode == "none":
        return "none"
    if not first_round:
        return None
    if choice.mode == "required":
        return "required"
    if choice.mode == "function" and choice.function:
        return {"type": "function", "function": {"name": choice.function}}
    # auto, or a code_interpreter/file_search choice this bridge cannot honour.
    return None


def request_body(
    run: Run,
    model: str,
    messages: list[ChatMessage],
    *,
    first_round: bool,
    completion_budget: int | None,
) -> dict[str, Any]:
    """The ``POST /chat/completions`` body for one round.

    ``completion_budget`` is what is left of the run's ``max_completion_tokens`` (None: no
    limit). It goes out as ``max_completion_tokens`` only: OpenAI's reasoning models refuse
    ``max_tokens``; servers that ignore the field are still held to the limit, because the
    run's usage check ends the run ``incomplete`` once the upstream reports the tokens.
    """
    body: dict[str, Any] = {
        "model": model,
        "messages": messages,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    tools = chat_tools(run)
    if tools:
        # tool_choice and parallel_tool_calls are refused without tools.
        body["tools"] = tools
        choice = chat_tool_choice(ToolChoice.parse(run.tool_choice), first_round=first_round)
        if choice is not None:
            body["tool_choice"] = choice
        if run.parallel_tool_calls is not None:
            body["parallel_tool_calls"] = run.parallel_tool_calls
    if run.temperature is not None:
        body["temperature"] = run.temperature
    if run.top_p is not None:
        body["top_p"] = run.top_p
    if completion_budget is not None:
        body["max_completion_tokens"] = max(1, completion_budget)
    fmt = run.response_format
    if isinstance(fmt, dict) and fmt.get("type") in ("json_object", "json_schema"):
        body["response_format"] = fmt
    return body


def prompt_size(messages: list[ChatMessage]) -> str:
    """The text a prompt-token estimate is based on, when the upstream reports no usage."""
    return json.dumps(messages, ensure_ascii=False)
