"""The assistant picker: the server's assistants (every page), with model and tools.

The first row is the profile's default; picking it clears the thread's own choice. The
result is a :class:`PickedAssistant` (``choice`` None = the default), or None if closed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import LoadingIndicator, OptionList, Static
from textual.widgets.option_list import Option

from threadline.api import Assistant, FunctionTool
from threadline.core.sanitize import clean_line
from threadline.core.thread_settings import AssistantChoice

from ..errors import ReportsWorkFailures
from .profiles import PICKER_CSS


@dataclass(frozen=True, slots=True)
class PickedAssistant:
    choice: AssistantChoice | None  # None: the profile's default assistant


def tools_line(assistant: Assistant) -> str:
    """``code_interpreter, file_search, get_weather()``: the assistant's tools, short."""
    names = [
        f"{tool.function.name}()" if isinstance(tool, FunctionTool) else tool.type
        for tool in assistant.tools
    ]
    return clean_line(", ".join(names)) if names else "no tools"


class AssistantPicker(ReportsWorkFailures, ModalScreen[PickedAssistant | None]):
    DEFAULT_CSS = (
        PICKER_CSS.format(name="AssistantPicker")
        + """
    AssistantPicker LoadingIndicator { height: 3; }
    """
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Close", id="picker_close")
    ]

    def __init__(
        self,
        load: Callable[[], Awaitable[list[Assistant]]],
        *,
        current: str | None,
        default: AssistantChoice | None,
    ) -> None:
        super().__init__()
        self._load = load
        self._current = current  # the id the thread uses now
        self._default = default
        self._rows: list[AssistantChoice | None] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content("Assistant for this thread"), classes="title")
            yield LoadingIndicator()
            yield OptionList(id="assistants")
            yield Static(
                Content("enter uses it for this thread's next runs · escape closes"),
                classes="hint",
            )

    def on_mount(self) -> None:
        self.query_one(OptionList).display = False
        self.fill()

    @work(exclusive=True, name="list assistants", exit_on_error=False)
    async def fill(self) -> None:
        try:
            assistants = await self._load()
        finally:
            self.query_one(LoadingIndicator).display = False
        default = self._default
        label = f"Profile default ({default.label})" if default else "Profile default"
        prompts = [Content.styled(clean_line(label), "italic $text-primary")]
        self._rows = [None]
        for assistant in assistants:
            self._rows.append(AssistantChoice.of(assistant))
            prompts.append(self._prompt(assistant))
        options = self.query_one(OptionList)
        options.set_options(Option(prompt, id=f"a{i}") for i, prompt in enumerate(prompts))
        options.display = True
        ids = [row.id if row else None for row in self._rows]
        options.highlighted = ids.index(self._current) if self._current in ids[1:] else 0
        options.focus()

    def _prompt(self, assistant: Assistant) -> Content:
        mark = "● " if assistant.id == self._current else "  "
        name = clean_line(assistant.name or "") or "(unnamed)"
        return Content.assemble(
            (mark, "$text-primary"),
            (name, "bold"),
            "  ",
            (clean_line(assistant.model), "$text-accent"),
            ("  " + clean_line(assistant.id), "dim"),
            "\n    ",
            (tools_line(assistant), "dim"),
        )

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(PickedAssistant(self._rows[event.option_index]))
