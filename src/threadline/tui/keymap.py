"""``[keys]`` in the config: binding id -> key, checked before the screen is taken.

    [keys]
    send = "ctrl+s"
    new_thread = "ctrl+n,f9"     # alternatives, separated by commas

:func:`check_keys` turns the table into the keymap Textual applies (``App.set_keymap``)
or raises a one-line :class:`~threadline.config.ConfigError` naming ``keys.<id>``:

- an id that is not one of :data:`~threadline.tui.keys.KEYS`;
- a string that is not a key Textual can report (``"ctrl+shift+"``, ``"hyper+fn"``);
- two actions on one key where both can fire: the same scope, or scopes active together
  (the composer's, the screen's and the app's keys all work while you type);
- a key the composer needs while you type: a printable character, or one of its editing
  keys (arrows, home/end, ctrl+a/e/k/u/w, ctrl+z/y, f6/f7, ...) bound to anything but a
  composer action. The composer's own actions may take editing keys on purpose (``up``
  recalls the last message on an empty composer).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import Keys, _character_to_key, key_to_character
from textual.widgets import TextArea

from threadline.config import Config, ConfigError
from threadline.locations import config_path

from .keys import BY_ID, KEYS, KeyAction

MODIFIERS = frozenset({"ctrl", "alt", "shift", "meta", "super", "hyper"})

# Scopes are the app, a screen ("main", "replay") or a widget on the main screen; the keys
# of the focused widget, its screen and the app are live together.
_SCREENS = frozenset({"main", "replay"})
_TYPING = frozenset({"app", "main", "composer"})  # live while the composer has focus


def live_together(one: str, other: str) -> bool:
    """Whether keys of these two scopes can both be live at once (so one would hide the other)."""
    if one == other or "app" in (one, other):
        return True
    if one in _SCREENS or other in _SCREENS:
        # A screen's keys and those of a widget on it; two screens are never live together.
        screen, widget = (one, other) if one in _SCREENS else (other, one)
        return screen == "main" and widget not in _SCREENS
    return False  # two widgets: only one has focus


def _names() -> frozenset[str]:
    names = {key.value.rsplit("+", 1)[-1] for key in Keys}
    names |= {_character_to_key(chr(code)) for code in range(33, 127)}
    names |= {"space", "tab", "enter", "escape", "backspace", "delete", "insert"}
    return frozenset(name for name in names if name)


KEY_NAMES = _names()


def split_keys(keys: str) -> list[str]:
    """``"ctrl+j, A"`` -> ``["ctrl+j", "A"]``: stripped, single characters as Textual names
    them (``"?"`` -> ``"question_mark"``), so equal keys compare equal."""
    parts = [part.strip() for part in keys.split(",")]
    return [_character_to_key(part) if len(part) == 1 else part for part in parts]


def key_problem(key: str) -> str | None:
    """Why ``key`` is not a key Textual can report, or None."""
    if not key:
        return "an empty key"
    *modifiers, name = key.split("+")
    unknown = [m for m in modifiers if m not in MODIFIERS]
    if unknown:
        return f"{unknown[0]!r} is not a modifier (use ctrl, alt, shift, super or meta)"
    if len(set(modifiers)) != len(modifiers):
        return f"{key!r} repeats a modifier"
    if len(name) != 1 and name not in KEY_NAMES:
        return f"{name!r} is not a key name (e.g. ctrl+s, f9, alt+enter, question_mark)"
    return None


def _composer_keys() -> frozenset[str]:
    keys: set[str] = {"tab", "shift+tab"}  # the composer moves focus with tab
    for binding in TextArea.BINDINGS:
        text = binding.key if isinstance(binding, Binding) else binding[0]
        keys.update(split_keys(text))
    return frozenset(keys)


COMPOSER_KEYS = _composer_keys()
"""Keys the composer's text area uses for editing."""


def _printable(key: str) -> bool:
    character = key_to_character(key)
    return key == "space" or (character is not None and character.isprintable())


def effective_keys(overrides: Mapping[str, str]) -> dict[str, str]:
    """Binding id -> the keys it is bound to now (the default unless remapped)."""
    return {action.id: overrides.get(action.id, action.key) for action in KEYS}


def check_keys(config: Config) -> dict[str, str]:
    """The config's ``[keys]`` as a Textual keymap; a bad entry raises :class:`ConfigError`."""
    path: Path = config.source or config_path()
    keymap: dict[str, str] = {}
    for binding_id, text in config.keys.items():
        action = BY_ID.get(binding_id)
        if action is None:
            raise ConfigError(
                path, f"no key binding has this id; ids are: {', '.join(BY_ID)}", _key(binding_id)
            )
        keys = split_keys(text)
        for key in keys:
            problem = key_problem(key)
            if problem is not None:
                raise ConfigError(path, problem, _key(binding_id))
            if _printable(key) and action.scope not in {
                "messages",
                "threads",
                "inspector",
                "replay",
            }:
                raise ConfigError(
                    path,
                    f"{key!r} types a character in the composer; use a key with ctrl, alt or "
                    "a function key",
                    _key(binding_id),
                )
            if key in COMPOSER_KEYS and action.scope in {"app", "main"}:
                raise ConfigError(
                    path,
                    f"{key!r} is an editing key of the composer, where this action would "
                    "never fire; pick another key",
                    _key(binding_id),
                )
        keymap[binding_id] = ",".join(keys)
    _check_clashes(path, keymap)
    return keymap


def _check_clashes(path: Path, keymap: Mapping[str, str]) -> None:
    bound: list[tuple[KeyAction, str]] = [
        (action, key) for action in KEYS for key in split_keys(keymap.get(action.id, action.key))
    ]
    for index, (action, key) in enumerate(bound):
        for other, other_key in bound[:index]:
            if other is action or other_key != key or other.action == action.action:
                continue  # one action under two ids (delete_thread) is not a clash
            if live_together(other.scope, action.scope):
                # Name the entry the user wrote: the remapped one of the two.
                culprit = action if action.id in keymap else other
                victim = other if culprit is action else action
                raise ConfigError(
                    path,
                    f"{key!r} is also the key of {victim.id!r} ({victim.title}); "
                    "give one of them another key",
                    _key(culprit.id),
                )


def _key(binding_id: str) -> str:
    # As the user would write it in TOML (an id from the file may hold anything).
    if re.fullmatch(r"[A-Za-z0-9_-]+", binding_id):
        return f"keys.{binding_id}"
    return "keys." + json.dumps(binding_id)


def bound_keys(node: DOMNode) -> frozenset[str]:
    """The keys ``node``'s own bindings answer to once the app's keymap is applied.

    A widget that lets its bound keys skip its default handling (the composer) asks this
    instead of its class ``BINDINGS``, so a remapped key works and the old one types again.
    """
    keymap = node.app._keymap
    if not keymap:  # the usual case, on every key typed: no copy
        return frozenset(node._bindings.key_to_bindings)
    bindings = node._bindings.copy()
    bindings.apply_keymap(keymap)
    return frozenset(bindings.key_to_bindings)
