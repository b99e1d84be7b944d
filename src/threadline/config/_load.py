"""Reading the config file: TOML -> :class:`Config`, with one-line errors and warnings."""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
import stat
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError

from threadline.config._errors import ConfigError, _FieldProblem
from threadline.config._models import Config, Profile, ToolHandler
from threadline.config._secrets import has_plain_secret
from threadline.locations import CONFIG_ENV, config_path, display_path

_TOML_POSITION = re.compile(
    r"^(?P<msg>.*) \((?P<where>at line \d+, column \d+|at end of document)\)$"
)
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def load_config(path: Path | None = None) -> Config:
    """Read and validate the config file (default: :func:`threadline.locations.config_path`).

    A missing file is not an error: it means the defaults, one implicit "local" demo
    profile. The result's ``warnings`` list what is worth fixing but stops nothing.

    Raises:
        ConfigError: the file cannot be read, is not TOML, or breaks the schema; the
            message is one line naming the file, the dotted key and the problem.
    """
    source = config_path() if path is None else path
    # The parsing frame returns its error rather than raising it: its locals hold the raw
    # document, keys included, and must not end up in a traceback.
    config, error = _parse(source)
    if error is not None:
        raise error
    assert config is not None
    if path is None and os.environ.get(CONFIG_ENV, "").strip() and config.source is None:
        config._warnings.append(
            f"{CONFIG_ENV} points to {display_path(source)}, which does not exist; "
            "using the defaults"
        )
    return config


def read_document(path: Path) -> dict[str, Any] | None:
    """The raw TOML table in ``path``; None when the file does not exist.

    Raises:
        ConfigError: unreadable file, not UTF-8, or invalid TOML.
    """
    document, error = _read_document(path)
    if error is not None:
        raise error
    return document


def _read_document(path: Path) -> tuple[dict[str, Any] | None, ConfigError | None]:
    # Errors are returned, not raised, from this frame: its locals hold the file's text.
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, None
    except IsADirectoryError:
        return None, ConfigError(path, "is a folder, expected a TOML file")
    except OSError as exc:
        return None, ConfigError(path, f"cannot read: {exc.strerror or exc}")
    try:
        return tomllib.loads(data.decode("utf-8")), None
    except UnicodeDecodeError as exc:
        return None, ConfigError(path, f"is not UTF-8 text (bad byte at offset {exc.start})")
    except tomllib.TOMLDecodeError as exc:
        return None, ConfigError(path, _toml_problem(str(exc)))


def _parse(path: Path) -> tuple[Config | None, ConfigError | None]:
    document, error = _read_document(path)
    if error is not None:
        return None, error
    if document is None:
        return Config(), None
    try:
        config = Config.model_validate(document)
    except ValidationError as exc:
        return None, validation_error(path, exc)
    config._source = path
    config._warnings.extend(_warnings(path, config))
    return config, None


def _toml_problem(message: str) -> str:
    match = _TOML_POSITION.match(message)
    if match is None:
        return f"invalid TOML: {message}"
    return f"invalid TOML {match['where']}: {match['msg']}"


def validation_error(path: Path, exc: ValidationError) -> ConfigError:
    """The first of pydantic's errors as one ``<file>: <key>: <problem>`` line.

    Never includes the offending value: it may be a key.
    """
    errors = exc.errors(include_url=False, include_input=False)
    loc, problem = _describe(errors[0])
    if len(errors) > 1:
        problem += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return ConfigError(path, problem, dotted_key(loc) or None)


def _describe(error: Any) -> tuple[list[str | int], str]:
    loc: list[str | int] = list(error["loc"])
    kind = error["type"]
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, _FieldProblem):
        if cause.field is not None:
            loc.append(cause.field)
        return loc, cause.message
    if loc and loc[-1] == "[key]":  # a bad name of a table entry, e.g. a profile name
        loc.pop()
    if kind == "extra_forbidden":
        return loc, "unknown key" + _suggestion(loc)
    if kind == "missing":
        return loc, "is required"
    message = str(error["msg"])
    if kind == "value_error":
        message = message.removeprefix("Value error, ")
    elif kind in {"dict_type", "model_type"}:
        message = "should be a table ([section] or { key = value })"
    elif kind == "list_type":
        message = 'should be a list, e.g. ["a", "b"]'
    return loc, message


def _suggestion(loc: list[str | int]) -> str:
    model = _model_at(loc[:-1])
    if model is None or not isinstance(loc[-1], str):
        return ""
    close = difflib.get_close_matches(loc[-1], list(model.model_fields), n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def _model_at(loc: list[str | int]) -> type[BaseModel] | None:
    if not loc:
        return Config
    if len(loc) == 2 and loc[0] == "profiles":
        return Profile
    if len(loc) == 2 and loc[0] == "tools":
        return ToolHandler
    return None


def dotted_key(loc: list[str | int] | tuple[str | int, ...]) -> str:
    """A pydantic location as the TOML key a user would type: ``profiles."my.work".timeout``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        piece = part if _BARE_KEY.match(part) else '"' + part.replace('"', '\\"') + '"'
        out += f".{piece}" if out else piece
    return out


def _warnings(path: Path, config: Config) -> list[str]:
    warnings = []
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mode = 0
    if mode & 0o044 and has_plain_secret(config):
        warnings.append(
            f"{display_path(path)} is readable by other users and contains an API key; chmod 600 it"
        )
    if mode & 0o022:
        warnings.append(
            f"{display_path(path)} is writable by other users, who could change the commands "
            "it runs; chmod 600 it"
        )
    for profile in config.profiles.values():
        for field, url, has_key in (
            ("base_url", profile.base_url, profile.backend == "remote" and _has_key(profile)),
            ("chat_base_url", profile.chat_base_url, _has_chat_key(profile)),
        ):
            if url is not None and has_key and _plain_http_elsewhere(url):
                warnings.append(
                    f"profiles.{profile.name}.{field} uses http:// to another host: the key "
                    "travels unencrypted; use https://"
                )
    return warnings


def _has_key(profile: Profile) -> bool:
    return any(
        v is not None for v in (profile.api_key, profile.api_key_env, profile.api_key_command)
    )


def _has_chat_key(profile: Profile) -> bool:
    return any(
        v is not None
        for v in (profile.chat_api_key, profile.chat_api_key_env, profile.chat_api_key_command)
    )


def _plain_http_elsewhere(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme != "http":
        return False
    host = parts.hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True
