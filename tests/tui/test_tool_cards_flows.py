"""Tool-call cards when things go other than planned: the run expires, a submit fails or is
refused, the waiting thread is not on screen or was not seen by this session, and local
handlers (``always``, ``ask``, side effects, failures) answer in the card."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from threadline.tui.widgets.message_view import AssistantMessage, RunNotice
from threadline.tui.widgets.tool_cards import ToolCards

from ..core.handler_support import make_handler
from .conftest import settle
from .tool_cards_support import (
    TIME_TOOL,
    ToolApps,
    answer,
    ask,
    card_text,
    cards,
    error_body,
    open_cards,
)

PRINT_LOCATION = """
import json, sys
print("sunny in " + json.load(sys.stdin)["location"])
"""


@pytest.fixture
def tool_apps(tmp_path: Path) -> ToolApps:
    return ToolApps(tmp_path / "data")


def replies(app: Any) -> list[str]:
    return [v.body.source for v in app.screen.query(AssistantMessage)]


def header(round_cards: ToolCards) -> str:
    return str(round_cards.query_one(".header").render())


def footer(round_cards: ToolCards) -> str:
    shown = round_cards.query_one(".footer")
    return str(shown.render()) if shown.display else ""


def mark(app: Any, thread_id: str) -> str:
    """The thread list's status mark for a thread ("?" waits for tool output)."""
    threads = app.screen.threads
    return str(threads._prompt(threads.entry(thread_id)))[0]


def capture_notes(app: Any) -> list[str]:
    seen: list[str] = []
    app.notify = lambda message, **kw: seen.append(message)
    return seen


# --- time -------------------------------------------------------------------------------


async def test_the_countdown_runs_and_says_when_the_run_expired(tool_apps: ToolApps) -> None:
    app = tool_apps(manual_clock=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await ask(pilot, "What's the weather in Paris?")
        round_cards = open_cards(app)
        assert header(round_cards).endswith("· expires in 10:00")
        assert round_cards._timer is not None  # a 1 s interval, not a per-frame refresh
        await answer(pilot, "too late")

        tool_apps.now += 598.5
        round_cards.tick()
        assert header(round_cards).endswith("· expires in 0:01")

        tool_apps.now += 2  # the app's clock passes expires_at, and so does the server's
        assert tool_apps.server_clock is not None
        tool_apps.server_clock.advance(601)
        await pilot.pause()
        round_cards.tick()
        assert header(round_cards) == "The run expired: these outputs can no longer be sent."
        await settle(pilot)  # the run is read again: the conversation knows it expired

        assert round_cards.mode == "ended" and round_cards._timer is None
        assert header(round_cards) == "The run expired: these outputs can no longer be sent."
        assert round_cards.cards[0].field.read_only
        assert round_cards.cards[0].field.text == "too late"
        assert app.screen.status.run == "expired"
        assert "expired" in str(app.screen.query(RunNotice).last().render())
        assert app.screen.thread_id is not None and mark(app, app.screen.thread_id) != "?"


async def test_a_400_after_the_run_expired_meanwhile_is_shown_as_such(
    tool_apps: ToolApps,
) -> None:
    app = tool_apps(manual_clock=True)
    async with app.run_test(size=(120, 40)) as pilot:
        notes = capture_notes(app)
        await settle(pilot)
        await ask(pilot, "What's the weather in Paris?")
        round_cards = open_cards(app)
        assert tool_apps.server_clock is not None
        tool_apps.server_clock.advance(601)  # expired on the server; the app's clock lags
        await pilot.pause()

        await answer(pilot, "18 C", "enter")

        assert round_cards.mode == "ended"
        assert header(round_cards) == "The run expired: these outputs can no longer be sent."
        refused = 'Not sent: 400 Bad Request: Runs in status "expired" do not accept tool outputs.'
        assert footer(round_cards).startswith(refused)
        assert "sends again" not in footer(round_cards)
        assert any(note.startswith("400 Bad Request") for note in notes)
        assert app.screen.status.run == "expired"


# --- failures -----------------------------------------------------------------------------


def unavailable(request: httpx.Request) -> httpx.Response:
    return httpx.Response(503, json=error_body("the server is restarting"))


def unreachable(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


async def test_a_failed_submit_keeps_the_outputs_to_send_again(tool_apps: ToolApps) -> None:
    app = tool_apps(extra_tools=[TIME_TOOL])
    async with app.run_test(size=(120, 40)) as pilot:
        notes = capture_notes(app)
        await settle(pilot)
        await ask(pilot, "Call get_weather and get_time for Tokyo")
        transport = tool_apps.transport
        assert transport is not None
        transport.fail_next("/submit_tool_outputs", unavailable)
        await answer(pilot, "cold", "enter")
        await answer(pilot, "09:00", "enter")

        round_cards = open_cards(app)
        said = "Not sent: 503 Service Unavailable: the server is restarting"
        assert footer(round_cards).startswith(said)
        assert footer(round_cards).endswith("Your outputs are kept: f9 sends again.")
        assert [c.field.text for c in round_cards.cards] == ["cold", "09:00"]
        assert app.screen.status.run == "requires_action" and len(notes) == 1

        transport.fail_next("/submit_tool_outputs", unreachable)  # then the network
        await pilot.press("f9")
        await settle(pilot)
        assert footer(round_cards).startswith("Not sent: ") and len(notes) == 2
        assert footer(round_cards) != said and round_cards.mode == "open"

        await pilot.press("f9")
        await settle(pilot)

        body = replies(app)[-1]
        assert "> cold" in body and "> 09:00" in body
        assert round_cards.mode == "sent" and footer(round_cards) == ""
        posts = [p for p in transport.paths if p.endswith("/submit_tool_outputs")]
        assert len(posts) == 3


# --- threads off screen -----------------------------------------------------------------


async def test_a_thread_waiting_off_screen_rings_and_is_marked(tool_apps: ToolApps) -> None:
    app = tool_apps()
    async with app.run_test(size=(120, 40)) as pilot:
        rang: list[bool] = []
        app.bell = lambda: rang.append(True)  # type: ignore[method-assign]
        notes = capture_notes(app)
        await settle(pilot)
        await ask(pilot, "Trip to Paris")
        waiting = app.screen.thread_id
        assert waiting is not None and app.session is not None
        await pilot.press("ctrl+n")
        await settle(pilot)

        # The thread's run (started elsewhere) stops for tool output while it is off screen.
        await app.session.conversation(waiting).send("What's the weather in Paris?")
        await settle(pilot)

        assert rang == [True]
        assert "“Trip to Paris” is waiting for tool output." in notes
        assert mark(app, waiting) == "?"
        assert cards(app) == []

        app.screen.threads._choose(waiting)
        await settle(pilot)
        (card,) = open_cards(app).cards
        assert app.focused is card.field


async def test_a_waiting_thread_this_session_has_not_seen_is_read_when_opened(
    tool_apps: ToolApps,
) -> None:
    app = tool_apps()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await ask(pilot, "What's the weather in Paris?")
        waiting = app.screen.thread_id
        assert waiting is not None and app.session is not None
        await pilot.press("ctrl+n")
        await settle(pilot)
        # As after a restart against a server that still waits: no run known here.
        app.session._conversations.pop(waiting)

        app.screen.threads._choose(waiting)
        await settle(pilot)

        (card,) = open_cards(app).cards
        assert card.state.name == "get_weather"
        await answer(pilot, "warm", "enter")
        assert "> warm" in replies(app)[-1]


# --- handlers ---------------------------------------------------------------------------


async def test_an_always_handler_answers_and_submits_by_itself(
    tool_apps: ToolApps, tmp_path: Path
) -> None:
    handler = make_handler(tmp_path, PRINT_LOCATION, approve="always")
    app = tool_apps(tools={"get_weather": handler.model_dump()})
    async with app.run_test(size=(120, 40)) as pilot:
        rang: list[bool] = []
        app.bell = lambda: rang.append(True)  # type: ignore[method-assign]
        await settle(pilot)
        await ask(pilot, "What's the weather in Paris?")
        await settle(pilot)

        assert "> sunny in Paris" in replies(app)[-1]
        (round_cards,) = cards(app)
        assert round_cards.mode == "sent"
        (card,) = round_cards.cards
        assert card.state.source == "handler"
        assert "sunny in Paris" in card_text(card)  # the result stays in the card
        assert rang == []


async def test_an_ask_handler_proposes_and_waits_for_approval(
    tool_apps: ToolApps, tmp_path: Path
) -> None:
    handler = make_handler(tmp_path, PRINT_LOCATION, approve="ask")
    app = tool_apps(tools={"get_weather": handler.model_dump()})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await ask(pilot, "What's the weather in Paris?")
        await settle(pilot)
        round_cards = open_cards(app)
        (card,) = round_cards.cards
        shown = card_text(card)
        assert "The handler proposes:" in shown and "sunny in Paris" in shown
        assert "proposal waits for approval" in shown
        assert card.query_one(".approve").display and card.field.text == ""
        assert not [p for p in tool_apps.transport.paths if "submit" in p]  # type: ignore[union-attr]

        await pilot.press("f12")  # approve
        await settle(pilot)
        assert card.field.text == "sunny in Paris" and card.state.source == "approved"
        assert not card.query_one(".approve").display
        assert "You approved the handler's output." in card_text(card)
        await pilot.press("enter")
        await settle(pilot)

        assert "> sunny in Paris" in replies(app)[-1]
        assert round_cards.mode == "sent"


async def test_a_side_effect_handler_waits_for_its_button_and_a_failure_for_typing(
    tool_apps: ToolApps, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"
    books = f"""
    open({str(marker)!r}, "w").close()
    print("booked")
    """
    fails = """
    import sys
    sys.stderr.write("clock service down\\n")
    sys.exit(3)
    """
    booking = make_handler(tmp_path, books, "books", approve="ask", side_effects=True)
    failing = make_handler(tmp_path, fails, "fails", approve="always")
    app = tool_apps(
        extra_tools=[TIME_TOOL],
        tools={"get_weather": booking.model_dump(), "get_time": failing.model_dump()},
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await ask(pilot, "Call get_weather and get_time for Tokyo")
        await settle(pilot)
        booked, failed = open_cards(app).cards
        assert not marker.exists()
        assert "it runs only when you say so" in card_text(booked)
        shown = card_text(failed)
        assert "clock service down" in shown and "answer by hand." in shown
        assert str(failed.query_one(".run").label).strip() == "Run again"
        assert failed.field.text == ""

        await pilot.click(booked.query_one(".run"))
        await settle(pilot)

        assert marker.exists() and booked.field.text == "booked"
        assert "The handler answered." in card_text(booked)
        failed.field.focus()
        await answer(pilot, "noon", "enter")
        body = replies(app)[-1]
        assert "> booked" in body and "> noon" in body
