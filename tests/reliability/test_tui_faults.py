"""Faults as the full-screen app meets them: the app ``threadline`` builds (config file,
real session, real remote client) run headless, against ``threadline serve``'s server
behind the fault proxy.

- a stream lost mid-reply: the conversation says "reconnecting", then shows the whole
  reply once; one run, one user and one assistant message on the server;
- a wait before a retry is shown in the status bar, and the cancel key ends it (nothing
  sent twice, the text kept); a ``Retry-After`` past two minutes fails at once, said in
  the status bar;
- the server going away (stopped, or unreachable): the status bar names what failed, the
  text and the typed tool outputs stay, and the next send or submit works once it is
  back; an app started while the server was down connects on the next send.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from textual.pilot import Pilot

from threadline.cli.serve import _bind
from threadline.core import session
from threadline.core.driver import PollPolicy
from threadline.tui.app import ThreadlineApp
from threadline.tui.widgets.tool_cards import ToolCards

from .conftest import Served, local_threads, proxied, serving, thread_contents, write_config
from .proxy import Canned, Fault, FaultProxy, api_error
from .tui_support import Seen, app_for, replies, settle, type_text, user_texts

TEXT = "stream 30 tokens"
FIRST_DELTA = b"event: thread.message.delta"
CREATE = "/threads/runs"
SIZE = (120, 40)
RATE_LIMITED = api_error("Rate limit reached for requests", type="requests", code="rate_limited")


async def until(pilot: Pilot[None], predicate: Callable[[], object], rounds: int = 2000) -> None:
    """Let the app run until ``predicate()`` holds (it waits on the network, not a timer)."""
    for _ in range(rounds):
        if predicate():
            return
        await pilot.pause()
    raise AssertionError("the app never got there")


async def send(pilot: Pilot[None], text: str) -> None:
    await type_text(pilot, text, "enter")
    await settle(pilot)


def updates(app: ThreadlineApp) -> list[str]:
    """The kinds of update the new thread's conversation publishes from now on."""
    kinds: list[str] = []
    conversation = app.main.conversation
    assert conversation is not None
    conversation.subscribe(lambda update: kinds.append(update.kind))
    return kinds


# --- a lost stream --------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["cut", "reset"])
async def test_a_lost_stream_says_reconnecting_then_shows_the_whole_reply_once(
    served: Served, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with proxied(served, Fault(kind, FIRST_DELTA)) as proxy:  # type: ignore[arg-type]
        app = app_for()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            seen = Seen.watch(app, monkeypatch)
            kinds = updates(app)
            await send(pilot, TEXT)
            shown_replies, shown_users = replies(app), user_texts(app)
            final_run = app.main.status.run
    assert proxy.triggered.is_set()
    assert "reconnecting" in kinds and "recovered" in kinds
    # The mark, in the status bar and under the reply, before the run's end.
    assert "reconnecting" in seen.runs
    assert seen.runs.index("reconnecting") < len(seen.runs) - 1
    assert "connection lost; reconnecting…" in seen.notices
    assert final_run == "completed"
    (thread_id,) = await local_threads()
    contents = await thread_contents(served, thread_id)
    assert contents.roles() == ["user", "assistant"] and len(contents.runs) == 1
    assert shown_users == [TEXT]
    assert shown_replies == [contents.text()]  # whole, once
    assert shown_replies[0].endswith("-- end of 30 tokens --")
    assert len(proxy.posts("/runs")) == 1


# --- waits before a retry -------------------------------------------------------------


async def test_a_wait_before_a_retry_is_shown_and_the_cancel_key_ends_it(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server asks for 90 s: the status bar counts them down; escape stops the wait,
    the message stays in the composer, and nothing reached the server."""
    canned = Canned("POST", CREATE, 429, RATE_LIMITED, {"Retry-After": "90"}, times=5)
    async with proxied(served, canned=[canned]) as proxy:
        app = app_for()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            seen = Seen.watch(app, monkeypatch)
            status = app.main.status
            started = time.monotonic()
            await type_text(pilot, TEXT, "enter")
            await until(pilot, lambda: status.waiting)
            shown = status.waiting
            await pilot.press("escape")
            await settle(pilot)
            elapsed = time.monotonic() - started
            composer = app.main.composer.text
            still_waiting = status.waiting
    assert shown.startswith(("retrying in 90 s", "retrying in 89 s"))  # 89 once a second passed
    assert "429 Too Many Requests: Rate limit reached for requests" in shown
    assert shown.endswith("· escape stops")
    assert still_waiting == ""
    assert elapsed < 10
    assert composer == TEXT
    assert any("you stopped the wait" in message for message in seen.notified)
    assert len(proxy.posts(CREATE)) == 1  # not sent again
    assert await local_threads() == []


async def test_a_retry_after_over_two_minutes_fails_at_once_in_the_status_bar(
    served: Served,
) -> None:
    canned = Canned("POST", CREATE, 429, RATE_LIMITED, {"Retry-After": "600"}, times=5)
    async with proxied(served, canned=[canned]) as proxy:
        app = app_for()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            started = time.monotonic()
            await send(pilot, TEXT)
            elapsed = time.monotonic() - started
            status = app.main.status
            failure, waiting, composer = status.failure, status.waiting, app.main.composer.text
    assert elapsed < 10
    assert waiting == ""
    assert failure == (
        "not sent: 429 Too Many Requests: Rate limit reached for requests (retry after 10 min)"
    )
    assert composer == TEXT
    assert len(proxy.posts(CREATE)) == 1


# --- the server going away ------------------------------------------------------------


async def test_the_server_stopped_then_restarted(tmp_path: Path) -> None:
    """``threadline serve`` stops while the app runs: a send fails, said in the status bar,
    the text and its draft stay; once the server is back the same enter sends it, once."""
    folder = tmp_path / "server"
    async with FaultProxy(0) as proxy:
        write_config(proxy.port, max_retries=0)
        first_server = AsyncExitStack()
        proxy.upstream_port = (await first_server.enter_async_context(serving(folder))).port
        app = app_for()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await send(pilot, "hello")
            screen = app.main
            thread_id = screen.thread_id
            assert thread_id is not None and screen.status.failure == ""

            proxy.go_down()  # no connection left open: the server stops at once
            await first_server.aclose()
            proxy.come_back()  # connections go through the proxy, and find no server
            await send(pilot, "are you there?")
            failure = screen.status.failure
            assert failure.startswith("not sent: "), failure
            assert screen.composer.text == "are you there?"
            assert app.session is not None
            assert await app.session.get_draft(thread_id) == "are you there?"

            async with serving(folder) as second:  # back, on the same data
                proxy.upstream_port = second.port
                await pilot.press("enter")
                await settle(pilot)
                assert screen.status.failure == ""
                assert screen.composer.text == ""
                assert user_texts(app) == ["hello", "are you there?"]
                contents = await thread_contents(second, thread_id)
                assert contents.roles() == ["user", "assistant"] * 2
                last = contents.messages[-1]
                assert replies(app)[-1] == last["content"][0]["text"]["value"]


async def test_a_server_gone_for_good_mid_reply_is_a_lost_reply_not_an_unsent_message(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stream breaks and the server stays away: the run was sent (the composer is
    empty, the question shown once); the status bar says its reply was lost."""
    quick = functools.partial(PollPolicy, first=0.02, cap=0.05, give_up=0.5)
    monkeypatch.setattr(session, "PollPolicy", quick)
    fault = Fault("cut", FIRST_DELTA, refuse_after=10**6)
    async with proxied(served, fault, max_retries=0) as proxy:
        app = app_for()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await send(pilot, TEXT)
            screen = app.main
            failure, composer, shown = screen.status.failure, screen.composer.text, user_texts(app)
    assert proxy.refused > 3
    assert failure.startswith("reply lost: lost the stream of run run_"), failure
    assert composer == "" and shown == [TEXT]
    assert len(proxy.posts("/runs")) == 1


async def test_tool_outputs_typed_stay_while_the_server_is_away(served: Served) -> None:
    async with proxied(served, None, max_retries=0) as proxy:
        app = app_for()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await send(pilot, "What is the weather in Paris? Use get_weather.")
            screen = app.main
            (cards,) = screen.query(ToolCards)
            (card,) = cards.cards
            await type_text(pilot, "sunny, 21 C")
            assert card.field.text == "sunny, 21 C"

            proxy.go_down()
            await pilot.press("f9")
            await settle(pilot)
            assert screen.status.failure.startswith("tool outputs not sent: ")
            assert card.field.text == "sunny, 21 C"
            assert cards.tool_round.outputs() == {card.call_id: "sunny, 21 C"}

            proxy.come_back()
            await pilot.press("f9")
            await settle(pilot)
            assert screen.status.failure == ""
            assert screen.status.run == "completed"
            assert "sunny, 21 C" in replies(app)[-1]
    assert len(proxy.posts("/submit_tool_outputs")) == 1  # the first never got through


async def test_an_app_started_while_the_server_was_down_connects_on_the_next_send(
    tmp_path: Path,
) -> None:
    sock = _bind("127.0.0.1", 0)  # reserved, nobody listening: connections are refused
    write_config(sock.getsockname()[1], max_retries=0)
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.main
        assert "cannot reach the server" in screen.status.problem
        async with serving(tmp_path / "server", sock=sock) as served:
            await send(pilot, "hello again")
            assert screen.status.problem == ""
            assert screen.status.assistant == "Threadline Demo"
            assert user_texts(app) == ["hello again"]
            (thread_id,) = await local_threads()
            contents = await thread_contents(served, thread_id)
            assert contents.roles() == ["user", "assistant"]
            assert replies(app) == [contents.text()]
