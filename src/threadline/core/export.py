"""Export a thread: Markdown for reading, JSON (messages with their runs and steps) for tools.

Text from the server is cleaned of terminal control sequences in both forms: an export is
a file people ``cat``. The JSON keeps every object in the API's own shape otherwise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from threadline.api import (
    FileCitationAnnotation,
    FilePathAnnotation,
    FunctionToolCall,
    ImageFileContent,
    ImageURLContent,
    Message,
    RefusalContent,
    Run,
    RunStep,
    TextContent,
    Thread,
    ToolCallsDetails,
)

from .sanitize import clean, clean_line

if TYPE_CHECKING:
    from threadline.api import AssistantsClient  # the HTTP client loads with a session

EXPORT_FORMAT = "threadline.thread-export/1"


@dataclass
class ThreadExport:
    """Everything known about one thread, oldest first."""

    thread: Thread
    title: str
    messages: list[Message] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)
    steps: dict[str, list[RunStep]] = field(default_factory=dict)


async def collect_thread(client: AssistantsClient, thread_id: str, title: str = "") -> ThreadExport:
    """Read the thread, all its messages, runs and their steps from the server."""
    thread = await client.get_thread(thread_id)
    export = ThreadExport(thread, title or (thread.metadata or {}).get("title", "") or thread.id)
    export.messages = [m async for m in client.iter_messages(thread_id, order="asc")]
    export.runs = [r async for r in client.iter_runs(thread_id, order="asc")]
    for run in export.runs:
        export.steps[run.id] = [s async for s in client.iter_steps(thread_id, run.id, order="asc")]
    return export


def _when(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")


def _message_markdown(message: Message, notes: list[str]) -> str:
    parts: list[str] = []
    for block in message.content:
        if isinstance(block, TextContent):
            text = clean(block.text.value)
            for annotation in block.text.annotations:
                if isinstance(annotation, FileCitationAnnotation | FilePathAnnotation):
                    ref = (
                        annotation.file_citation.file_id
                        if isinstance(annotation, FileCitationAnnotation)
                        else annotation.file_path.file_id
                    )
                    notes.append(f"{clean_line(annotation.type)} {clean_line(ref)}")
                    marker = clean(annotation.text)
                    if marker:
                        text = text.replace(marker, f"[^{len(notes)}]", 1)
            parts.append(text)
        elif isinstance(block, ImageFileContent):
            parts.append(f"*[image file {clean_line(block.image_file.file_id)}]*")
        elif isinstance(block, ImageURLContent):
            parts.append(f"*[image {clean_line(block.image_url.url)}]*")
        elif isinstance(block, RefusalContent):
            parts.append(f"*[refused: {clean_line(block.refusal)}]*")
        else:
            parts.append(f"*[{clean_line(block.type)} content]*")
    return "\n\n".join(parts)


def _tool_calls_markdown(steps: list[RunStep]) -> list[str]:
    lines: list[str] = []
    for step in steps:
        if not isinstance(step.step_details, ToolCallsDetails):
            continue
        for call in step.step_details.tool_calls:
            if isinstance(call, FunctionToolCall):
                lines.append(
                    f"> tool call `{clean_line(call.function.name)}` "
                    f"`{clean_line(call.function.arguments)}` → "
                    f"`{clean_line(call.function.output or '')}`"
                )
            else:
                lines.append(f"> {clean_line(call.type)} call")
    return lines


def to_markdown(export: ThreadExport) -> str:
    """The conversation as Markdown: a heading per message, citations as footnotes."""
    out = [f"# {clean_line(export.title)}", "", f"Thread `{clean_line(export.thread.id)}`", ""]
    notes: list[str] = []
    steps_by_run = export.steps
    shown_runs: set[str] = set()
    for message in export.messages:
        if message.run_id and message.run_id not in shown_runs:
            shown_runs.add(message.run_id)
            tool_lines = _tool_calls_markdown(steps_by_run.get(message.run_id, []))
            if tool_lines:
                out += [*tool_lines, ""]
        role = "You" if message.role == "user" else "Assistant"
        out += [
            f"## {role} · {_when(message.created_at)}",
            "",
            _message_markdown(message, notes),
            "",
        ]
    if notes:
        out += [f"[^{i}]: {note}" for i, note in enumerate(notes, start=1)] + [""]
    return "\n".join(out)


def _cleaned(value: Any) -> Any:
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {k: _cleaned(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_cleaned(v) for v in value]
    return value


def to_json(export: ThreadExport) -> str:
    """The thread, its messages, and its runs each with their steps, as API objects."""
    document = {
        "format": EXPORT_FORMAT,
        "title": export.title,
        "thread": export.thread.to_dict(),
        "messages": [m.to_dict() for m in export.messages],
        "runs": [
            {**run.to_dict(), "steps": [s.to_dict() for s in export.steps.get(run.id, [])]}
            for run in export.runs
        ],
    }
    return json.dumps(_cleaned(document), ensure_ascii=False, indent=2) + "\n"
