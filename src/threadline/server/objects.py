"""API objects as plain dicts, with the hosted API's fields in its order.

Every object the server returns or streams is built here, so shapes live in one place.
Field order follows the recorded traffic; fields the spec requires but the hosted API left
out (a step's ``expired_at`` and ``metadata``) are included, which both accept.
"""

from __future__ import annotations

from typing import Any

from .ids import new_id

DEFAULT_RANKER = "default_2024_08_21"
TERMINAL_STATUSES = frozenset({"completed", "failed", "cancelled", "expired", "incomplete"})
RUN_TTL = 600  # seconds a run may wait in requires_action (and in queue) before expiring


def normalize_tools(tools: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Tools as the API echoes them: functions get ``strict``, file_search its ranking."""
    result: list[dict[str, Any]] = []
    for tool in tools or []:
        kind = tool["type"]
        if kind == "function":
            given = tool["function"]
            function: dict[str, Any] = {"name": given["name"]}
            for key in ("description", "parameters"):
                if key in given:
                    function[key] = given[key]
            function["strict"] = bool(given.get("strict") or False)
            result.append({"type": "function", "function": function})
        elif kind == "file_search":
            options = dict((tool.get("file_search") or {}).get("ranking_options") or {})
            options.setdefault("ranker", DEFAULT_RANKER)
            options.setdefault("score_threshold", 0.0)
            search: dict[str, Any] = {"ranking_options": options}
            if "max_num_results" in (tool.get("file_search") or {}):
                search["max_num_results"] = tool["file_search"]["max_num_results"]
            result.append({"type": "file_search", "file_search": search})
        else:
            result.append({"type": kind})
    return result


def assistant(body: dict[str, Any], created_at: int) -> dict[str, Any]:
    tools = normalize_tools(body.get("tools"))
    return {
        "id": new_id("asst_"),
        "object": "assistant",
        "created_at": created_at,
        "name": body.get("name"),
        "description": body.get("description"),
        "model": body["model"],
        "instructions": body.get("instructions"),
        "tools": tools,
        "top_p": _float(body.get("top_p")),
        "temperature": _float(body.get("temperature")),
        "reasoning_effort": body.get("reasoning_effort"),
        "tool_resources": tool_resources(body.get("tool_resources"), tools),
        "metadata": body.get("metadata") or {},
        "response_format": body.get("response_format") or "auto",
    }


def tool_resources(
    given: dict[str, Any] | None, tools: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    resources = dict(given or {})
    if tools and any(t["type"] == "code_interpreter" for t in tools):
        resources.setdefault("code_interpreter", {"file_ids": []})
    return resources


def thread(body: dict[str, Any], created_at: int) -> dict[str, Any]:
    return {
        "id": new_id("thread_"),
        "object": "thread",
        "created_at": created_at,
        "metadata": body.get("metadata") or {},
        "tool_resources": tool_resources(body.get("tool_resources")),
    }


def content_blocks(content: str | list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A create-message ``content`` (a string or parts) as message content blocks."""
    if isinstance(content, str):
        return [text_block(content)]
    blocks: list[dict[str, Any]] = []
    for part in content:
        kind = part["type"]
        if kind == "text":
            blocks.append(text_block(part["text"]))
        else:
            image = dict(part[kind])
            image.setdefault("detail", "auto")
            blocks.append({"type": kind, kind: image})
    return blocks


def text_block(value: str) -> dict[str, Any]:
    return {"type": "text", "text": {"value": value, "annotations": []}}


def message(
    thread_id: str,
    created_at: int,
    *,
    role: str,
    content: list[dict[str, Any]],
    status: str = "completed",
    assistant_id: str | None = None,
    run_id: str | None = None,
    attachments: list[dict[str, Any]] | None = None,
    metadata: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "id": new_id("msg_"),
        "object": "thread.message",
        "created_at": created_at,
        "assistant_id": assistant_id,
        "thread_id": thread_id,
        "run_id": run_id,
        "status": status,
        "incomplete_details": None,
        "incomplete_at": None,
        "completed_at": created_at if status == "completed" else None,
        "role": role,
        "content": content,
        "attachments": attachments or [],
        "metadata": metadata or {},
    }


def user_message(thread_id: str, body: dict[str, Any], created_at: int) -> dict[str, Any]:
    """A message from a create-message body (``role`` may be ``assistant`` too)."""
    return message(
        thread_id,
        created_at,
        role=body["role"],
        content=content_blocks(body["content"]),
        attachments=body.get("attachments"),
        metadata=body.get("metadata"),
    )


def run(
    *,
    thread_id: str,
    assistant: dict[str, Any],
    body: dict[str, Any],
    created_at: int,
) -> dict[str, Any]:
    """A queued run: the request's overrides over the assistant's settings."""
    instructions = body.get("instructions")
    if instructions is None:
        instructions = assistant.get("instructions")
    extra = body.get("additional_instructions")
    if extra:
        instructions = f"{instructions}\n\n{extra}" if instructions else extra
    tools = body.get("tools")
    truncation = body.get("truncation_strategy") or {"type": "auto"}
    temperature = body.get("temperature")
    top_p = body.get("top_p")
    return {
        "id": new_id("run_"),
        "object": "thread.run",
        "created_at": created_at,
        "assistant_id": assistant["id"],
        "thread_id": thread_id,
        "status": "queued",
        "started_at": None,
        "expires_at": created_at + RUN_TTL,
        "cancelled_at": None,
        "failed_at": None,
        "completed_at": None,
        "required_action": None,
        "last_error": None,
        "model": body.get("model") or assistant["model"],
        "instructions": instructions,
        "tools": normalize_tools(tools) if tools is not None else assistant["tools"],
        "tool_resources": {},
        "metadata": body.get("metadata") or {},
        "temperature": _float(temperature if temperature is not None else assistant["temperature"]),
        "top_p": _float(top_p if top_p is not None else assistant["top_p"]),
        "reasoning_effort": body.get("reasoning_effort", assistant.get("reasoning_effort")),
        "max_completion_tokens": body.get("max_completion_tokens"),
        "max_prompt_tokens": body.get("max_prompt_tokens"),
        "truncation_strategy": {
            "type": truncation["type"],
            "last_messages": truncation.get("last_messages"),
        },
        "incomplete_details": None,
        "usage": None,
        "response_format": body.get("response_format")
        or assistant.get("response_format")
        or "auto",
        "tool_choice": body.get("tool_choice") or "auto",
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
    }


def step(run: dict[str, Any], created_at: int, details: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": new_id("step_"),
        "object": "thread.run.step",
        "created_at": created_at,
        "run_id": run["id"],
        "assistant_id": run["assistant_id"],
        "thread_id": run["thread_id"],
        "type": details["type"],
        "status": "in_progress",
        "cancelled_at": None,
        "completed_at": None,
        "expires_at": run["expires_at"],
        "failed_at": None,
        "last_error": None,
        "step_details": details,
        "usage": None,
        "expired_at": None,
        "metadata": {},
    }


def usage(prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_token_details": {"cached_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0},
    }


def deleted(object_id: str, kind: str) -> dict[str, Any]:
    return {"id": object_id, "object": f"{kind}.deleted", "deleted": True}


def page(items: list[dict[str, Any]], has_more: bool) -> dict[str, Any]:
    return {
        "object": "list",
        "data": items,
        "first_id": items[0]["id"] if items else None,
        "last_id": items[-1]["id"] if items else None,
        "has_more": has_more,
    }


def _float(value: Any) -> float:
    return 1.0 if value is None else float(value)
