"""Themes are data: Threadline's built-ins are TOML files in this package, read through the
same model (:mod:`.model`) as the user's own files in the data folder's ``themes/``.

:func:`load_themes` returns every theme to register and one line per user file that could
not be used; the app shows those lines once, at start, and carries on without them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from pydantic import ValidationError
from textual.theme import Theme

from threadline.errors import UserError
from threadline.locations import display_path, themes_dir

from .model import SEMANTIC, ThemeFile, check_theme_name, semantic_defaults

DEFAULT_THEME = "threadline-dark"
BUILTIN_THEMES = ("threadline-dark", "threadline-light")
MAX_THEME_FILE = 64 * 1024  # a theme is a few hundred bytes; refuse anything absurd

__all__ = [
    "BUILTIN_THEMES",
    "DEFAULT_THEME",
    "SEMANTIC",
    "LoadedThemes",
    "ThemeFile",
    "ThemeFileError",
    "load_theme_file",
    "load_themes",
    "semantic_defaults",
]


class ThemeFileError(UserError):
    """A theme file that cannot be used; one line: ``<file>: <key>: <problem>``."""


@dataclass
class LoadedThemes:
    themes: list[Theme] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _parse(text: str, name: str, where: str) -> Theme:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ThemeFileError(f"{where}: invalid TOML: {exc}") from None
    try:
        check_theme_name(name)
        return ThemeFile.model_validate(data).to_theme(name)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        key = ".".join(str(part) for part in first["loc"])
        problem = str(first["msg"]).removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            problem = "unknown key"
        more = len(exc.errors()) - 1
        extra = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        raise ThemeFileError(
            f"{where}: {key}: {problem}{extra}" if key else f"{where}: {problem}{extra}"
        ) from None
    except ValueError as exc:
        raise ThemeFileError(f"{where}: {exc}") from None


def load_theme_file(path: Path) -> Theme:
    """The theme in ``path``, named after the file. Raises :class:`ThemeFileError`."""
    where = display_path(path)
    try:
        with path.open("rb") as file:
            data = file.read(MAX_THEME_FILE + 1)
    except OSError as exc:
        raise ThemeFileError(f"{where}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_THEME_FILE:
        raise ThemeFileError(f"{where}: larger than {MAX_THEME_FILE // 1024} KB; not a theme")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ThemeFileError(f"{where}: is not UTF-8 text") from None
    return _parse(text, path.stem, where)


def builtin_themes() -> list[Theme]:
    folder = resources.files(__name__).joinpath("builtin")
    return [
        _parse(folder.joinpath(f"{name}.toml").read_text("utf-8"), name, name)
        for name in BUILTIN_THEMES
    ]


def load_themes(folder: Path | None = None) -> LoadedThemes:
    """The built-in themes, then the user's (``*.toml`` in ``folder``, default the data
    folder's ``themes/``), each a Textual theme; bad user files become ``problems``."""
    loaded = LoadedThemes(builtin_themes())
    folder = themes_dir() if folder is None else folder
    try:
        paths = sorted(p for p in folder.iterdir() if p.suffix == ".toml")
    except FileNotFoundError:
        return loaded
    except OSError as exc:
        loaded.problems.append(f"{display_path(folder)}: cannot list: {exc.strerror or exc}")
        return loaded
    for path in paths:
        try:
            loaded.themes.append(load_theme_file(path))
        except ThemeFileError as exc:
            loaded.problems.append(str(exc))
    return loaded
