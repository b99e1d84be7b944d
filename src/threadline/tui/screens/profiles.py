"""The profile switcher: every profile of the config, its backend, and whether its key is
usable. A profile with a problem is listed (with the problem) and can still be opened: the
app then says what is wrong, and its local threads and drafts work."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from threadline.config import Config, Profile, key_problems
from threadline.core.sanitize import clean_line

PICKER_CSS = """
{name} {{
    align: center middle;
    & > Vertical {{
        width: 80;
        max-width: 100%;
        height: auto;
        max-height: 90%;
        border: thick $primary 60%;
        background: $surface;
        padding: 1 2;
    }}
    .title {{ text-style: bold; margin-bottom: 1; }}
    .hint {{ color: $text-muted; margin-top: 1; }}
    OptionList {{ height: auto; max-height: 20; border: none; padding: 0; }}
}}
"""


def describe_backend(profile: Profile) -> str:
    """One line: where the profile's runs execute."""
    if profile.backend == "local":
        if profile.engine == "chat":
            host = str(profile.chat_base_url or "").split("://", 1)[-1].split("/", 1)[0]
            return f"local · chat · {profile.chat_model} via {host}"
        return "local · demo (offline, scripted)"
    host = str(profile.base_url or "").split("://", 1)[-1].split("/", 1)[0]
    return f"remote · {host}"


def key_notes(config: Config) -> dict[str, str]:
    """Profile name -> what is wrong with its key, for keys from unset variables.

    Key commands are not run here (a password manager may prompt); their failure is shown
    when the profile opens.
    """
    notes: dict[str, str] = {}
    for problem in key_problems(config):
        for name in config.profiles:
            prefix = f"profile {name!r}: "
            if problem.startswith(prefix):
                notes.setdefault(name, problem.removeprefix(prefix))
    return notes


def _key_source(profile: Profile) -> str:
    if profile.api_key_command is not None:
        return "key from a command, run when the profile opens"
    if profile.chat_api_key_command is not None:
        return "chat key from a command, run when the profile opens"
    return ""


class ProfilePicker(ModalScreen[str | None]):
    """Pick a profile; enter switches to it, escape keeps the current one."""

    DEFAULT_CSS = PICKER_CSS.format(name="ProfilePicker")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Close", id="picker_close")
    ]

    def __init__(self, config: Config, current: str | None, problem: str = "") -> None:
        super().__init__()
        self._config = config
        self._current = current
        self._problem = problem  # the current profile's connect error, if any
        self._names = list(config.profiles)

    def _prompt(self, name: str, notes: dict[str, str]) -> Content:
        profile = self._config.profiles[name]
        current = name == self._current
        lines = [
            Content.assemble(
                ("● " if current else "  ", "$text-primary"),
                (clean_line(name), "bold"),
                "  ",
                (describe_backend(profile), "dim"),
                ("  (current)" if current else "", "dim"),
            )
        ]
        problem = notes.get(name) or (self._problem if current else "")
        if problem:
            lines.append(Content.styled(f"    ✗ {clean_line(problem)}", "$run-failed"))
        elif source := _key_source(profile):
            lines.append(Content.styled(f"    {source}", "dim"))
        return Content("\n").join(lines)

    def compose(self) -> ComposeResult:
        notes = key_notes(self._config)
        with Vertical():
            yield Static(Content("Switch profile"), classes="title")
            yield OptionList(
                *(
                    Option(self._prompt(name, notes), id=f"p{i}")
                    for i, name in enumerate(self._names)
                ),
                id="profiles",
            )
            yield Static(Content("enter opens the profile · escape keeps this one"), classes="hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self._current in self._names:
            options.highlighted = self._names.index(self._current)
        options.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self._names[event.option_index])
