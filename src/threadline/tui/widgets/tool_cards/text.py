"""Words for the tool-call cards: pure functions over the core's round state, no widgets.

Everything returned is cleaned (``core.sanitize``) and meant for plain ``Content``: names,
descriptions, arguments, outputs and handler messages come from a server, a model or a
local program.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from threadline.core.sanitize import clean, clean_line

if TYPE_CHECKING:
    from threadline.core.tool_round import CallState

MAX_ARGUMENT_LINES = 30
MAX_DESCRIPTION_LINES = 4
MAX_PROPOSAL_LINES = 12
MAX_LINE_LENGTH = 400
"""Characters shown of one line of arguments, a description or a proposal."""
SUMMARY_LENGTH = 160
NAME_LENGTH = 120
DECLINED = "declined by the user"
"""The error text offered when the user chooses "error" on an empty output."""

ENDED = {
    "expired": "The run expired: these outputs can no longer be sent.",
    "cancelled": "The run was cancelled.",
    "cancelling": "Cancelling the run…",
    "failed": "The run failed.",
    "incomplete": "The run ended incomplete.",
    "completed": "The run went on without these outputs.",
}


def countdown(seconds: float) -> str:
    """``9:58``, ``1:02:03``; never negative."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def cap(text: str, limit: int, width: int = MAX_LINE_LENGTH) -> tuple[str, bool]:
    """``text`` cleaned, at most ``limit`` lines of at most ``width`` characters (a line
    saying how many lines were left out, a count at the end of each cut line); and
    whether anything was left out."""
    lines = clean(text).splitlines() or [""]
    shown = [
        line if len(line) <= width else f"{line[:width]}… (+{len(line) - width:,} characters)"
        for line in lines[:limit]
    ]
    cut = len(lines) > limit or any(len(line) > width for line in lines[:limit])
    if len(lines) > limit:
        shown.append(f"… {len(lines) - limit} more lines")
    return "\n".join(shown), cut


def capped(text: str, limit: int, width: int = MAX_LINE_LENGTH) -> str:
    """:func:`cap`'s text."""
    return cap(text, limit, width)[0]


def one_line(text: str, limit: int = SUMMARY_LENGTH) -> str:
    # Only the head is cleaned: the rest would be cut anyway (a 1 MB argument).
    line = " ".join(clean_line(text[: limit * 4]).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def status_words(state: CallState) -> str:
    """The card's subtitle: where this call stands."""
    if state.status == "running":
        return "handler running…"
    if state.status == "answered":
        return {
            "handler": "answered by the handler",
            "approved": "approved",
            "error": "answer: error",
        }.get(state.source or "", "answered")
    if state.status == "proposed":
        return "proposal waits for approval"
    if state.status == "awaiting_run":
        return "handler not run yet"
    return "needs output"


def handler_line(state: CallState) -> str:
    """What the handler did or will do, one line; empty when there is nothing to say."""
    if state.running:
        return "The handler is running…"
    if state.notice:
        return f"{clean_line(state.notice)}; answer by hand."
    if state.status == "awaiting_run":
        return "The handler has side effects: it runs only when you say so."
    if state.proposal is not None and state.source != "approved":
        return "The handler proposes:"
    if state.source == "handler":
        return "The handler answered."
    if state.source == "approved":
        return "You approved the handler's output."
    return ""


def summary(state: CallState) -> str:
    """A sent call in one line: ``{"location": "Paris"} → sunny``."""
    arguments = one_line(state.arguments.raw, 60)
    answer = one_line(state.text)
    if state.source == "error":
        answer = f"error: {answer}"
    return f"{arguments} → {answer}"
