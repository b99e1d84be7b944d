"""What the app remembers between starts: the last profile and the theme picked in the app.

These change often, so they live in the data folder's store (its ``state`` table), never in
the user's config file: rewriting the config with tomli-w would drop its comments.

Each remembered choice also records the config value it overrode. When the user later
edits that config value (``default_profile``, ``theme``), the edit wins over the old choice:
the file is where a deliberate change goes, and it should never look ignored.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .store import ClientStore  # read before the first frame: no store (api) imports

LAST_PROFILE = "last-profile"
THEME = "theme"


def read_startup_state(path: Path) -> dict[str, Any]:
    """The store's app state, read before the app starts (to pick the profile and theme
    before the first frame). Best effort: a missing, locked or damaged store gives ``{}``
    (the app's own open of the store reports real problems)."""
    import json

    if not path.is_file():
        return {}
    try:
        # mode=rw: never create the file here (the store creates it, 0600, with migrations).
        conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=0.2)
    except sqlite3.Error:
        return {}
    try:
        rows = conn.execute(
            "SELECT key, value FROM state WHERE key IN (?, ?)", (LAST_PROFILE, THEME)
        ).fetchall()
        return {str(key): json.loads(value) for key, value in rows}
    except (sqlite3.Error, ValueError):
        return {}
    finally:
        conn.close()


def remembered(state: dict[str, Any], key: str, config_default: str | None) -> str | None:
    """The name remembered under ``key``, unless the config's value changed since."""
    entry = state.get(key)
    if not isinstance(entry, dict):
        return None
    name, overrode = entry.get("name"), entry.get("config")
    if not isinstance(name, str) or overrode != config_default:
        return None
    return name


async def remember(store: ClientStore, key: str, name: str, config_default: str | None) -> None:
    """Remember ``name`` under ``key``, with the config value it overrides."""
    await store.set_state(key, {"name": name, "config": config_default})
