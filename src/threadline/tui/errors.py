"""What the user reads when something fails: one specific line per error, never a traceback.

Every worker that can fail reports through :class:`ReportsWorkFailures`, which turns the
worker's ``ERROR`` state into a bubbling :class:`~threadline.tui.messages.WorkFailed`; the
app's one handler calls :func:`describe` and shows the result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from textual.message_pump import MessagePump
from textual.worker import Worker, WorkerState

from threadline.config import MissingKeyError
from threadline.core.sanitize import clean_line
from threadline.core.session import (
    AuthFailed,
    BackendUnavailable,
    MissingKey,
    NoAssistant,
    NotConnected,
    SessionError,
    ThreadGone,
)
from threadline.errors import UserError

from .messages import WorkFailed


@dataclass(frozen=True, slots=True)
class Problem:
    title: str
    message: str
    severity: str = "error"  # a Textual notification severity


def describe(error: BaseException) -> Problem:
    """The title and one-line message for ``error``."""
    # Imported here: every widget module imports this one, and the api client (httpx, the
    # models) loads after the first frame.
    from threadline.api import (
        APIConnectionError,
        APIError,
        APIStatusError,
        AuthenticationError,
        NotFoundError,
    )

    message = clean_line(str(error)) or type(error).__name__
    if isinstance(error, (AuthFailed, AuthenticationError)):
        return Problem("Not authorised", message)
    if isinstance(error, (MissingKey, MissingKeyError)):
        return Problem("API key missing", message)
    if isinstance(error, BackendUnavailable):
        return Problem("Backend unavailable", message)
    if isinstance(error, NoAssistant):
        return Problem("No assistant", message)
    if isinstance(error, NotConnected):
        return Problem("Not connected", message, severity="warning")
    if isinstance(error, ThreadGone):
        return Problem("Thread not on the server", message, severity="warning")
    if isinstance(error, NotFoundError):
        return Problem("Not found", message, severity="warning")
    if isinstance(error, APIStatusError):
        return Problem(f"Server said {error.status_code}", message)
    if isinstance(error, APIConnectionError):
        return Problem("Can't reach the server", message)
    if isinstance(error, APIError):
        return Problem("Request failed", message)
    if isinstance(error, SessionError):
        return Problem("Backend problem", message)
    if isinstance(error, UserError):
        return Problem("Can't do that", message)
    if isinstance(error, OSError):
        return Problem("File or network error", message)
    # A bug of ours: still one line, with the type so a report is useful.
    return Problem("Unexpected error", f"{type(error).__name__}: {message}")


class ReportsWorkFailures:
    """Mixin for widgets and screens that run workers: failures bubble up as ``WorkFailed``.

    A plain class, not a Widget: put it first in the bases (``class X(ReportsWorkFailures,
    Widget)``) without touching the widget's CSS or component classes.
    """

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            cast(MessagePump, self).post_message(WorkFailed(event.worker.error, event.worker.name))
