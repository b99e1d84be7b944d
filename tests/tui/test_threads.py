"""Pilot tests of the thread list: new, select, rename, delete, import, filter, marks."""

from __future__ import annotations

from threadline.tui.screens.dialogs import Confirm, TextPrompt
from threadline.tui.widgets.message_view import UserMessage

from .conftest import AppMaker, settle, type_text
from .fakes import NOW, FakeSession, make_message


async def three_threads(session: FakeSession) -> None:
    await session.add_thread("Trip plan", [("user", "trip?")], at=NOW - 30)
    await session.add_thread("Refactor", [("user", "refactor?")], at=NOW - 600)
    await session.add_thread("Recipes", [("user", "recipes?")], at=NOW - 9000)


def titles(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [entry.title for entry in app.screen.threads.entries]


def shown_user_text(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [v.text for v in app.screen.messages.query(UserMessage)]


async def test_threads_are_listed_newest_first_and_selecting_one_opens_it(
    make_app: AppMaker,
) -> None:
    app = make_app(setup=three_threads)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert titles(app) == ["Trip plan", "Refactor", "Recipes"]
        assert shown_user_text(app) == ["trip?"]
        app.screen.threads.options.focus()
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        assert shown_user_text(app) == ["recipes?"]
        await pilot.press("ctrl+up")
        await settle(pilot)
        assert shown_user_text(app) == ["refactor?"]


async def test_new_thread_starts_empty_and_keeps_the_others(make_app: AppMaker) -> None:
    app = make_app(setup=three_threads)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        screen = app.screen
        assert screen.thread_id is None
        assert shown_user_text(app) == []
        assert "New thread" in str(screen.threads.options.get_option_at_index(0).prompt)
        await type_text(pilot, "brand new", "enter")
        await settle(pilot)
        assert titles(app)[0] == "brand new"
        assert len(titles(app)) == 4


async def test_rename_asks_for_a_title_and_keeps_it(make_app: AppMaker) -> None:
    app = make_app(setup=three_threads)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, TextPrompt)
        await pilot.press("ctrl+u")
        await type_text(pilot, "Paris trip", "enter")
        await settle(pilot)
        assert titles(app)[0] == "Paris trip"
        entries = await app.session.threads()
        assert entries[0].title == "Paris trip"


async def test_delete_asks_first_and_opens_the_next_thread(make_app: AppMaker) -> None:
    app = make_app(setup=three_threads)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f8")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")  # declined: nothing happens
        await settle(pilot)
        assert titles(app) == ["Trip plan", "Refactor", "Recipes"]
        await pilot.press("f8")
        await pilot.pause()
        await pilot.press("y")
        await settle(pilot)
        assert titles(app) == ["Refactor", "Recipes"]
        assert shown_user_text(app) == ["refactor?"]
        assert [e.title for e in await app.session.threads()] == ["Refactor", "Recipes"]


async def test_a_thread_the_server_lost_can_be_removed_locally(make_app: AppMaker) -> None:
    async def setup(session: FakeSession) -> None:
        await three_threads(session)
        lost = (await session.threads())[1].id
        session.gone.add(lost)

    app = make_app(setup=setup)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+down")
        await settle(pilot)
        await pilot.press("f8")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        # The server said it has no such thread: a second question, then local removal.
        assert isinstance(app.screen, Confirm)
        assert "gone from the server" in str(app.screen.query_one(".message").render())
        await pilot.press("y")
        await settle(pilot)
        assert titles(app) == ["Trip plan", "Recipes"]


async def test_import_by_id_adds_and_opens_the_thread(make_app: AppMaker) -> None:
    async def setup(session: FakeSession) -> None:
        await three_threads(session)
        session.server_messages["thread_elsewhere"] = [
            make_message("thread_elsewhere", "user", "made by another client")
        ]

    app = make_app(setup=setup)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, TextPrompt)
        await type_text(pilot, "thread_elsewhere", "enter")
        await settle(pilot)
        assert app.screen.thread_id == "thread_elsewhere"
        assert "Imported thread_elsewhere" in titles(app)
        assert shown_user_text(app) == ["made by another client"]


async def test_import_of_an_unknown_id_says_so(make_app: AppMaker) -> None:
    app = make_app(setup=three_threads)
    seen: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        app.notify = lambda message, **kw: seen.append(message)  # type: ignore[method-assign]
        await settle(pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()
        await type_text(pilot, "thread_nope", "enter")
        await settle(pilot)
        assert seen == ["the server has no thread 'thread_nope'"]
        assert len(titles(app)) == 3


async def test_filter_as_you_type(make_app: AppMaker) -> None:
    app = make_app(setup=three_threads)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+f")
        await type_text(pilot, "re")
        await settle(pilot)
        assert titles(app) == ["Refactor", "Recipes"]
        await pilot.press("c")
        await settle(pilot)
        assert titles(app) == ["Recipes"]
        await pilot.press("backspace", "backspace", "backspace")
        await settle(pilot)
        assert len(titles(app)) == 3


async def test_untrusted_titles_are_not_markup(make_app: AppMaker) -> None:
    async def setup(session: FakeSession) -> None:
        await session.add_thread("[bold]x[/bold] [@click=app.quit]q[/] \x1b]52;c;aGk=\x07end")

    app = make_app(setup=setup)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        prompt = app.screen.threads.options.get_option_at_index(0).prompt
        assert "[bold]x[/bold] [@click=app.quit]q[/] end" in str(prompt)
        assert "\x1b" not in str(prompt)
