"""Small modal dialogs: a one-line text prompt and a yes/no confirmation.

Any text shown here may be untrusted (a thread title, a URL): it is shown as ``Content``,
never parsed as markup.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

_DIALOG_CSS = """
{name} {{
    align: center middle;
    & > Vertical {{
        width: 64;
        max-width: 100%;
        height: auto;
        border: thick $primary 60%;
        background: $surface;
        padding: 1 2;
    }}
    .title {{ text-style: bold; margin-bottom: 1; }}
    .message {{ margin-bottom: 1; }}
    Horizontal {{ height: auto; align-horizontal: right; }}
    Button {{ margin-left: 2; }}
}}
"""


class TextPrompt(ModalScreen[str | None]):
    """Ask for one line of text; enter accepts, escape cancels (returns None)."""

    DEFAULT_CSS = _DIALOG_CSS.format(name="TextPrompt")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog_cancel")
    ]

    def __init__(self, title: str, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self._title = title
        self._value = value
        self._placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(self._title), classes="title")
            yield Input(self._value, placeholder=self._placeholder, id="prompt-input")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button("OK", variant="primary", id="ok")

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def _accept(self) -> None:
        value = self.query_one(Input).value.strip()
        self.dismiss(value or None)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class Confirm(ModalScreen[bool]):
    """Ask a yes/no question; y or enter on Yes confirms, n or escape declines."""

    DEFAULT_CSS = _DIALOG_CSS.format(name="Confirm")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,n", "answer(False)", "No", id="dialog_no"),
        Binding("y", "answer(True)", "Yes", id="dialog_yes"),
    ]

    def __init__(self, title: str, message: str, yes: str = "Yes", no: str = "No") -> None:
        super().__init__()
        self._title = title
        self._message = message
        self._yes = yes
        self._no = no

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(self._title), classes="title")
            yield Static(Content(self._message), classes="message")
            with Horizontal():
                yield Button(self._no, id="no")
                yield Button(self._yes, variant="warning", id="yes")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
