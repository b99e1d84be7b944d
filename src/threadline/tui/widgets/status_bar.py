"""One line at the bottom: profile and backend, assistant, model, run status and speed.

What went wrong takes the assistant's place: ``problem`` (the backend cannot be used) or
``failure`` (the last send or submit failed; cleared by the next that is accepted). A
request waiting to retry says so after the run status (``waiting``).

Every value that came from a server (assistant name, model, errors) is cleaned and shown
as plain ``Content``. The key hints on the right give way first when the line is short.
"""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from threadline.core.sanitize import clean_line

_RUN_STYLES = {
    "streaming": "$text-accent bold",
    "requires_action": "$needs-input bold",
    "failed": "$run-failed bold",
    "cancelled": "$text-warning",
    "expired": "$text-warning",
    "incomplete": "$text-warning",
    "reconnecting": "$text-warning",
}


class StatusBar(Widget):
    DEFAULT_CSS = """
    StatusBar {
        dock: bottom;
        height: 1;
        background: $panel;
        color: $foreground;
        padding: 0 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    backend: reactive[str] = reactive("")  # the profile and its engine or host
    assistant: reactive[str] = reactive("")
    model: reactive[str] = reactive("")
    options: reactive[str] = reactive("")  # the thread's run options, summarised
    run: reactive[str] = reactive("")
    rate: reactive[float | None] = reactive(None)
    demo: reactive[bool] = reactive(False)
    problem: reactive[str] = reactive("")
    failure: reactive[str] = reactive("")  # "not sent: cannot reach the server: …"
    waiting: reactive[str] = reactive("")  # "retrying in 12 s: 429 …"
    hints: reactive[str] = reactive("f1 help  ctrl+p commands")

    def render(self) -> Content:
        sep = Content.styled(" │ ", "dim")
        parts: list[Content] = []
        if self.backend:
            parts.append(Content.styled(clean_line(self.backend), "bold"))
        if self.waiting:  # first: it asks for a decision (the cancel key ends it)
            parts.append(Content.styled("⟳ " + clean_line(self.waiting), "$text-warning"))
        if self.problem or self.failure:
            problem = self.problem or self.failure
            parts.append(Content.styled("✗ " + clean_line(problem), "$text-error"))
        else:
            if self.assistant:
                parts.append(Content(clean_line(self.assistant)))
            if self.model:
                parts.append(Content.styled(clean_line(self.model), "dim"))
            if self.options:
                parts.append(Content.styled(clean_line(self.options), "$text-accent"))
        if self.run:
            run = Content.styled(self.run.replace("_", " "), _RUN_STYLES.get(self.run, ""))
            if self.rate is not None and self.run == "streaming":
                run += Content(f" {self.rate:.0f} tok/s")
            parts.append(run)
        left = sep.join(parts)
        right: list[Content] = []
        if self.demo:
            right.append(Content.styled(" local demo ", "reverse $text-warning"))
        if self.hints:
            right.append(Content.styled(self.hints, "dim"))
        right_content = Content("  ").join(right)
        width = self.size.width
        if left.cell_length + right_content.cell_length + 2 > width and self.hints:
            right_content = Content("  ").join(right[:-1])  # drop the hints first
        gap = max(1, width - left.cell_length - right_content.cell_length)
        return left + Content(" " * gap) + right_content
