"""Pilot tests over the real core: ``Session``, ``Conversation`` and the store, talking to the
embedded demo server in-process (demo speed 0 unless a test needs a run to last)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from textual import events
from textual.pilot import Pilot

from threadline.api import AssistantsClient
from threadline.cli.backend import EMBEDDED_BASE_URL, ClientBackend, open_backend
from threadline.config import Config, Profile
from threadline.core.session import Session
from threadline.core.store import STORE_FILE, ClientStore
from threadline.tui.app import ThreadlineApp, create_app
from threadline.tui.clock import Clock
from threadline.tui.screens.dialogs import Confirm, TextPrompt
from threadline.tui.widgets.composer import Composer
from threadline.tui.widgets.message_view import AssistantMessage, RunNotice, UserMessage

from .conftest import settle, type_text
from .fakes import NOW


class RealApps:
    """Apps over one data folder: the real store, session and embedded demo server."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __call__(self, *, demo_speed: float = 0, backend: Any = None) -> ThreadlineApp:
        config = Config.model_validate({"profiles": {"local": {"demo_speed": demo_speed}}})
        folder = self.folder

        async def embedded(profile: Profile) -> ClientBackend:
            return await open_backend(profile, server_dir=folder)

        async def open_session(name: str | None) -> Session:
            store = await ClientStore.open(folder / STORE_FILE)
            return Session(config, name, store, backend or embedded)

        return create_app(config, open_session, clock=Clock.fixed(NOW), cursor_blink=False)


@pytest.fixture
def real_app(tmp_path: Path) -> RealApps:
    return RealApps(tmp_path / "data")


def user_texts(app: ThreadlineApp) -> list[str]:
    return [v.text for v in app.screen.query(UserMessage)]


def replies(app: ThreadlineApp) -> list[str]:
    return [v.body.source for v in app.screen.query(AssistantMessage)]


async def send(pilot: Pilot[None], text: str) -> None:
    await type_text(pilot, text, "enter")
    await settle(pilot)


async def test_first_start_and_a_streamed_reply(real_app: RealApps) -> None:
    app = real_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.focused, Composer)
        assert app.screen.status.demo and app.screen.status.assistant == "Threadline Demo"
        await send(pilot, "hello demo")
        assert user_texts(app) == ["hello demo"]
        (reply,) = replies(app)
        assert reply.startswith("You said:\n\n> hello demo")
        assert "completed in" in str(app.screen.query_one(RunNotice).render())
        assert [e.title for e in app.screen.threads.entries] == ["hello demo"]
        # Up on the empty composer brings the message back, from the real store.
        await pilot.press("up")
        await settle(pilot)
        assert app.screen.composer.text == "hello demo"


async def test_markup_in_the_quoted_reply_stays_literal(real_app: RealApps) -> None:
    app = real_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await send(pilot, "[bold]big[/bold] [@click=app.quit]bye[/]")
        (view,) = app.screen.query(AssistantMessage)
        shown = view.body.rendered_text().replace("\n", " ")
        assert "[bold]big[/bold] [@click=app.quit]bye[/]" in shown
        assert app.is_running


async def test_thread_operations_on_the_embedded_server(real_app: RealApps) -> None:
    app = real_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await send(pilot, "first thread")
        session = app.session
        assert session is not None
        # A thread made by another client, imported by id.
        other = await session.client.create_thread(metadata={"title": "Made elsewhere"})
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, TextPrompt)
        await type_text(pilot, other.id, "enter")
        await settle(pilot)
        assert app.screen.thread_id == other.id
        assert {e.title for e in app.screen.threads.entries} == {"first thread", "Made elsewhere"}
        # Rename: kept locally and in the thread's metadata on the server.
        await pilot.press("f2")
        await pilot.pause()
        await pilot.press("ctrl+u")
        await type_text(pilot, "Renamed", "enter")
        await settle(pilot)
        assert (await session.client.get_thread(other.id)).metadata["title"] == "Renamed"
        # Filter as you type.
        await pilot.press("ctrl+f")
        await type_text(pilot, "ren")
        await settle(pilot)
        assert [e.title for e in app.screen.threads.entries] == ["Renamed"]
        await pilot.press("ctrl+u")
        await settle(pilot)
        # Delete: asks, deletes on the server, then the list.
        app.screen.composer.focus()
        await pilot.press("f8")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert [e.title for e in app.screen.threads.entries] == ["first thread"]
        with pytest.raises(Exception, match=r"No thread found|not found|404"):
            await session.client.get_thread(other.id)


async def test_a_thread_the_server_lost_is_removed_locally(real_app: RealApps) -> None:
    app = real_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await send(pilot, "soon gone")
        session = app.session
        assert session is not None and app.screen.thread_id is not None
        await session.client.delete_thread(app.screen.thread_id)  # behind the app's back
        await pilot.press("f8")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen.threads.entries == []
        assert app.screen.thread_id is None


async def test_drafts_survive_a_restart(real_app: RealApps) -> None:
    app = real_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await send(pilot, "a thread")
        await type_text(pilot, "half written", "ctrl+q")
    again = real_app()
    async with again.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert [e.title for e in again.screen.threads.entries] == ["a thread"]
        assert again.screen.composer.text == "half written"
        assert user_texts(again) == ["a thread"]  # from the cache, then the server


async def test_cancel_a_running_run(real_app: RealApps) -> None:
    app = real_app(demo_speed=100)  # 2000 tokens would take 20 s
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        # Keys are posted, not pressed: pilot.press waits for the process to go idle,
        # which it never does while a reply streams.
        await type_text(pilot, "stream 2000 tokens")
        app.post_message(events.Key("enter", "\r"))
        for _ in range(500):
            await app.screen.wait_for_refresh()
            if app.screen.query(AssistantMessage) and replies(app)[0]:
                break
        app.post_message(events.Key("escape", "\x1b"))
        await settle(pilot)
        assert app.screen.status.run == "cancelled"
        assert "cancelled" in str(app.screen.query_one(RunNotice).render())
        assert "-- end of 2000 tokens --" not in replies(app)[0]


async def test_a_401_says_so_and_the_app_stays_usable(tmp_path: Path) -> None:
    from threadline.api import ASGIStreamingTransport
    from threadline.server.app import create_app as create_server
    from threadline.server.engines.demo import DemoEngine
    from threadline.server.store import Store

    server_store = await Store.open(tmp_path / "server.sqlite3")
    server = create_server(server_store, DemoEngine(0), token="the-right-key")

    async def wrong_key(profile: Profile) -> ClientBackend:
        client = AssistantsClient(
            base_url=EMBEDDED_BASE_URL,
            api_key=SecretStr("a-wrong-key"),
            max_retries=0,
            http_client=httpx.AsyncClient(transport=ASGIStreamingTransport(server)),
        )
        return ClientBackend(client, "work · remote")

    app = RealApps(tmp_path / "data")(backend=wrong_key)
    seen: list[str] = []
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            app.notify = lambda message, **kw: seen.append(message)  # type: ignore[method-assign]
            await settle(pilot)
            banner = str(app.screen.query_one("#banner").render())
            assert "refused the API key (401)" in banner
            assert seen and "401" in seen[0]
            await type_text(pilot, "still typing")
            assert app.screen.composer.text == "still typing"
            await pilot.press("ctrl+q")
        assert not app.is_running
    finally:
        await server.state.server.shutdown()
        await server_store.close()
