"""Threadline's settings: the TOML config file, its profiles, tool handlers and keys.

    from threadline.config import load_config, resolve_api_key
    config = load_config()                  # ~/.config/threadline/config.toml or defaults
    profile = config.profile(args.profile)  # None -> default_profile
    key = resolve_api_key(profile)          # SecretStr | None

Errors (all :class:`threadline.errors.UserError`, one line, exit code 2)::

    UserError
    ├── ConfigError           the file: unreadable, not TOML, or a bad/unknown key
    ├── UnknownProfileError   --profile (or default_profile) names no profile
    └── MissingKeyError       a profile's key is configured but unavailable
        └── KeyCommandError   api_key_command not found, failed or timed out

Paths come from :mod:`threadline.locations`.
"""

from threadline.config._errors import (
    ConfigError,
    KeyCommandError,
    MissingKeyError,
    UnknownProfileError,
)
from threadline.config._load import load_config
from threadline.config._models import IMPLICIT_PROFILE, Config, Profile, ToolHandler
from threadline.config._save import save_settings, starter_text, write_starter_config
from threadline.config._secrets import (
    KEY_COMMAND_TIMEOUT,
    MASK,
    is_sensitive_name,
    key_problems,
    mask_secrets,
    resolve_api_key,
    resolve_chat_api_key,
)

__all__ = [
    "IMPLICIT_PROFILE",
    "KEY_COMMAND_TIMEOUT",
    "MASK",
    "Config",
    "ConfigError",
    "KeyCommandError",
    "MissingKeyError",
    "Profile",
    "ToolHandler",
    "UnknownProfileError",
    "is_sensitive_name",
    "key_problems",
    "load_config",
    "mask_secrets",
    "resolve_api_key",
    "resolve_chat_api_key",
    "save_settings",
    "starter_text",
    "write_starter_config",
]
