"""Untrusted API objects -> clean text for the views. Pure functions, no widgets.

Everything returned here has been through :func:`threadline.core.sanitize.clean` (or
``clean_line``); views still render it as plain ``Content``/markdown, never as markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from threadline.api import (
    FileCitationAnnotation,
    FilePathAnnotation,
    ImageFileContent,
    ImageURLContent,
    Message,
    RefusalContent,
    Run,
    TextContent,
    UnknownContent,
)
from threadline.core.sanitize import clean, clean_line


@dataclass(frozen=True, slots=True)
class Note:
    """A labelled line under a message: a citation, an image, why it is incomplete."""

    text: str
    kind: str  # "citation", "image", "refusal", "incomplete", "unsupported"


@dataclass(frozen=True, slots=True)
class MessageParts:
    text: str
    notes: list[Note] = field(default_factory=list)


def message_parts(message: Message) -> MessageParts:
    """The message's text (citations as ``[n]``) and its notes, cleaned."""
    texts: list[str] = []
    notes: list[Note] = []
    citation = 0
    for block in message.content:
        if isinstance(block, TextContent):
            value = block.text.value
            for annotation in block.text.annotations:
                if isinstance(annotation, FileCitationAnnotation):
                    ref, label = annotation.file_citation.file_id, ""
                elif isinstance(annotation, FilePathAnnotation):
                    ref, label = annotation.file_path.file_id, " (generated file)"
                else:
                    continue
                citation += 1
                marker = f"[{citation}]"
                if annotation.text and annotation.text in value:
                    value = value.replace(annotation.text, marker, 1)
                else:
                    value += marker
                notes.append(Note(f"{marker} {clean_line(ref)}{label}", "citation"))
            texts.append(value)
        elif isinstance(block, ImageFileContent):
            notes.append(Note(f"image: file {clean_line(block.image_file.file_id)}", "image"))
        elif isinstance(block, ImageURLContent):
            notes.append(Note(f"image: {clean_line(block.image_url.url)}", "image"))
        elif isinstance(block, RefusalContent):
            notes.append(Note(f"refused: {clean_line(block.refusal)}", "refusal"))
        elif isinstance(block, UnknownContent):
            notes.append(Note(f"({clean_line(block.type)} content not shown)", "unsupported"))
    if message.status == "incomplete":
        reason = message.incomplete_details.reason if message.incomplete_details else "unknown"
        notes.append(Note(f"incomplete: {clean_line(reason)}", "incomplete"))
    return MessageParts(clean("".join(texts)), notes)


# Run statuses and how a notice shows them: (css class, words).
_END_STATES = {
    "completed": ("-completed", "completed"),
    "cancelled": ("-cancelled", "cancelled"),
    "cancelling": ("-cancelled", "cancelling…"),
    "expired": ("-expired", "expired before it finished"),
    "failed": ("-failed", "failed"),
    "incomplete": ("-incomplete", "incomplete"),
    "requires_action": ("-requires-action", "waiting for tool output"),
    "queued": ("-running", "queued…"),
    "in_progress": ("-running", "running…"),
}


def run_state_line(run: Run, error: str | None = None) -> tuple[str, str]:
    """``(css class, one clean line)`` for where a run stands or how it ended."""
    css, words = _END_STATES.get(run.status, ("-running", clean_line(run.status)))
    detail = ""
    if run.status == "failed":
        if run.last_error is not None:
            detail = f"{run.last_error.code}: {run.last_error.message}"
        elif error:
            detail = error
    elif run.status == "incomplete" and run.incomplete_details is not None:
        detail = run.incomplete_details.reason
    elif run.status == "requires_action" and run.required_action is not None:
        calls = run.required_action.submit_tool_outputs.tool_calls
        detail = ", ".join(call.function.name for call in calls)
    elif run.status == "completed" and run.started_at and run.completed_at:
        words = f"completed in {max(0, run.completed_at - run.started_at)}s"
    if run.usage is not None and run.status == "completed":
        words += f" · {run.usage.total_tokens} tokens"
    line = f"{words}: {detail}" if detail else words
    return css, clean_line(line)


def error_line(status: str, error: str | None) -> tuple[str, str]:
    """A run that ended without a run object to show (the stream broke after acceptance)."""
    css, words = _END_STATES.get(status, ("-failed", clean_line(status)))
    return css, clean_line(f"{words}: {error}" if error else words)
