"""A readable plain-text summary of a run state, for terminals and pipes."""

from __future__ import annotations

from .run_state import RunState
from .sanitize import clean, clean_line


def summarize(state: RunState) -> str:
    lines: list[str] = []
    thread = state.thread
    if thread is not None:
        lines.append(f"thread {clean_line(str(thread.get('id')))}")
    for run in state.runs():
        usage = run.usage
        tokens = f", {usage.prompt_tokens} in / {usage.completion_tokens} out" if usage else ""
        lines.append(f"run {clean_line(run.id)}: {clean_line(run.status)}{tokens}")
        if run.last_error is not None:
            lines.append(
                f"  error {clean_line(run.last_error.code)}: {clean_line(run.last_error.message)}"
            )
    for step in state.steps():
        lines.append(
            f"step {clean_line(step.id)}: {clean_line(step.type)} {clean_line(step.status)}"
        )
    for message in state.messages():
        lines.append(f"\n{clean_line(message.role)} ({clean_line(message.id)}):")
        lines.append(clean(message.text))
    for error in state.errors:
        where, what = clean_line(str(error.get("event"))), clean_line(str(error.get("message")))
        lines.append(f"error in {where}: {what}")
    if state.unknown_events:
        lines.append(f"{state.unknown_events} unknown events")
    return "\n".join(lines) + "\n"
