"""API keys: where they come from, and keeping them out of anything shown.

Keys stay wrapped in :class:`~pydantic.SecretStr` from the moment they are read, so a
repr, a log line or a traceback's locals shows ``**********``. Helpers that handle a
plain key return it instead of raising next to it, so an error's traceback never holds
it in a frame's locals.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from threadline.config._errors import KeyCommandError, MissingKeyError
from threadline.config._models import Config, Profile, _header_safe

MASK = "****"
KEY_COMMAND_TIMEOUT = 10.0
"""Seconds ``api_key_command`` may take (a password manager may be slow to unlock)."""

# Header, query and environment names whose values are credentials in practice
# (Azure Functions' "code", presigned URLs' "sig", ...).
_SENSITIVE_NAME = re.compile(
    r"auth|key|token|secret|passw|cookie|credential|signature|^sig$|^code$", re.IGNORECASE
)


def is_sensitive_name(name: str) -> bool:
    """Whether a header, query or environment variable called ``name`` likely holds a secret."""
    return bool(_SENSITIVE_NAME.search(name))


def resolve_api_key(profile: Profile, *, timeout: float = KEY_COMMAND_TIMEOUT) -> SecretStr | None:
    """The profile's API key from ``api_key``, ``api_key_env`` or ``api_key_command``.

    Returns None when the profile configures no key (a server that needs none). Runs the
    command each time it is called: callers cache the result for the session.

    Raises:
        MissingKeyError: the variable is unset or empty, or the command printed nothing.
        KeyCommandError: the command could not run, failed, or timed out.
    """
    return _resolve(
        profile,
        "api_key",
        profile.api_key,
        profile.api_key_env,
        profile.api_key_command,
        timeout,
    )


def resolve_chat_api_key(
    profile: Profile, *, timeout: float = KEY_COMMAND_TIMEOUT
) -> SecretStr | None:
    """The chat engine's key from ``chat_api_key``, ``chat_api_key_env`` or
    ``chat_api_key_command``; same rules as :func:`resolve_api_key`."""
    return _resolve(
        profile,
        "chat_api_key",
        profile.chat_api_key,
        profile.chat_api_key_env,
        profile.chat_api_key_command,
        timeout,
    )


def _resolve(
    profile: Profile,
    field: str,
    literal: SecretStr | None,
    env: str | None,
    command: list[str] | None,
    timeout: float,
) -> SecretStr | None:
    if literal is not None:
        return literal
    if env is not None:
        secret = SecretStr(os.environ.get(env, "").strip())
        problem = _key_problem(secret)
        if problem is None:
            return secret
        if problem == "empty":
            state = "is empty" if env in os.environ else "is not set"
            problem = f"{field}_env names {env}, which {state}"
        else:
            problem = f"the variable {env} (from {field}_env) {problem}"
        raise MissingKeyError(profile.name, problem)
    if command is not None:
        from_command, error = _run_key_command(profile.name, f"{field}_command", command, timeout)
        if error is not None:
            raise error
        return from_command
    return None


def _key_problem(secret: SecretStr) -> str | None:
    value = secret.get_secret_value()
    if not value:
        return "empty"
    if not _header_safe(value):
        return "contains characters that cannot be sent in an HTTP header"
    return None


def _run_key_command(
    profile: str, field: str, command: list[str], timeout: float
) -> tuple[SecretStr | None, KeyCommandError | None]:
    # Returns the error instead of raising it here, so the traceback never includes this
    # frame, whose locals hold the command's output.
    program = command[0]
    try:
        done = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError:
        return None, KeyCommandError(profile, f"{field}: {program}: command not found")
    except subprocess.TimeoutExpired:
        return None, KeyCommandError(
            profile, f"{field}: {program} did not finish within {timeout:g} s"
        )
    except OSError as exc:
        return None, KeyCommandError(profile, f"{field}: cannot run {program}: {exc.strerror}")
    if done.returncode != 0:
        status = (
            f"was killed by signal {-done.returncode}"
            if done.returncode < 0
            else f"exited with status {done.returncode}"
        )
        detail = _first_line(done.stderr) or "no error output"
        return None, KeyCommandError(profile, f"{field}: {program} {status}: {detail}")
    try:
        # The first line, like `pass show`, whose later lines are notes.
        lines = done.stdout.decode("utf-8").strip().splitlines()
    except UnicodeDecodeError:
        return None, KeyCommandError(profile, f"{field}: {program} printed text that is not UTF-8")
    secret = SecretStr(lines[0].strip() if lines else "")
    del lines, done
    problem = _key_problem(secret)
    if problem == "empty":
        return None, KeyCommandError(profile, f"{field}: {program} printed nothing")
    if problem is not None:
        return None, KeyCommandError(profile, f"{field}: the output of {program} {problem}")
    return secret, None


def _first_line(data: bytes) -> str:
    text = data.decode("utf-8", errors="replace").strip()
    line = text.splitlines()[0] if text else ""
    # The line goes to a terminal: no control characters, and not a whole screen of it.
    line = "".join(ch if ch.isprintable() else "?" for ch in line)
    return line if len(line) <= 200 else line[:199] + "…"


def mask_secrets(config: Config) -> dict[str, Any]:
    """The effective config as plain data, every secret replaced by ``"****"``.

    Defaults are filled in, unset options and empty tables left out, so it dumps straight
    to TOML (for ``threadline config check``). Keys, and header, query and
    handler-environment values whose names look like credentials, are masked in full.
    """
    data = config.model_dump(mode="python", exclude_none=True)
    masked = _mask(data)
    assert isinstance(masked, dict)
    return masked


def _mask(value: Any, parent: str = "") -> Any:
    if isinstance(value, SecretStr):
        return MASK
    if isinstance(value, Mapping):
        mask_values = parent in {"headers", "query", "env"}
        return {
            key: MASK if mask_values and is_sensitive_name(str(key)) else _mask(item, str(key))
            for key, item in value.items()
            if item != {}  # an empty table says nothing, and prints as a bare [header]
        }
    if isinstance(value, list):
        return [_mask(item) for item in value]
    return value


def has_plain_secret(config: Config) -> bool:
    """Whether the file itself holds a credential (not just where to find one)."""
    for profile in config.profiles.values():
        if profile.api_key is not None or profile.chat_api_key is not None:
            return True
        if any(is_sensitive_name(name) for name in (*profile.headers, *profile.query)):
            return True
    return any(is_sensitive_name(name) for handler in config.tools.values() for name in handler.env)


def key_problems(config: Config) -> list[str]:
    """One line per profile whose key comes from an unset or empty environment variable.

    Commands are not run: a password manager may prompt. For ``config check``.
    """
    problems = []
    for profile in config.profiles.values():
        for field, env in (
            ("api_key", profile.api_key_env),
            ("chat_api_key", profile.chat_api_key_env),
        ):
            if env is None:
                continue
            try:
                _resolve(profile, field, None, env, None, KEY_COMMAND_TIMEOUT)
            except MissingKeyError as exc:
                problems.append(str(exc))
    return problems
