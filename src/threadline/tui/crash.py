"""What a crash prints: the traceback, without local variables, the API key redacted.

Textual prints an unhandled exception's traceback when the app exits, with every frame's
local variables (``show_locals=True``). A frame may hold the profile's headers, a request,
a config document: that is how a key ends up on a screen or in a bug report. This mixin
prints the same traceback without locals, and passes every line through the session's
``redact`` for anything a server echoed into an exception's message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from textual.app import App


class CrashWithoutLocals:
    """Mixin for the app (before ``App`` in the bases)."""

    def _fatal_error(self) -> None:
        # Textual's own, but show_locals=False and redacted (see the module docstring).
        import sys

        import rich
        from rich.segment import Segments
        from rich.traceback import Traceback

        app = cast("App[Any]", self)
        app.bell()
        exc_type, exc_value, tb = sys.exc_info()
        if exc_type is None or exc_value is None:
            return
        trace = Traceback.extract(exc_type, exc_value, tb, show_locals=False)
        redact = getattr(getattr(app, "session", None), "redact", None)
        if redact is not None:  # before rendering: a long key would be folded across lines
            _redact_stacks(trace.stacks, redact)
        traceback = Traceback(trace, width=None, suppress=[rich])
        app._exit_renderables.append(Segments(app.console.render(traceback, app.console.options)))
        app._close_messages_no_wait()


def _redact_stacks(stacks: list[Any], redact: Callable[[str], str]) -> None:
    for stack in stacks:
        stack.exc_value = redact(stack.exc_value)
        stack.notes = [redact(note) for note in stack.notes]
        if stack.syntax_error is not None:
            stack.syntax_error.msg = redact(stack.syntax_error.msg)
            stack.syntax_error.line = redact(stack.syntax_error.line)
        for group in stack.exceptions:  # an exception group's members
            _redact_stacks(group.stacks, redact)
