"""Drafts: saved per thread as you type, restored on thread switch and after a restart."""

from __future__ import annotations

from .conftest import AppMaker, settle, type_text
from .fakes import NOW, FakeSession


async def two_threads(session: FakeSession) -> None:
    await session.add_thread("First", [("user", "one")], at=NOW - 10)
    await session.add_thread("Second", [("user", "two")], at=NOW - 20)


async def test_each_thread_keeps_its_own_draft(make_app: AppMaker) -> None:
    app = make_app(setup=two_threads)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_text(pilot, "draft one")
        await pilot.press("ctrl+down")  # switching saves the pending draft at once
        await settle(pilot)
        composer = app.screen.composer
        assert composer.text == ""
        await type_text(pilot, "draft two", "ctrl+up")
        await settle(pilot)
        assert composer.text == "draft one"
        await pilot.press("ctrl+down")
        await settle(pilot)
        assert composer.text == "draft two"
        first, second = (e.id for e in await app.session.threads())
        assert await app.session.get_draft(first) == "draft one"
        assert await app.session.get_draft(second) == "draft two"


async def test_drafts_are_restored_after_a_restart(make_app: AppMaker) -> None:
    app = make_app(setup=two_threads)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_text(pilot, "line one", "ctrl+j")
        await type_text(pilot, "line two")
        await pilot.press("ctrl+q")  # quitting writes the draft that was still pending
    assert app.session.closed

    restarted = make_app()  # same data folder, new app, new store connection
    async with restarted.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert restarted.screen.threads.entry(restarted.screen.thread_id).title == "First"
        assert restarted.screen.composer.text == "line one\nline two"


async def test_a_draft_for_a_new_thread_is_restored_too(make_app: AppMaker) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_text(pilot, "not sent yet", "ctrl+q")

    restarted = make_app()
    async with restarted.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert restarted.screen.thread_id is None
        assert restarted.screen.composer.text == "not sent yet"


async def test_the_draft_is_written_shortly_after_typing_stops(make_app: AppMaker) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_text(pilot, "typed")
        composer = app.screen.composer
        assert composer._save_timer is not None  # debounced, not written per key
        # Fire the debounce timer now instead of waiting for it.
        composer._save_timer.stop()
        composer._save_later()
        await settle(pilot)
        assert await app.session.get_draft("new") == "typed"


async def test_sending_clears_the_draft(make_app: AppMaker) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_text(pilot, "hello", "enter")
        await settle(pilot)
        assert await app.session.get_draft("new") == ""
        assert await app.session.get_draft(app.screen.thread_id) == ""
