"""A message's whole text, read-only: where a huge message can be read and copied.

The conversation draws a bounded part of a huge message (``render_markdown.limits``);
this screen shows all of it in Textual's ``TextArea``, which draws only the lines on
screen, so a 10 MB message scrolls as fast as a short one. Select with the mouse or
shift+arrows and copy (ctrl+c) a part, or press ``c`` for the whole text.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

SOFT_WRAP_LIMIT = 200_000  # characters: wrapping more would take seconds to lay out


class FullTextScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    FullTextScreen {
        align: center middle;
        & > Vertical {
            width: 96%;
            height: 90%;
            border: thick $primary 60%;
            background: $surface;
            padding: 0 1;
        }
        .title { height: 1; text-style: bold; }
        .hint { height: 1; color: $text-muted; }
        TextArea { height: 1fr; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="full_text_close"),
        Binding("c", "copy_all", "Copy all", id="full_text_copy"),
    ]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self._title = title
        self._text = text

    def compose(self) -> ComposeResult:
        lines = self._text.count("\n") + 1
        with Vertical():
            yield Static(
                Content(f"{self._title} · {len(self._text):,} characters, {lines:,} lines"),
                classes="title",
            )
            yield TextArea(
                self._text,
                read_only=True,
                soft_wrap=len(self._text) <= SOFT_WRAP_LIMIT,
                show_line_numbers=False,
                id="full-text",
            )
            yield Static(
                Content("c copies all · ctrl+c copies the selection · escape closes"),
                classes="hint",
            )

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_copy_all(self) -> None:
        self.app.copy_to_clipboard(self._text)
        self.notify(f"Copied the message ({len(self._text):,} characters)", title="Clipboard")
