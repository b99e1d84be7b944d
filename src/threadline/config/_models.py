"""The config schema: pydantic models whose field docstrings are the reference.

Every model forbids unknown keys, so a typo is an error that names it instead of a
setting silently ignored. ``config.example.toml`` documents every field; a test keeps the
two in step.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    field_validator,
    model_validator,
)

from threadline.config._errors import UnknownProfileError, _FieldProblem

IMPLICIT_PROFILE = "local"

# RFC 9110 token characters: what a header name may contain.
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$")
# The API's rule for function names.
_FUNCTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _header_safe(text: str) -> bool:
    # Printable ASCII and tabs only: anything else is refused by httpx, whose error would
    # then quote the value (possibly a key).
    return all(ch == "\t" or " " <= ch <= "~" for ch in text)


def _check_profile_name(name: str) -> str:
    if not _PROFILE_NAME.match(name):
        raise ValueError("profile names use letters, digits, '_', '-' and '.', up to 64 characters")
    return name


def _check_function_name(name: str) -> str:
    if not _FUNCTION_NAME.match(name):
        raise ValueError("function names use letters, digits, '_' and '-', up to 64 characters")
    return name


def _check_env_name(name: str) -> str:
    if not _ENV_NAME.match(name):
        raise ValueError("not a valid environment variable name")
    return name


def _check_header_name(name: str) -> str:
    if not _HEADER_NAME.match(name):
        raise ValueError("not a valid HTTP header name")
    return name


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError('should be an http:// or https:// URL, e.g. "https://host/v1"')
    return url.rstrip("/")


def _split_command(value: Any) -> Any:
    # A string is split like a shell would split it, but no shell ever runs it.
    if isinstance(value, str):
        try:
            return shlex.split(value)
        except ValueError as exc:
            raise ValueError(f"cannot split the command: {exc}") from None
    return value


def _check_command(argv: list[str]) -> list[str]:
    if not argv or not argv[0]:
        raise ValueError('should start with the program to run, e.g. ["program", "arg"]')
    return argv


def _check_secret(secret: SecretStr) -> SecretStr:
    value = secret.get_secret_value()
    if not value.strip():
        raise ValueError("is empty; remove it or set the key")
    if not _header_safe(value):
        raise ValueError("contains characters that cannot be sent in an HTTP header")
    return secret


ProfileName = Annotated[str, AfterValidator(_check_profile_name)]
FunctionName = Annotated[str, AfterValidator(_check_function_name)]
EnvName = Annotated[str, AfterValidator(_check_env_name)]
HeaderName = Annotated[str, AfterValidator(_check_header_name)]
Url = Annotated[str, AfterValidator(_check_url)]
Command = Annotated[list[str], BeforeValidator(_split_command), AfterValidator(_check_command)]
Secret = Annotated[SecretStr, AfterValidator(_check_secret)]
Seconds = Annotated[float, Field(gt=0, allow_inf_nan=False)]
NonEmpty = Annotated[str, Field(min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Profile(_Model):
    """One backend to talk to: ``[profiles.NAME]``."""

    backend: Literal["local", "remote"] = "local"
    """Where runs execute: "local" is Threadline's embedded Assistants-compatible server,
    "remote" any Assistants v2 server at `base_url`."""

    engine: Literal["demo", "chat"] = "demo"
    """For the local backend, what writes the replies: "demo" (offline, scripted) or "chat"
    (a bridge to an OpenAI-compatible Chat Completions endpoint)."""

    demo_speed: float = Field(default=60.0, ge=0, allow_inf_nan=False)
    """Demo engine speed in tokens per second; 0 means as fast as possible."""

    chat_base_url: Url | None = None
    """Chat engine: base URL of the Chat Completions API, e.g. "http://localhost:11434/v1"."""

    chat_model: NonEmpty | None = None
    """Chat engine: the model name sent to the Chat Completions API."""

    chat_api_key: Secret | None = None
    """Chat engine: the key for the Chat Completions API (prefer chat_api_key_env)."""

    chat_api_key_env: EnvName | None = None
    """Chat engine: the environment variable that holds the chat key."""

    chat_api_key_command: Command | None = None
    """Chat engine: a command (no shell) whose first line of output is the chat key."""

    base_url: Url | None = None
    """Remote backend: the Assistants API base URL, e.g. "https://host/v1"."""

    api_key: Secret | None = None
    """Remote backend: the API key (prefer api_key_env or api_key_command)."""

    api_key_env: EnvName | None = None
    """Remote backend: the environment variable that holds the API key."""

    api_key_command: Command | None = None
    """Remote backend: a command (no shell) whose first line of output is the API key, e.g.
    ["pass", "show", "openai"]; a string is split like a shell would, never run by one."""

    api_key_header: str = "Authorization: Bearer"
    """How the key is sent: "Header-Name: Prefix" sends `Header-Name: Prefix <key>`; a bare
    "Header-Name" (Azure: "api-key") sends `Header-Name: <key>`."""

    assistant_id: NonEmpty | None = None
    """The assistant new runs use unless one is chosen per thread."""

    headers: dict[HeaderName, str] = Field(default_factory=dict)
    """Extra HTTP headers sent with every request."""

    query: dict[NonEmpty, str] = Field(default_factory=dict)
    """Extra query parameters sent with every request, e.g. { "api-version" = "2025-05-01" }."""

    timeout: Seconds = 60.0
    """Seconds to wait to connect or for a response before giving up on a request."""

    max_retries: int = Field(default=2, ge=0, le=10)
    """How many times a failed request is retried (connection errors, 408, 409, 429, 5xx)."""

    stream_idle_timeout: Seconds = 60.0
    """Seconds without any stream event before the stream counts as lost and the run is
    followed by polling instead."""

    _name: str = PrivateAttr(default=IMPLICIT_PROFILE)

    @property
    def name(self) -> str:
        """The profile's name (its key under ``[profiles]``)."""
        return self._name

    def auth_header(self) -> tuple[str, str]:
        """``(header name, value prefix)`` for the key: the header value is ``prefix + key``.

        ``"Authorization: Bearer"`` gives ``("Authorization", "Bearer ")``; ``"api-key"``
        gives ``("api-key", "")``.
        """
        name, _, prefix = self.api_key_header.partition(":")
        prefix = prefix.strip()
        return name.strip(), f"{prefix} " if prefix else ""

    @field_validator("api_key_header")
    @classmethod
    def _check_api_key_header(cls, value: str) -> str:
        name, _, prefix = value.partition(":")
        if not _HEADER_NAME.match(name.strip()) or not _header_safe(prefix):
            raise ValueError(
                'should be "Header-Name" or "Header-Name: Prefix", e.g. '
                '"Authorization: Bearer" or "api-key"'
            )
        return value

    @field_validator("headers")
    @classmethod
    def _check_header_values(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if not _header_safe(text):
                raise _FieldProblem(
                    name, "contains characters that cannot be sent in an HTTP header"
                )
        return value

    @model_validator(mode="after")
    def _check_combinations(self) -> Profile:
        if self.backend == "remote" and self.base_url is None:
            raise _FieldProblem("base_url", 'is required when backend = "remote"')
        if self.engine == "chat":
            for field in ("chat_base_url", "chat_model"):
                if getattr(self, field) is None:
                    raise _FieldProblem(field, 'is required when engine = "chat"')
        for group in (
            ("api_key", "api_key_env", "api_key_command"),
            ("chat_api_key", "chat_api_key_env", "chat_api_key_command"),
        ):
            given = [field for field in group if getattr(self, field) is not None]
            if len(given) > 1:
                raise _FieldProblem(
                    None, f"set only one of {', '.join(group)} (found {' and '.join(given)})"
                )
        return self


class ToolHandler(_Model):
    """A local program that answers one function tool: ``[tools.FUNCTION_NAME]``."""

    command: Command
    """The program and its arguments, run without a shell; it gets the call's arguments
    (JSON) on stdin and its stdout is the output."""

    approve: Literal["ask", "always", "never"] = "ask"
    """The approval policy: "ask" shows the handler's output and waits for approval,
    "always" answers without asking, "never" does not run it (the user types the output)."""

    timeout: Seconds = 30.0
    """Seconds the handler may run before it is stopped and the user answers by hand."""

    env: dict[EnvName, str] = Field(default_factory=dict)
    """Extra environment variables for the handler, which otherwise gets a clean
    environment (never the API key)."""

    side_effects: bool = False
    """With approve = "ask": do not run the handler before approval; show a "run handler"
    button instead (for tools that change something)."""


class Config(_Model):
    """The whole config file."""

    default_profile: ProfileName = IMPLICIT_PROFILE
    """The profile used when --profile is not given."""

    theme: NonEmpty | None = None
    """The colour theme's name (built-in, or a file in the data folder's themes/)."""

    profiles: dict[ProfileName, Profile] = Field(default_factory=dict)
    """Backends by name. Without any, there is one implicit "local" demo profile."""

    tools: dict[FunctionName, ToolHandler] = Field(default_factory=dict)
    """Local handlers for function tools, by function name."""

    keys: dict[NonEmpty, NonEmpty] = Field(default_factory=dict)
    """Key remapping: binding id -> key, e.g. send = "ctrl+s"."""

    capture_retention: int = Field(default=200, ge=0)
    """How many runs' captured event streams are kept in the data folder (oldest go first)."""

    _source: Path | None = PrivateAttr(default=None)
    _warnings: list[str] = PrivateAttr(default_factory=list)

    @property
    def source(self) -> Path | None:
        """The file this config was read from; None for built-in defaults."""
        return self._source

    @property
    def warnings(self) -> tuple[str, ...]:
        """Problems worth telling the user that do not stop anything (loose permissions)."""
        return tuple(self._warnings)

    def profile_names(self) -> list[str]:
        """The profiles' names, in file order."""
        return list(self.profiles)

    def profile(self, name: str | None = None) -> Profile:
        """The named profile, or the default one when ``name`` is None.

        Raises:
            UnknownProfileError: no profile has that name (the message lists them).
        """
        chosen = self.default_profile if name is None else name
        try:
            return self.profiles[chosen]
        except KeyError:
            raise UnknownProfileError(chosen, self.profile_names(), self._source) from None

    @model_validator(mode="before")
    @classmethod
    def _implicit_profile(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("profiles"):
            return {**data, "profiles": {IMPLICIT_PROFILE: {}}}
        return data

    @model_validator(mode="after")
    def _check_default_profile(self) -> Config:
        if self.default_profile not in self.profiles:
            names = ", ".join(self.profiles)
            if "default_profile" in self.model_fields_set:
                message = f"no profile named {self.default_profile!r}; the profiles are: {names}"
            else:
                message = (
                    f"is {IMPLICIT_PROFILE!r} when not set, but there is no "
                    f"[profiles.{IMPLICIT_PROFILE}]; set it to one of: {names}"
                )
            raise _FieldProblem("default_profile", message)
        for name, profile in self.profiles.items():
            profile._name = name
        return self
