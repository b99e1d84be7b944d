"""A message's whole text, read-only: where a huge message can be read and copied.

The conversation draws a bounded part of a huge message (``render_markdown.limits``);
this screen shows all of it, as plain text, in Textual's ``Log``, which draws only the
lines on screen (a 10 MB message opens in a fraction of a second; ``TextArea`` measures
every line first and takes seconds). Lines longer than ``CHUNK`` characters are shown
in pieces, each on its own row. ``c`` copies the whole text, as it is.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Log, Static

CHUNK = 1_000  # characters of a long line per row


def rows(text: str) -> list[str]:
    """The text's lines, long ones in pieces of ``CHUNK`` characters (an empty one as a
    space: ``Log.write_lines`` drops empty strings)."""
    out: list[str] = []
    for line in text.split("\n"):
        if len(line) <= CHUNK:
            out.append(line or " ")
        else:
            out.extend(line[start : start + CHUNK] for start in range(0, len(line), CHUNK))
    return out


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
        Log { height: 1fr; }
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
        self._log = Log(auto_scroll=False, id="full-text")

    def compose(self) -> ComposeResult:
        lines = self._text.count("\n") + 1
        with Vertical():
            yield Static(
                Content(f"{self._title} · {len(self._text):,} characters, {lines:,} lines"),
                classes="title",
            )
            yield self._log
            yield Static(
                Content(f"c copies all · rows cut every {CHUNK:,} characters · escape closes"),
                classes="hint",
            )

    def on_mount(self) -> None:
        # Keys that arrive together (a paste whose escapes Textual turns into key presses)
        # can close the screen before it mounts: a query then found nothing and crashed.
        if not self._log.is_attached:
            return
        self._log.write_lines(rows(self._text))
        self._log.focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_copy_all(self) -> None:
        self.app.copy_to_clipboard(self._text)
        self.notify(f"Copied the message ({len(self._text):,} characters)", title="Clipboard")
