"""App state in the data folder: read before start (never creating or breaking anything),
remembered choices, per-thread settings, export file names."""

from __future__ import annotations

import stat
from pathlib import Path

from threadline.core.app_state import LAST_PROFILE, THEME, read_startup_state, remember, remembered
from threadline.core.export_file import export_name, save_export
from threadline.core.run_options import RunOptions
from threadline.core.store import ClientStore
from threadline.core.thread_settings import (
    AssistantChoice,
    ThreadSettings,
    load_thread_settings,
    save_thread_settings,
    settings_key,
)


async def test_choices_are_read_back_before_start(tmp_path: Path) -> None:
    path = tmp_path / "client.db"
    assert read_startup_state(path) == {}  # no store yet: nothing, and nothing created
    assert not path.exists()
    store = await ClientStore.open(path)
    await remember(store, LAST_PROFILE, "work", "local")
    await remember(store, THEME, "threadline-light", None)
    await store.set_state("unrelated", 1)
    await store.close()
    state = read_startup_state(path)
    assert state == {
        LAST_PROFILE: {"name": "work", "config": "local"},
        THEME: {"name": "threadline-light", "config": None},
    }
    assert remembered(state, LAST_PROFILE, "local") == "work"
    assert remembered(state, LAST_PROFILE, "other") is None  # the config changed since
    assert remembered(state, THEME, None) == "threadline-light"
    assert remembered({THEME: "not a dict"}, THEME, None) is None


def test_a_damaged_store_is_no_state(tmp_path: Path) -> None:
    path = tmp_path / "client.db"
    path.write_bytes(b"this is not a database")
    assert read_startup_state(path) == {}
    assert path.read_bytes() == b"this is not a database"  # left for the store to handle


async def test_thread_settings_round_trip_and_skip_what_does_not_validate(
    tmp_path: Path,
) -> None:
    store = await ClientStore.open(tmp_path / "client.db")
    settings = {
        "thread_a": ThreadSettings(
            assistant=AssistantChoice(id="asst_1", name="Coder", model="m", functions=("f",)),
            options=RunOptions.build(temperature=0.5, metadata={"k": "v"}),
        ),
        "thread_b": ThreadSettings(),  # default: not stored
    }
    await save_thread_settings(store, "local", settings)
    raw = await store.get_state(settings_key("local"))
    assert set(raw) == {"thread_a"}
    assert raw["thread_a"]["options"] == {"temperature": 0.5, "metadata": {"k": "v"}}
    raw["thread_c"] = {"options": {"temperature": 9}}  # out of range: another version's?
    await store.set_state(settings_key("local"), raw)
    loaded = await load_thread_settings(store, "local")
    assert loaded == {"thread_a": settings["thread_a"]}
    assert await load_thread_settings(store, "other") == {}
    await store.close()


def test_export_names_are_safe_and_per_thread(tmp_path: Path) -> None:
    assert export_name("Trip plan: Lisbon!", "thread_abc", "md") == "trip-plan-lisbon-thread-abc.md"
    assert export_name("../../etc/passwd", "thread_1", "json") == "etc-passwd-thread-1.json"
    assert export_name("", "thread_1", "md") == "thread-1.md"
    path = save_export("text", "T", "thread_1", "md", folder=tmp_path / "exports")
    assert path.parent == tmp_path / "exports" and path.read_text() == "text"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
