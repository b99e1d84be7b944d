"""Pilot tests: starting, sending, streaming, recall, failures; over the fake session."""

from __future__ import annotations

import pytest
from textual import events

from threadline.api import APIConnectionError
from threadline.tui.widgets.composer import Composer
from threadline.tui.widgets.message_view import AssistantMessage, RunNotice, UserMessage

from .conftest import AppMaker, settle, type_text
from .fakes import NOW, FakeSession, reply_events, words


def texts(app, kind: type) -> list[str]:
    """The plain text of every ``kind`` view in the conversation, in order."""
    views = app.screen.messages.query(kind)
    if kind is AssistantMessage:
        return [v.body.source for v in views]
    return [v.text for v in views]


async def test_first_start_opens_the_newest_thread_with_the_composer_focused(
    make_app: AppMaker,
) -> None:
    async def setup(session: FakeSession) -> None:
        await session.add_thread("Older", [("user", "old question")], at=NOW - 7200)
        await session.add_thread("Newest", [("user", "new question")], at=NOW - 60)

    app = make_app(setup=setup)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(app.focused, Composer)
        assert screen.threads.entry(screen.thread_id).title == "Newest"
        assert texts(app, UserMessage) == ["new question"]
        assert screen.status.demo
        assert "local demo" in str(screen.status.render())
        assert "local · demo" in str(screen.status.render())


async def test_first_start_without_threads_is_a_new_thread_ready_to_type(
    make_app: AppMaker,
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.screen.thread_id is None
        await type_text(pilot, "hi")
        assert app.screen.composer.text == "hi"


async def test_send_shows_the_message_and_the_streamed_reply(make_app: AppMaker) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_text(pilot, "hello there", "enter")
        await settle(pilot)
        screen = app.screen
        assert texts(app, UserMessage) == ["hello there"]
        assert texts(app, AssistantMessage) == ["You said: hello there"]
        assert screen.composer.text == ""
        assert "completed" in str(screen.query_one(RunNotice).render())
        # The new thread is in the list, titled from its first message, and on screen.
        assert screen.thread_id is not None
        assert screen.threads.entry(screen.thread_id).title == "hello there"
        assert screen.status.run == "completed"


async def test_a_second_message_continues_the_same_thread(make_app: AppMaker) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_text(pilot, "one", "enter")
        await settle(pilot)
        first_thread = app.screen.thread_id
        await type_text(pilot, "two", "enter")
        await settle(pilot)
        assert app.screen.thread_id == first_thread
        assert texts(app, UserMessage) == ["one", "two"]
        assert texts(app, AssistantMessage) == ["You said: one", "You said: two"]
        assert len(app.screen.threads.entries) == 1


async def test_newline_keys_insert_a_line_break_instead_of_sending(make_app: AppMaker) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a", "ctrl+j", "b", "alt+enter", "c", "shift+enter", "d")
        await settle(pilot)
        assert app.screen.composer.text == "a\nb\nc\nd"
        assert texts(app, UserMessage) == []


async def test_up_on_an_empty_composer_recalls_the_last_message(make_app: AppMaker) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_text(pilot, "first", "enter")
        await settle(pilot)
        await pilot.press("up")
        await settle(pilot)
        composer = app.screen.composer
        assert composer.text == "first"
        # Up in a composer with text only moves the cursor.
        await pilot.press("ctrl+j")
        await type_text(pilot, "x", "up")
        assert composer.text == "first\nx"
        assert composer.cursor_location[0] == 0


async def test_a_failed_send_keeps_the_text_and_the_draft(make_app: AppMaker) -> None:
    app = make_app()
    seen: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        app.notify = lambda message, **kw: seen.append(message)  # type: ignore[method-assign]
        await settle(pilot)
        conversation = app.session.conversation(None)
        conversation.fail_next = APIConnectionError("connection refused", sent=False)
        await type_text(pilot, "keep me", "enter")
        await settle(pilot)
        composer = app.screen.composer
        assert composer.text == "keep me"
        assert not composer.read_only
        assert texts(app, UserMessage) == []
        assert seen == ["connection refused"]
        assert await app.session.get_draft("new") == "keep me"
        # And it can be sent again once the backend answers.
        await pilot.press("enter")
        await settle(pilot)
        assert texts(app, UserMessage) == ["keep me"]
        assert composer.text == ""
        assert conversation.sent == ["keep me", "keep me"]


async def test_the_composer_keeps_the_text_until_the_server_accepts_it(
    make_app: AppMaker,
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        conversation = app.session.conversation(None)
        gate = pytest.importorskip("asyncio").Event()
        original = conversation._accepted

        async def slow_accept(thread_id: str, text: str) -> None:
            await gate.wait()
            await original(thread_id, text)

        conversation._accepted = slow_accept  # type: ignore[method-assign]
        await type_text(pilot, "wait for it", "enter")
        await pilot.pause()
        composer = app.screen.composer
        assert composer.text == "wait for it"
        assert composer.has_class("-sending")
        gate.set()
        await settle(pilot)
        assert composer.text == ""
        assert not composer.has_class("-sending")


async def test_markup_and_escape_sequences_in_a_reply_are_shown_literally(
    make_app: AppMaker,
) -> None:
    reply = "[bold]not bold[/bold] [@click=app.quit]click[/] \x1b]0;pwned\x07ok \x1b[2Jdone"

    async def setup(session: FakeSession) -> None:
        session.script = lambda conv, text, thread_id, new: reply_events(
            thread_id,
            new,
            [
                "[bold]not ",
                "bold[/bold] [@click=app.",
                "quit]click[/] \x1b]0;pw",
                "ned\x07ok \x1b[",
                "2Jdone",
            ],
        )

    app = make_app(setup=setup)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_text(pilot, "x", "enter")
        await settle(pilot)
        (view,) = app.screen.messages.query(AssistantMessage)
        shown = view.body.rendered_text().replace("\n", " ")
        assert "[bold]not bold[/bold]" in shown
        assert "[@click=app.quit]click[/]" in shown
        assert "\x1b" not in view.body.source and "pwned" not in view.body.source
        assert "ok done" in shown
        assert app.is_running  # the click markup did nothing
        assert reply  # the raw reply kept for the reader of this test


async def test_a_reply_streams_into_one_view_fragment_by_fragment(make_app: AppMaker) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        conversation = app.session.conversation(None)
        conversation.hold_after = 2
        await type_text(pilot, "stream this please", "enter")
        await settle_until(pilot, lambda: bool(app.screen.messages.query(AssistantMessage)))
        (view,) = app.screen.messages.query(AssistantMessage)
        assert view.streaming
        assert view.body.source == "You said:"
        assert app.screen.status.run == "streaming"
        conversation.release()
        await settle(pilot)
        assert not view.streaming
        assert view.body.source == "You said: stream this please"
        assert list(app.screen.messages.query(AssistantMessage)) == [view]


async def settle_until(pilot, condition) -> None:  # type: ignore[no-untyped-def]
    for _ in range(50):
        await pilot.pause()
        if condition():
            return
    raise AssertionError("condition never held")


def test_words_keeps_spaces() -> None:
    assert "".join(words("a b  c")) == "a b  c"


async def test_text_typed_just_before_enter_is_sent_whole(make_app: AppMaker) -> None:
    """Keys that arrive together (a fast typist, SSH, tmux send-keys) keep their order."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for character in "quick":
            app.post_message(events.Key(character, character))
        app.post_message(events.Key("enter", "\r"))
        await settle(pilot)
        assert texts(app, UserMessage) == ["quick"]


async def test_pasted_escape_sequences_never_reach_the_composer(make_app: AppMaker) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.post_message(events.Paste("a\x1b]52;c;aGk=\x07b\x1b[2J\nc\td"))
        await settle(pilot)
        assert app.screen.composer.text == "ab\nc\td"
