"""The screen around the conversation: panes by width, keys, help, palette, links, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from threadline.core.session import AuthFailed, BackendUnavailable, MissingKey
from threadline.tui.commands import ThreadlineCommands
from threadline.tui.keys import KEYS
from threadline.tui.screens.dialogs import Confirm
from threadline.tui.screens.help import HelpScreen
from threadline.tui.widgets.message_view import UserMessage

from .conftest import AppMaker, settle, type_text
from .fakes import NOW, FakeSession, make_message


def visible(app, selector: str) -> bool:  # type: ignore[no-untyped-def]
    widget = app.screen.query_one(selector)
    return widget.display and widget.region.width > 0


@pytest.mark.parametrize(
    ("size", "sidebar", "inspector"),
    [((120, 40), True, True), ((80, 24), True, False), ((60, 20), False, False)],
)
async def test_panes_follow_the_width(
    make_app: AppMaker, size: tuple[int, int], sidebar: bool, inspector: bool
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert visible(app, "#sidebar") is sidebar
        assert visible(app, "#inspector") is inspector
        assert visible(app, "#composer")
        assert visible(app, "#messages")
        assert app.screen.query_one("StatusBar").region.width == size[0]


async def test_each_pane_toggles_with_one_key(make_app: AppMaker) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert visible(app, "#inspector")
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert not visible(app, "#sidebar")
        await pilot.press("ctrl+t", "ctrl+r")
        await pilot.pause()
        assert visible(app, "#sidebar")
        assert not visible(app, "#inspector")


async def test_at_80x24_a_message_can_be_sent_and_read(make_app: AppMaker) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("h", "i", "enter")
        await settle(pilot)
        assert [v.text for v in app.screen.messages.query(UserMessage)] == ["hi"]
        assert app.screen.composer.region.height >= 3


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (
            AuthFailed(
                "local · demo: the server refused the API key (401): Incorrect API key provided"
            ),
            "refused the API key (401): Incorrect API key provided",
        ),
        (
            BackendUnavailable("work · host: cannot reach the server: connection refused"),
            "cannot reach the server: connection refused",
        ),
        (MissingKey("profile work: api_key_env OPENAI_KEY is not set"), "is not set"),
    ],
)
async def test_a_bad_profile_says_what_is_wrong_and_the_app_stays_usable(
    make_app: AppMaker, error: Exception, words: str
) -> None:
    async def setup(session: FakeSession) -> None:
        await session.add_thread("Cached one", [("user", "still readable")], at=NOW - 5)
        await session.add_thread("Cached two", [("user", "me too")], at=NOW - 50)

    app = make_app(setup=setup, connect_error=error)
    seen: list[tuple[str, str]] = []
    async with app.run_test(size=(120, 40)) as pilot:
        app.notify = lambda message, title="", **kw: seen.append((title, message))  # type: ignore[method-assign]
        await settle(pilot)
        screen = app.screen
        banner = str(screen.query_one("#banner").render())
        assert words in banner
        assert words in str(screen.status.render())
        assert len(seen) == 1 and words in seen[0][1]
        # Other threads still open from the local cache; drafts still work.
        await pilot.press("ctrl+down")
        await settle(pilot)
        assert [v.text for v in screen.messages.query(UserMessage)] == ["me too"]
        await type_text(pilot, "later", "enter")
        await settle(pilot)
        assert screen.composer.text == "later"
        assert "Not sent" in seen[-1][1]
        await pilot.press("ctrl+q")
    assert not app.is_running


async def test_help_lists_every_key(make_app: AppMaker) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        shown = " ".join(str(s.render()) for s in app.screen.query("Static"))
        for action in KEYS:
            assert action.title in shown
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_every_action_is_in_the_command_palette_and_runs(make_app: AppMaker) -> None:
    app = make_app(setup=lambda s: s.add_thread("Old", [("user", "old")]))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        provider = ThreadlineCommands(app.screen)
        titles = [hit.text async for hit in provider.discover()]
        wanted = {k.title for k in KEYS if k.palette and k.scope != "replay"}  # replay mode's own
        assert wanted <= set(titles)
        hits = [hit async for hit in provider.search("new thread")]
        await hits[0].command()
        await settle(pilot)
        assert app.screen.thread_id is None


async def test_every_binding_has_an_id() -> None:
    from threadline.tui.app import ThreadlineApp
    from threadline.tui.screens.main import MainScreen
    from threadline.tui.widgets.composer import Composer
    from threadline.tui.widgets.thread_list import ThreadList

    for owner in (ThreadlineApp, MainScreen, Composer, ThreadList, HelpScreen, Confirm):
        for binding in owner.BINDINGS:
            assert getattr(binding, "id", None), f"{owner.__name__}: {binding}"


async def test_links_open_only_http_after_confirming(
    make_app: AppMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    opened: list[str] = []
    seen: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        monkeypatch.setattr(app, "open_url", lambda url, **kw: opened.append(url))
        app.notify = lambda message, **kw: seen.append(message)  # type: ignore[method-assign]
        await settle(pilot)
        app.screen.open_link("file:///etc/passwd")
        await settle(pilot)
        assert opened == [] and "only http and https" in seen[-1]
        app.screen.open_link("https://example.com/a")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")
        await settle(pilot)
        assert opened == []
        app.screen.open_link("https://example.com/a")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert opened == ["https://example.com/a"]


async def test_older_messages_load_when_scrolled_to_the_top(make_app: AppMaker) -> None:
    async def setup(session: FakeSession) -> None:
        thread_id = await session.add_thread("Long", [])
        session.server_messages[thread_id] = [
            make_message(thread_id, "user" if n % 2 else "assistant", f"message {n}")
            for n in range(100)
        ]

    app = make_app(setup=setup)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        messages = app.screen.messages
        assert len(messages._views) < 30  # a screenful and a margin, not the whole page
        assert messages.scroll_y == messages.max_scroll_y
        top = messages._message_views()[0]
        messages.scroll_home(animate=False)
        await settle(pilot)
        assert messages._message_views()[0] is not top  # older ones came in above
        assert top.region.y == messages.content_region.y  # and the top one stayed in place
        # More in tests/tui/test_long_thread.py.


def test_the_readme_lists_every_key() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    keys = readme.split("## Keys", 1)[1]
    for action in KEYS:
        first = action.key.split(",")[0]
        assert f"{first}" in keys, f"README's Keys section lacks {first} ({action.id})"
