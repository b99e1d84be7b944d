"""The help screen: every key, as it is bound now, grouped by where it works."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from ..keys import KEYS, KeyAction, display_key

_SCOPES = (
    ("main", "Threads and runs"),
    ("composer", "Composer"),
    ("threads", "Thread list"),
    ("messages", "Messages (once selected)"),
    ("inspector", "Inspector (once focused: alt+i)"),
    ("replay", "Replay (threadline replay FILE)"),
    ("app", "App"),
)


def key_table(overrides: dict[str, str]) -> Content:
    """The keys as lines of ``key  title  help  [keys] id``, remapped keys shown instead."""
    lines: list[Content] = []
    width = max(len(display_key(overrides.get(k.id, k.key))) for k in KEYS)
    for scope, heading in _SCOPES:
        actions: list[KeyAction] = [k for k in KEYS if k.scope == scope]
        lines.append(Content.styled(heading, "bold $text-primary"))
        for action in actions:
            key = display_key(overrides.get(action.id, action.key))
            lines.append(
                Content.assemble(
                    (f"  {key:<{width}}  ", "$text-accent"),
                    (action.title, "bold"),
                    f"  {action.help}",
                    (f"  [keys] {action.id}", "dim"),  # the id to remap it in the config
                )
            )
        lines.append(Content(""))
    return Content("\n").join(lines)


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        & > VerticalScroll {
            width: 96;
            max-width: 100%;
            height: auto;
            max-height: 90%;
            border: thick $primary 60%;
            background: $surface;
            padding: 1 2;
        }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "dismiss", "Close", id="help_close")
    ]

    def __init__(self, overrides: dict[str, str] | None = None) -> None:
        super().__init__()
        self._overrides = overrides or {}

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Content.styled("Keys", "bold"))
            yield Static(key_table(self._overrides))
            yield Static(Content.styled("escape closes this screen", "dim"))
