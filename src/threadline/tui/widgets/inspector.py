"""The inspector pane: for now a summary of the current run; the run/step inspector fills it.

The seam: the screen calls :meth:`InspectorPane.show_conversation` when the thread on
screen changes and :meth:`InspectorPane.apply` for each of that conversation's updates.
A full inspector replaces the body without the screen changing.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from threadline.core.sanitize import clean_line

from ..messages import RunUpdated
from ..render import run_state_line


class InspectorPane(Vertical):
    DEFAULT_CSS = """
    InspectorPane {
        height: 1fr;
        & > .title { height: 1; padding: 0 1; text-style: bold; color: $text-primary; }
        & > #inspector-body { padding: 0 1; color: $text-muted; height: auto; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.conversation: Any = None
        self._body = Static(Content("No run yet."), id="inspector-body")

    def compose(self) -> ComposeResult:
        yield Static("Inspector", classes="title")
        yield self._body

    def show_conversation(self, conversation: Any) -> None:
        self.conversation = conversation
        self._summarise()

    def apply(self, event: RunUpdated) -> None:
        change = getattr(event.update, "change", None)
        # Deltas change nothing this summary shows.
        if event.update.kind != "event" or (change is not None and change.kind in {"run", "step"}):
            self._summarise()

    def _summarise(self) -> None:
        state = getattr(self.conversation, "state", None)
        run_id = getattr(self.conversation, "run_id", None) or (state and state.last_run_id)
        if state is None or not run_id or run_id not in state.run_ids():
            self._body.update(Content("No run yet."))
            return
        run = state.run(run_id)
        steps = state.steps(run_id)
        _, status = run_state_line(run)
        lines = [
            Content.styled(clean_line(run.id), "bold"),
            Content(status),
            Content(f"model {clean_line(run.model)}") if run.model else Content(""),
            Content(f"{len(steps)} step{'s' if len(steps) != 1 else ''}"),
        ]
        if run.usage is not None:
            usage = run.usage
            lines.append(
                Content(f"tokens {usage.prompt_tokens} in / {usage.completion_tokens} out")
            )
        self._body.update(Content("\n").join(line for line in lines if line))
