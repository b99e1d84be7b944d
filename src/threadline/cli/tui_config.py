"""The full-screen app's config: a broken file does not stop the app.

``threadline send`` and ``config check`` stop at a bad config (exit 2, one line). The app
starts anyway, on what still makes sense, and says what is wrong at the top of the
conversation, naming the file, the key and (for TOML) the line, as ``config check`` does:

- the file cannot be read or is not TOML: the defaults (the embedded local demo profile);
- some entries break the schema: those entries are left out (a profile, a tool handler,
  a key binding, a top-level setting) and the rest is used;
- a bad ``[keys]`` entry: the default keys.

Nothing here writes to the file: the user fixes it, and the next start uses it whole.
"""

from __future__ import annotations

import tomllib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from threadline.config import Config, ConfigError

_TABLES = ("profiles", "tools", "keys")
_MAX_PASSES = 50


def load_for_tui(profile: str | None) -> tuple[Config, str | None, list[str]]:
    """The config to start with, the profile to open, and what to tell the user."""
    from threadline.config import ConfigError, load_config

    try:
        config = load_config()
    except ConfigError as error:
        config, left_out = salvage(error)
        if left_out:
            kept = f"Left out {', '.join(left_out)}; the rest is in use."
        else:
            kept = "Started on the built-in local demo profile."
        problems = [f"Config problem: {error}. {kept} Fix the file and restart."]
        if profile is not None and profile not in config.profiles:
            problems.append(f"No usable profile {profile!r}: opened {config.default_profile!r}.")
            profile = None
        return _without_bad_keys(config, problems), profile, problems
    notices: list[str] = []
    return _without_bad_keys(config, notices), profile, notices


def _without_bad_keys(config: Config, notices: list[str]) -> Config:
    from threadline.config import ConfigError
    from threadline.tui.keymap import check_keys

    try:
        check_keys(config)
    except ConfigError as error:
        notices.append(f"Config problem: {error}. Using the default keys.")
        return config.model_copy(update={"keys": {}})
    return config


def salvage(error: ConfigError) -> tuple[Config, list[str]]:
    """What of the broken file can be used, and the dotted names of what was left out.

    Never raises: the frames that hold the file's document (keys included) must not end
    in a traceback, so every failure here means the defaults.
    """
    from threadline.config import Config

    try:
        return _salvage(error.path)
    except Exception:
        return Config(), []


def _salvage(path: Path) -> tuple[Config, list[str]]:
    from pydantic import ValidationError

    from threadline.config import Config

    try:
        document: dict[str, Any] = tomllib.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return Config(), []
    left_out: list[str] = []
    for _ in range(_MAX_PASSES):
        try:
            config = Config.model_validate(document)
        except ValidationError as exc:
            errors = exc.errors(include_url=False, include_input=False)
            if not any(_leave_out(document, error, left_out) for error in errors):
                break
            continue
        return config, left_out
    return Config(), []


def _leave_out(document: dict[str, Any], error: Any, left_out: list[str]) -> bool:
    """Remove the entry ``error`` is about from ``document``; False if there is none."""
    loc = [part for part in error["loc"] if part != "[key]"]
    cause = (error.get("ctx") or {}).get("error")
    field = getattr(cause, "field", None)
    if not loc and field == "default_profile":
        profiles = document.get("profiles")
        if "default_profile" in document:
            del document["default_profile"]
        elif isinstance(profiles, dict) and profiles:
            document["default_profile"] = next(iter(profiles))
        else:
            return False
        left_out.append("default_profile")
        return True
    if len(loc) >= 2 and loc[0] in _TABLES and isinstance(document.get(loc[0]), dict):
        table = document[loc[0]]
        if loc[1] in table:
            del table[loc[1]]
            left_out.append(f"{loc[0]}.{loc[1]}")
            return True
    if loc and loc[0] in document:
        del document[loc[0]]
        left_out.append(str(loc[0]))
        return True
    return False
