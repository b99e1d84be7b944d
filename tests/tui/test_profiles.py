"""Profiles: the switcher, what it shows about each profile's key, switching sessions, and
the last profile remembered in the data folder (never by rewriting the config)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from textual.widgets import OptionList

from threadline.cli import main
from threadline.cli.backend import open_backend
from threadline.config import Config
from threadline.core.app_state import LAST_PROFILE, THEME, read_startup_state
from threadline.core.session import Session
from threadline.core.store import STORE_FILE, ClientStore
from threadline.tui.app import ThreadlineApp, create_app
from threadline.tui.clock import Clock
from threadline.tui.screens.dialogs import Confirm
from threadline.tui.screens.profiles import ProfilePicker

from .conftest import settle, type_text
from .fakes import NOW, FakeSession, reset_ids
from .workflow_support import until

TWO_PROFILES = {
    "profiles": {
        "local": {},
        "work": {
            "backend": "remote",
            "base_url": "https://assistants.example.com/v1",
            "api_key_env": "WORK_KEY",
        },
    }
}


class FakeProfiles:
    """Apps whose factory opens a fake session for the profile asked for, one store."""

    def __init__(self, folder: Path, config: Config) -> None:
        self.folder = folder
        self.config = config
        self.sessions: list[FakeSession] = []

    async def seed(self) -> None:
        store = await ClientStore.open(self.store_path)
        for profile, titles in (("local", ["Local one", "Local two"]), ("work", ["Work plan"])):
            session = FakeSession(store, profile_name=profile)
            for title in titles:
                await session.add_thread(title)
        await store.close()

    @property
    def store_path(self) -> Path:
        return self.folder / STORE_FILE

    def __call__(self, profile: str | None = None) -> ThreadlineApp:
        async def factory(name: str | None) -> FakeSession:
            store = await ClientStore.open(self.store_path)
            chosen = name or self.config.default_profile
            session = FakeSession(store, profile_name=chosen, label=f"{chosen} · fake")
            self.sessions.append(session)
            return session

        return create_app(
            self.config, factory, profile=profile, clock=Clock.fixed(NOW), cursor_blink=False
        )


@pytest.fixture
async def profiles(tmp_path: Path) -> FakeProfiles:
    reset_ids()
    folder = tmp_path / "data"
    folder.mkdir(mode=0o700)
    made = FakeProfiles(folder, Config.model_validate(TWO_PROFILES))
    await made.seed()
    return made


def titles(app: ThreadlineApp) -> list[str]:
    return [entry.title for entry in app.screen.threads.entries]


async def pick(pilot, app: ThreadlineApp, name: str) -> ProfilePicker:  # type: ignore[no-untyped-def]
    await pilot.press("f3")
    await until(pilot, lambda: isinstance(app.screen, ProfilePicker))
    picker = app.screen
    assert isinstance(picker, ProfilePicker)
    options = picker.query_one(OptionList)
    options.highlighted = list(app.config.profiles).index(name)
    return picker


async def test_switching_shows_that_profiles_threads_and_is_remembered(
    profiles: FakeProfiles,
) -> None:
    app = profiles()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert titles(app) == ["Local two", "Local one"]
        first = profiles.sessions[0]
        picker = await pick(pilot, app, "work")
        prompts = [str(o.prompt) for o in picker.query_one(OptionList).options]
        assert "● local" in prompts[0] and "(current)" in prompts[0]
        # work's key comes from an unset variable: listed, with the problem, still pickable.
        assert "remote · assistants.example.com" in prompts[1]
        assert "api_key_env names WORK_KEY, which is not set" in prompts[1]
        await pilot.press("enter")
        await settle(pilot)
        assert app.session is profiles.sessions[1] and app.session.profile_name == "work"
        assert first.closed and first.store._db is not None
        assert titles(app) == ["Work plan"]
        assert app.screen.status.backend == "work · fake"
        assert app.screen.thread_id == app.screen.threads.entries[0].id
        # Back to local: its threads, and its drafts, as they were.
        await pick(pilot, app, "local")
        await pilot.press("enter")
        await settle(pilot)
        assert titles(app) == ["Local two", "Local one"]
    # The choice is in the data folder's app state, not in any config file.
    state = read_startup_state(profiles.store_path)
    assert state[LAST_PROFILE] == {"name": "local", "config": "local"}


async def test_switching_while_a_run_streams_asks_then_cancels_it(
    profiles: FakeProfiles,
) -> None:
    app = profiles()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        conversation = app.session.conversation(app.screen.thread_id)  # type: ignore[union-attr]
        conversation.hold_after = 1
        await type_text(pilot, "long one", "enter")
        await until(pilot, lambda: conversation.active)
        await pick(pilot, app, "work")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("n")  # keep the old profile
        await until(pilot, lambda: not isinstance(app.screen, Confirm))
        assert app.session is profiles.sessions[0] and conversation.active
        await pick(pilot, app, "work")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("y")
        await settle(pilot)
        assert conversation._cancelled and not conversation.active
        assert app.session is not None and app.session.profile_name == "work"


def write_config(text: str) -> Path:
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "threadline" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[ThreadlineApp]:
    apps: list[ThreadlineApp] = []
    monkeypatch.setattr(ThreadlineApp, "run", lambda self, *a, **kw: apps.append(self))
    return apps


async def remember_in_data_folder(key: str, value: dict[str, object]) -> None:
    folder = Path(os.environ["XDG_DATA_HOME"]) / "threadline"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    store = await ClientStore.open(folder / STORE_FILE)
    await store.set_state(key, value)
    await store.close()


CONFIG = """
default_profile = "local"
theme = "textual-light"
[profiles.local]
[profiles.work]
backend = "remote"
base_url = "https://assistants.example.com/v1"
"""


async def test_the_next_start_opens_the_remembered_profile_and_theme(
    started: list[ThreadlineApp],
) -> None:
    write_config(CONFIG)
    await remember_in_data_folder(LAST_PROFILE, {"name": "work", "config": "local"})
    await remember_in_data_folder(THEME, {"name": "threadline-light", "config": "textual-light"})
    assert main([]) == 0
    assert started[-1]._profile == "work"
    assert started[-1]._theme_name == "threadline-light"
    assert main(["--profile", "local"]) == 0  # --profile always wins
    assert started[-1]._profile == "local"


async def test_an_edited_config_wins_over_an_old_choice(started: list[ThreadlineApp]) -> None:
    write_config(CONFIG.replace('theme = "textual-light"', 'theme = "nord"'))
    await remember_in_data_folder(LAST_PROFILE, {"name": "work", "config": "other"})
    await remember_in_data_folder(THEME, {"name": "threadline-light", "config": "textual-light"})
    assert main([]) == 0
    assert started[-1]._profile is None  # default_profile, since it changed after the choice
    assert started[-1]._theme_name == "nord"


async def test_a_remembered_profile_gone_from_the_config_falls_back(
    started: list[ThreadlineApp],
) -> None:
    write_config(CONFIG)
    await remember_in_data_folder(LAST_PROFILE, {"name": "deleted", "config": "local"})
    assert main([]) == 0
    assert started[-1]._profile is None


def test_without_a_theme_anywhere_the_app_starts_in_threadline_dark(
    started: list[ThreadlineApp],
) -> None:
    assert main([]) == 0
    assert started[-1]._theme_name == "threadline-dark"


async def test_a_failing_key_command_is_reported_in_the_app(tmp_path: Path) -> None:
    config = Config.model_validate(
        {
            "profiles": {
                "vault": {
                    "backend": "remote",
                    "base_url": "https://assistants.example.com/v1",
                    "api_key_command": [
                        sys.executable,
                        "-c",
                        "import sys; sys.stderr.write('vault is locked\\n'); sys.exit(3)",
                    ],
                }
            },
            "default_profile": "vault",
        }
    )

    async def open_session(name: str | None) -> Session:
        store = await ClientStore.open(tmp_path / STORE_FILE)
        return Session(config, name, store, open_backend)

    app = create_app(config, open_session, clock=Clock.fixed(NOW), cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        problem = app.screen.status.problem
        assert problem.startswith("profile 'vault': api_key_command: ")
        assert problem.endswith("exited with status 3: vault is locked")
        banner = str(app.screen.query_one("#banner").render())
        assert "vault is locked" in banner and "Local threads and drafts still work" in banner
        notes = [(n.title, n.message) for n in app._notifications]
        assert ("API key missing", problem) in notes
