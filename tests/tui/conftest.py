"""Fixtures for the TUI tests: an app over a fake session and a real store in tmp_path."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual import events
from textual.pilot import Pilot

from threadline.config import Config
from threadline.core.store import ClientStore
from threadline.tui.app import ThreadlineApp, create_app
from threadline.tui.clock import Clock

from .fakes import NOW, FakeSession, reset_ids

SessionSetup = Callable[[FakeSession], Awaitable[None]]


class AppMaker:
    """Builds apps over the same data folder, so a test can restart the app."""

    def __init__(self, data: Path) -> None:
        self.store_path = data / "client.db"
        self.sessions: list[FakeSession] = []

    def __call__(
        self,
        *,
        setup: SessionSetup | None = None,
        theme: str | None = None,
        notices: list[str] | None = None,
        **session_options: object,
    ) -> ThreadlineApp:
        async def factory(profile: str | None) -> FakeSession:
            store = await ClientStore.open(self.store_path)
            session = FakeSession(store, **session_options)  # type: ignore[arg-type]
            if setup is not None:
                await setup(session)
            self.sessions.append(session)
            return session

        return create_app(
            Config(),
            factory,
            clock=Clock.fixed(NOW),
            theme=theme,
            cursor_blink=False,
            notices=notices,
        )


@pytest.fixture
def make_app(tmp_path: Path) -> AppMaker:
    reset_ids()
    return AppMaker(tmp_path / "data")


async def settle(pilot: Pilot[None]) -> None:
    """Wait until no worker runs and every message is handled (workers start workers)."""
    app = pilot.app
    # The session opens after the first frame: until then no worker runs yet, and "no
    # worker running" would not mean settled (a busy machine makes that gap wide).
    for _ in range(200):
        if getattr(app, "session_started", True):
            break
        await pilot.pause()
    for _ in range(20):
        # Cancelled and failed workers count as done; one waiting on a dialog would wait
        # forever, so that fails instead.
        waits = [worker.wait() for worker in app.workers]
        await asyncio.wait_for(asyncio.gather(*waits, return_exceptions=True), timeout=10)
        await pilot.pause()
        if not any(w.is_running for w in app.workers):
            return
    raise AssertionError(f"workers still running: {list(app.workers)}")


async def type_text(pilot: Pilot[None], text: str, *then: str) -> None:
    """Type ``text`` as key events (all at once, as a fast typist or SSH delivers them;
    ``\r`` is enter), then press the keys ``then``. Much faster than ``pilot.press`` per
    character, which waits for the process to go idle after every key (and while a reply
    streams, the process is never idle)."""
    for character in text:
        key = {" ": "space", "\r": "enter"}.get(character, character)
        pilot.app.post_message(events.Key(key, character))
    if then:
        await pilot.press(*then)
    else:
        await pilot.pause()
