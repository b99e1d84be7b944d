"""The config's errors; each is a one-line :class:`~threadline.errors.UserError` (exit 2)."""

from __future__ import annotations

from pathlib import Path

from threadline.errors import UserError
from threadline.locations import display_path


class ConfigError(UserError):
    """The config file cannot be read, is not TOML, or does not match the schema.

    ``str()`` is one line: ``<file>: <dotted key>: <what is wrong>``.
    """

    def __init__(self, path: Path, problem: str, key: str | None = None) -> None:
        self.path = path
        self.key = key
        self.problem = problem
        where = f"{display_path(path)}: {key}: " if key else f"{display_path(path)}: "
        super().__init__(where + problem)


class UnknownProfileError(UserError):
    """``--profile`` (or a saved choice) names a profile the config does not have."""

    def __init__(self, name: str, available: list[str], path: Path | None) -> None:
        self.name = name
        self.available = available
        where = f" in {display_path(path)}" if path is not None else ""
        super().__init__(
            f"no profile named {name!r}{where}; the profiles are: {', '.join(available)}"
        )


class MissingKeyError(UserError):
    """A profile's API key is configured but unavailable (unset variable, empty output).

    Other profiles keep working: this is raised only when that profile's key is resolved.
    """

    def __init__(self, profile: str, message: str) -> None:
        self.profile = profile
        super().__init__(f"profile {profile!r}: {message}")


class KeyCommandError(MissingKeyError):
    """``api_key_command`` (or ``chat_api_key_command``) failed: not found, status, timeout."""


class _FieldProblem(ValueError):
    """Raised inside validators to name the exact key that is wrong, not just its table."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
