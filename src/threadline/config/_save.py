"""Writing settings back to the config file without losing what the user wrote."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

import tomli_w
from pydantic import BaseModel, SecretStr, TypeAdapter, ValidationError

from threadline.config._errors import ConfigError
from threadline.config._load import dotted_key, read_document, validation_error
from threadline.config._models import Config
from threadline.locations import config_path, write_private_file

SettingKey = str | tuple[str, ...]


def save_settings(values: Mapping[SettingKey, object], path: Path | None = None) -> Path:
    """Set some keys in the config file and write it back; return the file written.

    ``values`` maps dotted keys (``"theme"``, ``"profiles.work.assistant_id"``), or
    tuples of key parts for names that contain a dot, to new values; None removes the
    key. Every other key in the file is kept as read, including keys this version does not
    know (written by a newer Threadline, say). The file is written atomically (temp file in
    the same folder, fsync, rename) with mode 0600, its folder created 0700.

    tomli-w does not write comments, so saving drops the user's comments from the file.
    Save only settings the user changes on purpose (theme, default profile); app state that
    changes often (last profile used, layout, drafts) belongs in the data folder instead.

    Raises:
        ValueError: a key is not a setting, a value does not fit it, or the change would
            make a valid config invalid (a bug in the caller; the value is not quoted).
        ConfigError: the existing file cannot be read or is not TOML (it is then left
            alone), or the new one cannot be written.
    """
    target = config_path() if path is None else path
    # The work happens in a frame that returns its error instead of raising it: its locals
    # hold the whole document, keys included, and must never reach a traceback.
    written, error = _save(target, values)
    if error is not None:
        raise error
    assert written is not None
    return written


def _save(
    target: Path, values: Mapping[SettingKey, object]
) -> tuple[Path | None, Exception | None]:
    try:
        document = read_document(target) or {}
        was_valid = _is_valid(document)
        for key, value in values.items():
            parts = tuple(key.split(".")) if isinstance(key, str) else key
            _check_setting(parts, value)
            _apply(target, document, parts, value)
        if was_valid:
            try:
                Config.model_validate(document)
            except ValidationError as exc:
                error = validation_error(target, exc)
                return None, ValueError(
                    f"saving would make the config invalid: {error.key}: {error.problem}"
                )
        return write_private_file(target, tomli_w.dumps(document).encode("utf-8")), None
    except ConfigError as exc:
        return None, ConfigError(exc.path, exc.problem, exc.key)
    except ValueError as exc:
        return None, ValueError(str(exc))
    except OSError as exc:
        return None, ConfigError(target, f"cannot write: {exc.strerror or exc}")


def _is_valid(document: dict[str, Any]) -> bool:
    try:
        Config.model_validate(document)
    except ValidationError:
        return False
    return True


def _check_setting(parts: tuple[str, ...], value: object) -> None:
    name = dotted_key(parts)
    annotation: Any = Config
    field_info: Any = None
    for part in parts:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = annotation.model_fields.get(part)
            if field is None:
                raise ValueError(f"{name}: not a setting")
            annotation, field_info = field.annotation, field
        elif get_origin(annotation) is dict:
            key_type, annotation = get_args(annotation)
            field_info = None
            _validate(name, key_type, part)
        else:
            raise ValueError(f"{name}: not a setting ({part!r} is inside a value)")
    if value is not None:
        _validate(name, Annotated[annotation, field_info] if field_info else annotation, value)


def _validate(name: str, annotation: Any, value: object) -> None:
    try:
        TypeAdapter(annotation).validate_python(value)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        raise ValueError(f"{name}: {first['msg']}") from None


def _apply(path: Path, document: dict[str, Any], parts: tuple[str, ...], value: object) -> None:
    table = document
    for depth, part in enumerate(parts[:-1]):
        child = table.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(path, "should be a table", dotted_key(parts[: depth + 1]))
        table = child
    if value is None:
        table.pop(parts[-1], None)
    else:
        table[parts[-1]] = value.get_secret_value() if isinstance(value, SecretStr) else value


def starter_text() -> str:
    """The commented starter config that ``threadline config init`` writes."""
    return resources.files("threadline.config").joinpath("starter.toml").read_text("utf-8")


def write_starter_config(path: Path | None = None, *, force: bool = False) -> Path:
    """Write the starter config (mode 0600); return the file written.

    Raises:
        ConfigError: the file exists and ``force`` is false, or it cannot be written.
    """
    target = config_path() if path is None else path
    try:
        return write_private_file(target, starter_text().encode("utf-8"), overwrite=force)
    except FileExistsError:
        raise ConfigError(target, "already exists; use --force to replace it") from None
    except OSError as exc:
        raise ConfigError(target, f"cannot write: {exc.strerror or exc}") from None
