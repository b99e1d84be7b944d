"""Pilot tests of live runs: following the stream, scrolling away, cancel, end states."""

from __future__ import annotations

from textual.pilot import Pilot

from threadline.tui.widgets.message_view import AssistantMessage, RunNotice

from .conftest import AppMaker, settle, type_text
from .fakes import FakeSession, reply_events, words

# Few blocks, many rows: a new markdown block per paragraph is what makes streams slow.
LONG_REPLY = "\n\n".join(
    f"Paragraph {p}: " + " ".join(f"word{p}.{w}" for w in range(45)) for p in range(1, 9)
)


async def until(pilot: Pilot[None], condition) -> None:  # type: ignore[no-untyped-def]
    # Frames, not pilot.pause(): that waits for an idle process, which a stream is not.
    for _ in range(500):
        await pilot.app.screen.wait_for_refresh()
        if condition():
            return
    raise AssertionError("condition never held")


async def long_replies(session: FakeSession) -> None:
    session.script = lambda conv, text, thread_id, new: reply_events(
        thread_id, new, words(LONG_REPLY)
    )


def notice(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one(RunNotice).render())


async def test_the_view_follows_the_stream_while_at_the_bottom(make_app: AppMaker) -> None:
    app = make_app(setup=long_replies)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("x", "enter")
        await settle(pilot)
        messages = app.screen.messages
        assert messages.max_scroll_y > 20
        assert messages.scroll_y == messages.max_scroll_y


async def test_scrolling_up_during_a_stream_is_not_yanked_back(make_app: AppMaker) -> None:
    app = make_app(setup=long_replies)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        conversation = app.session.conversation(None)
        conversation.hold_after = 200  # about half the reply, then wait
        await pilot.press("x", "enter")
        messages = app.screen.messages
        await until(pilot, lambda: messages.max_scroll_y > 5)
        view = messages.query_one(AssistantMessage)
        await until(pilot, lambda: view.streaming)
        messages.focus()
        await pilot.press("pageup", "pageup")
        await pilot.pause()
        position = messages.scroll_y
        height_before = messages.virtual_size.height
        assert position < messages.max_scroll_y
        conversation.release()
        await settle(pilot)
        assert messages.virtual_size.height > height_before  # more text arrived below
        assert messages.scroll_y == position  # and the reader stayed where they were
        assert view.body.source == LONG_REPLY


async def test_escape_cancels_the_running_run(make_app: AppMaker) -> None:
    app = make_app(setup=long_replies)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        conversation = app.session.conversation(None)
        conversation.hold_after = 5
        await type_text(pilot, "go\r")
        await until(pilot, lambda: app.screen.status.run == "streaming")
        await pilot.press("escape")
        await settle(pilot)
        assert conversation.run_status == "cancelled"
        assert app.screen.status.run == "cancelled"
        assert "cancelled" in notice(app)
        view = app.screen.messages.query_one(AssistantMessage)
        assert not view.streaming
        assert "incomplete" not in view.body.source  # the partial text stays as it was
        assert view.body.source.startswith("Paragraph 1")


async def test_escape_without_a_run_does_nothing(make_app: AppMaker) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.status.run == ""
        assert not list(app.workers)


async def test_a_failed_run_shows_its_error(make_app: AppMaker) -> None:
    async def setup(session: FakeSession) -> None:
        session.script = lambda conv, text, thread_id, new: reply_events(
            thread_id,
            new,
            ["Partial"],
            run_status="failed",
            error={"code": "server_error", "message": "the model \x1b[31mcrashed"},
        )

    app = make_app(setup=setup)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_text(pilot, "x\r")
        await settle(pilot)
        assert "failed: server_error: the model crashed" in notice(app)
        assert app.screen.query_one(RunNotice).has_class("-failed")
        assert app.screen.status.run == "failed"
        marks = str(app.screen.threads.options.get_option_at_index(0).prompt)
        assert marks.startswith("✗")


async def test_a_run_keeps_streaming_in_a_thread_that_is_not_on_screen(
    make_app: AppMaker,
) -> None:
    async def setup(session: FakeSession) -> None:
        await session.add_thread("Other", [("user", "elsewhere")])

    app = make_app(setup=setup)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        conversation = app.session.conversation(None)
        conversation.hold_after = 2
        await type_text(pilot, "background\r")
        await until(pilot, lambda: app.screen.status.run == "streaming")
        thread_id = app.screen.thread_id
        # Switch to the other thread: the run goes on, marked in the list.
        await pilot.press("ctrl+down")
        await until(pilot, lambda: app.screen.thread_id != thread_id)
        prompt = str(app.screen.threads.options.get_option_at_index(0).prompt)
        assert prompt.startswith("●")
        # Back to it while it still streams: the text so far, then the rest, once.
        await pilot.press("ctrl+up")
        await until(pilot, lambda: bool(app.screen.messages.query(AssistantMessage)))
        (view,) = app.screen.messages.query(AssistantMessage)
        await until(pilot, lambda: view.streaming and view.body.source == "You said:")
        conversation.release()
        await settle(pilot)
        (view,) = app.screen.messages.query(AssistantMessage)
        assert view.body.source == "You said: background"
        assert not view.streaming
