"""A thread of 10,000 messages: it opens at once with a screenful of views, and every way of
moving through it (scrolling up, home and end, a search result, an inspector link, the
selection cursor, sending) mounts what it needs and keeps the number of views bounded."""

from __future__ import annotations

import functools
import time
from pathlib import Path

from textual.widget import Widget

from threadline.api import Message
from threadline.core.session import BackendUnavailable
from threadline.core.store import STORE_FILE, ClientStore, ThreadEntry
from threadline.tui.app import ThreadlineApp
from threadline.tui.widgets.message_list import BATCH, MAX_MOUNTED, MessageList
from threadline.tui.widgets.message_view import MessageView
from threadline.tui.widgets.message_window import KEEP, ThreadWindow, estimated_rows

from .conftest import AppMaker, settle, type_text
from .fakes import NOW, FakeSession, message_dict
from .test_real_backend import RealApps

COUNT = 10_000
FIRST_SCREEN = 3.0  # seconds: about 0.25 here; the bound leaves room for a slow CI runner
MOUNTED = MAX_MOUNTED + 2 * BATCH  # at most, whatever the user did


def _text(index: int) -> str:
    if index % 2 == 0:
        return f"Question {index // 2 + 1}: how does the window move?"
    return (
        f"Reply {index // 2 + 1}. It mounts a screenful and a margin, and the rest on demand.\n\n"
        "- older batches above\n- newer batches below\n\n"
        f"Message {index + 1}."
    )


@functools.cache
def _messages(thread_id: str, count: int = COUNT) -> tuple[Message, ...]:
    # Built once for the module: the ids restart in every test, so the thread id repeats.
    return tuple(
        Message.model_validate(
            message_dict(
                f"msg_{i:05d}",
                thread_id,
                "user" if i % 2 == 0 else "assistant",
                _text(i),
                created_at=NOW - 2 * count + i,
            )
        )
        for i in range(count)
    )


async def _long_and_short(session: FakeSession) -> None:
    """The long thread, and a newer empty one (the one the app opens at start)."""
    thread_id = await session.add_thread("Long", [], at=NOW - 60)
    messages = list(_messages(thread_id))
    session.server_messages[thread_id] = messages
    await session.store.cache_messages(session.profile_name, thread_id, messages)
    await session.add_thread("Short", [], at=NOW)


def _long(app: ThreadlineApp) -> tuple[str, list[Message]]:
    thread_id = app.screen.threads.entries[1].id
    return thread_id, list(_messages(thread_id))


def _views(messages: MessageList) -> list[MessageView]:
    return list(messages.query(MessageView))


def _on_screen(messages: MessageList, view: Widget) -> bool:
    return view.region.height > 0 and messages.region.contains_region(view.region)


async def _open_long(app: ThreadlineApp, pilot) -> MessageList:  # type: ignore[no-untyped-def]
    thread_id, _ = _long(app)
    await app.screen._open(thread_id)
    await settle(pilot)
    messages: MessageList = app.screen.messages
    return messages


async def test_it_opens_fast_with_a_screenful_of_views(make_app: AppMaker) -> None:
    app = make_app(setup=_long_and_short)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        thread_id, thread = _long(app)
        messages = app.screen.messages
        started = time.perf_counter()
        await app.screen._open(thread_id)
        while not (
            (view := messages._views.get(thread[-1].id)) is not None and _on_screen(messages, view)
        ):
            assert time.perf_counter() - started < FIRST_SCREEN, "no first screen"
            await messages.wait_for_refresh()
        assert time.perf_counter() - started < FIRST_SCREEN
        assert len(_views(messages)) <= BATCH
        await settle(pilot)
        # A screen above is mounted too, so scrolling up finds text; no more than that.
        assert BATCH // 2 <= len(_views(messages)) <= MOUNTED
        assert messages.scroll_y == messages.max_scroll_y  # the newest at the bottom
        assert _on_screen(messages, messages._views[thread[-1].id])


async def test_scrolling_up_mounts_older_batches_and_keeps_the_text_in_place(
    make_app: AppMaker,
) -> None:
    app = make_app(setup=_long_and_short)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        messages = await _open_long(app, pilot)
        _, thread = _long(app)
        index = {m.id: i for i, m in enumerate(thread)}
        top = _views(messages)[0]  # what the user sees at the top once scrolled there
        messages.scroll_home(animate=False)
        await settle(pilot)
        assert index[_views(messages)[0].message_id] < index[top.message_id]  # older above
        assert top.region.y == messages.content_region.y  # and the text did not move
        for _ in range(8):
            messages.scroll_home(animate=False)
            await settle(pilot)
            assert len(_views(messages)) <= MOUNTED
        # Past the messages first held (a page of 50): pages came from the server.
        assert index[_views(messages)[0].message_id] < COUNT - 60
        assert thread[-1].id not in messages._views  # the bottom was let go
        ids = [view.message_id for view in _views(messages)]
        assert ids == [m.id for m in thread[index[ids[0]] : index[ids[0]] + len(ids)]]


async def test_home_goes_to_the_first_message_and_end_to_the_newest(make_app: AppMaker) -> None:
    app = make_app(setup=_long_and_short)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        messages = await _open_long(app, pilot)
        _, thread = _long(app)
        messages.focus()
        await pilot.press("home")
        await settle(pilot)
        first = messages._views[thread[0].id]
        assert _on_screen(messages, first) and messages.scroll_y == 0
        assert messages.selected_id == thread[0].id
        assert len(_views(messages)) <= MOUNTED
        await pilot.press("end")
        await settle(pilot)
        newest = messages._views[thread[-1].id]
        assert _on_screen(messages, newest) and messages.scroll_y == messages.max_scroll_y
        assert messages.selected_id == thread[-1].id
        assert len(_views(messages)) <= MOUNTED


async def test_scrolling_down_from_the_top_mounts_newer_batches(make_app: AppMaker) -> None:
    app = make_app(setup=_long_and_short)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        messages = await _open_long(app, pilot)
        _, thread = _long(app)
        messages.action_scroll_home()
        await settle(pilot)
        for _ in range(8):
            messages.scroll_end(animate=False)
            await settle(pilot)
            assert len(_views(messages)) <= MOUNTED
        assert _views(messages)[-1].message_id != thread[BATCH].id
        assert thread[0].id not in messages._views  # the top was let go


async def test_a_search_result_far_up_is_loaded_and_selected(make_app: AppMaker) -> None:
    app = make_app(setup=_long_and_short)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        thread_id, thread = _long(app)
        await app.screen.jump_to_message(thread_id, thread[1234].id)
        await settle(pilot)
        messages = app.screen.messages
        assert messages.selected_id == thread[1234].id
        assert _on_screen(messages, messages._views[thread[1234].id])
        assert len(_views(messages)) <= MOUNTED


async def test_an_inspector_link_to_an_unmounted_message_scrolls_there(make_app: AppMaker) -> None:
    app = make_app(setup=_long_and_short)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        messages = await _open_long(app, pilot)
        _, thread = _long(app)
        assert messages.scroll_to_message(thread[4321].id)
        await settle(pilot)
        view = messages._views[thread[4321].id]
        assert _on_screen(messages, view)
        assert view.region.y == messages.content_region.y  # at the top of the view


async def test_the_cursor_moves_past_the_first_mounted_message(make_app: AppMaker) -> None:
    app = make_app(setup=_long_and_short)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        messages = await _open_long(app, pilot)
        _, thread = _long(app)
        index = {m.id: i for i, m in enumerate(thread)}
        messages.focus()
        first = _views(messages)[0].message_id
        messages.select(first)
        await pilot.press("up")
        await settle(pilot)
        assert messages.selected_id == thread[index[first] - 1].id
        assert _on_screen(messages, messages._views[messages.selected_id])


async def test_sending_from_the_top_goes_back_to_the_newest_and_streams(
    make_app: AppMaker,
) -> None:
    app = make_app(setup=_long_and_short)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        messages = await _open_long(app, pilot)
        messages.action_scroll_home()
        await settle(pilot)
        await type_text(pilot, "still there?", "enter")
        await settle(pilot)
        views = _views(messages)
        assert [v.message_id for v in views[-2:]] != []
        reply = views[-1]
        assert "You said: still there?" in str(reply.body.source)  # type: ignore[attr-defined]
        assert _on_screen(messages, reply)
        assert messages._window.reaches_end
        assert len(views) <= MOUNTED + 2


async def test_offline_the_pages_come_from_the_cache(make_app: AppMaker) -> None:
    app = make_app(setup=_long_and_short, connect_error=BackendUnavailable("local: no server"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        messages = await _open_long(app, pilot)
        _, thread = _long(app)
        assert not messages.online
        messages.action_scroll_home()
        await settle(pilot)
        assert _on_screen(messages, messages._views[thread[0].id])
        assert messages.scroll_to_message("msg_nope")
        await settle(pilot)
        assert any("no longer in this thread" in n.message for n in app._notifications)


async def _seed_real(folder: Path, count: int) -> list[str]:
    """A thread of ``count`` messages on the embedded server and in the local cache, the
    way the app would have left them (the server's and the store's own APIs)."""
    from threadline.cli.embedded import SERVER_STORE
    from threadline.server import objects
    from threadline.server.store import Store

    folder.mkdir(parents=True, exist_ok=True)
    server = await Store.open(folder / SERVER_STORE)
    client = await ClientStore.open(folder / STORE_FILE)
    try:
        thread = objects.thread({"metadata": {"title": "Long"}}, NOW - 2 * count)
        rows = [("thread", thread)]
        for i in range(count):
            role = "user" if i % 2 == 0 else "assistant"
            content = [objects.text_block(_text(i))]
            rows.append(
                (
                    "message",
                    objects.message(thread["id"], NOW - count + i, role=role, content=content),
                )
            )
        await server.put_many(rows)  # type: ignore[arg-type]
        await server.sync()
        messages = [Message.model_validate(obj) for kind, obj in rows if kind == "message"]
        entry = ThreadEntry("local", thread["id"], "Long", NOW - 2 * count, NOW)
        await client.upsert_thread(entry)
        await client.cache_messages("local", thread["id"], messages[-60:])  # the newest only
    finally:
        await client.close()
        await server.close()
    return [m.id for m in messages]


async def test_the_real_server_pages_through_a_long_thread(tmp_path: Path) -> None:
    """Over the real Session and the embedded server: pages before, after and around a
    message come from the server (the cache holds only the newest 60 here)."""
    ids = await _seed_real(tmp_path / "data", 400)
    app = RealApps(tmp_path / "data")()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        messages: MessageList = app.screen.messages
        assert messages.online and _on_screen(messages, messages._views[ids[-1]])
        messages.focus()
        await pilot.press("home")
        await settle(pilot)
        assert _on_screen(messages, messages._views[ids[0]])
        assert messages.scroll_to_message(ids[200])  # 25 each side of it are fetched
        await settle(pilot)
        assert _on_screen(messages, messages._views[ids[200]])
        for _ in range(4):
            messages.scroll_end(animate=False)
            await settle(pilot)
        assert ids.index(_views(messages)[-1].message_id) > 225  # the next page came
        await pilot.press("end")
        await settle(pilot)
        assert _on_screen(messages, messages._views[ids[-1]])


def test_the_window_lets_go_of_messages_far_from_the_views() -> None:
    thread = list(_messages("thread_trim", 500))
    window = ThreadWindow()
    window.reset(thread, more_before=False, more_after=False)
    window.lo, window.hi = 450, 480
    window.trim(keep_tail=True)
    assert len(window.messages) == KEEP and window.more_before and not window.more_after
    assert window.messages[window.lo].id == thread[450].id  # the views' messages stay
    window.reset(thread, more_before=False, more_after=False)
    window.lo, window.hi = 10, 40
    window.trim(keep_tail=False)
    assert len(window.messages) == KEEP and window.more_before and window.more_after
    assert window.messages[window.lo].id == thread[10].id and window.index(thread[40].id)
    window.reset(thread, more_before=False, more_after=False)
    window.lo, window.hi = 10, 40
    window.trim(keep_tail=True)  # live replies follow the tail: only the head can go
    assert len(window.messages) == 490 and not window.more_after


def test_rows_are_estimated_from_the_wrapped_text() -> None:
    (message,) = _messages("thread_rows", 2)[1:2]
    assert estimated_rows(message, 40) > estimated_rows(message, 200) >= 2 + 5
