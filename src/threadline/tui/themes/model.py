"""A theme file (TOML) as a pydantic model, and its conversion to a Textual ``Theme``.

    dark = true
    primary = "#5fafd7"          # Textual's base colours; only primary is required
    background = "#1c1c1c"
    run-failed = "#ff5f5f"       # Threadline's own semantic colours (each optional)
    [variables]                  # any other Textual theme variable
    block-cursor-background = "#5fafd7"

The theme's name is the file's name without ``.toml``. Unknown keys are errors (a typo
must not go unnoticed); colours are anything Textual parses (``#rgb``, ``#rrggbb``,
``rgb(...)``, named colours, ``ansi_red`` for the terminal's own palette).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from textual.color import Color, ColorParseError
from textual.theme import Theme

SEMANTIC = ("run-failed", "needs-input", "role-user", "role-assistant", "tool-call")
"""Threadline's colour variables; stylesheets use them as ``$run-failed`` and so on."""

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_VARIABLE = re.compile(r"^[a-z][a-z0-9-]*$")


def _check_color(value: str) -> str:
    try:
        Color.parse(value)
    except ColorParseError:
        raise ValueError(f'{value[:40]!r} is not a colour (e.g. "#5fafd7")') from None
    return value


def _check_variables(value: dict[str, str]) -> dict[str, str]:
    for name in value:
        if not _VARIABLE.match(name):
            raise ValueError(f"{name[:40]!r} is not a variable name (e.g. block-cursor-background)")
    return value


def check_theme_name(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError("theme names use letters, digits, '-', '_' and '.', up to 64 characters")
    return name


ColorText = Annotated[str, AfterValidator(_check_color)]


class ThemeFile(BaseModel):
    """One theme, as written in a ``.toml`` file."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, use_attribute_docstrings=True
    )

    description: str = ""
    """A line about the theme (shown nowhere yet; for people reading the file)."""
    dark: bool = True
    """Whether this is a dark theme (Textual derives shades and text colours from it)."""
    primary: ColorText
    """The main accent: focused borders, titles, highlights."""
    secondary: ColorText | None = None
    accent: ColorText | None = None
    warning: ColorText | None = None
    error: ColorText | None = None
    success: ColorText | None = None
    foreground: ColorText | None = None
    """The text colour."""
    background: ColorText | None = None
    """The screen's background."""
    surface: ColorText | None = None
    """Panes on the background (thread list, inspector)."""
    panel: ColorText | None = None
    """Bars and dialogs (the status bar)."""
    boost: ColorText | None = None
    luminosity_spread: float = Field(default=0.15, ge=0, le=1)
    text_alpha: float = Field(default=0.95, ge=0, le=1)
    ansi: bool = False
    """Use the terminal's own 16 colours for ``ansi_*`` colours instead of fixed RGB."""

    run_failed: ColorText | None = Field(default=None, alias="run-failed")
    """A failed run: its notice, its mark in the thread list, the status bar."""
    needs_input: ColorText | None = Field(default=None, alias="needs-input")
    """A run waiting for tool output: the "?" mark, the status bar, the tool card."""
    role_user: ColorText | None = Field(default=None, alias="role-user")
    """Your messages' edge and header."""
    role_assistant: ColorText | None = Field(default=None, alias="role-assistant")
    """The assistant's message headers."""
    tool_call: ColorText | None = Field(default=None, alias="tool-call")
    """Tool call cards."""

    variables: Annotated[dict[str, ColorText], AfterValidator(_check_variables)] = Field(
        default_factory=dict
    )
    """Other Textual theme variables, e.g. ``block-cursor-background``."""

    def to_theme(self, name: str) -> Theme:
        """The Textual theme, registered under ``name``."""
        variables = dict(self.variables)
        for variable in SEMANTIC:
            value = getattr(self, variable.replace("-", "_"))
            if value is not None:
                variables[variable] = value
        return Theme(
            name=check_theme_name(name),
            primary=self.primary,
            secondary=self.secondary,
            accent=self.accent,
            warning=self.warning,
            error=self.error,
            success=self.success,
            foreground=self.foreground,
            background=self.background,
            surface=self.surface,
            panel=self.panel,
            boost=self.boost,
            dark=self.dark,
            luminosity_spread=self.luminosity_spread,
            text_alpha=self.text_alpha,
            variables=variables,
            ansi=self.ansi,
        )


def semantic_defaults(theme: Theme) -> dict[str, str]:
    """Threadline's variables for a theme that does not set them (Textual's own themes):
    each follows the generated text colour of the same meaning, so it is legible there."""
    generated = theme.to_color_system().generate()
    return {
        "run-failed": generated["text-error"],
        "needs-input": generated["text-warning"],
        "role-user": generated["text-secondary"],
        "role-assistant": generated["text-primary"],
        "tool-call": generated["text-accent"],
    }
