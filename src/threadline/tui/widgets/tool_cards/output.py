"""A tool call's output field: multi-line, with the composer's keys.

Enter (the composer's ``send`` key) moves on to the next card, or submits from the last;
the composer's ``newline`` keys add a line. The bindings reuse those two ids, so remapping
``send`` or ``newline`` in ``[keys]`` changes the output fields too.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import TextArea

from threadline.core.sanitize import clean

from ...keymap import bound_keys
from ...keys import BY_ID


class OutputField(TextArea):
    DEFAULT_CSS = """
    OutputField {
        width: 1fr;
        height: auto;
        min-height: 1;
        max-height: 8;
        border: none;
        padding: 0 1;
        background: $boost;
        &:focus { border: none; background: $primary 15%; }
        &.-error { background: $error 15%; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(BY_ID["send"].key, "enter", "Next / submit", show=False, id="send"),
        Binding(BY_ID["newline"].key, "newline", "New line", show=False, id="newline"),
    ]

    class Entered(Message):
        """Enter was pressed in the field."""

        def __init__(self, field: OutputField) -> None:
            super().__init__()
            self.field = field

        @property
        def control(self) -> OutputField:
            return self.field

    def __init__(self, call_id: str, *, cursor_blink: bool = True) -> None:
        super().__init__(
            "",
            soft_wrap=True,
            tab_behavior="focus",
            show_line_numbers=False,
            placeholder="type the output",
        )
        self.call_id = call_id
        self.cursor_blink = cursor_blink

    async def _on_key(self, event: events.Key) -> None:
        # As in the composer: bound keys (after [keys] remapping) skip TextArea's handler,
        # which would insert a newline for enter, and go to the binding check.
        if event.key in bound_keys(self):
            event.prevent_default()

    async def _on_paste(self, event: events.Paste) -> None:
        event.prevent_default()
        if not self.read_only:
            await super()._on_paste(events.Paste(clean(event.text)))

    def show(self, text: str) -> None:
        """Show ``text`` (already cleaned) unless it is what the field holds."""
        if self.text != text:
            self.load_text(text)
            self.move_cursor(self.document.end)

    def action_enter(self) -> None:
        self.post_message(self.Entered(self))

    def action_newline(self) -> None:
        if not self.read_only:
            self.insert("\n")
