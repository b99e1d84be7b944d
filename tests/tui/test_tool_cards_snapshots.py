"""Snapshots of the tool-call cards: a run that waits for two function calls, at 120x40 and
80x24. In the thread "Weather in Tokyo", the message "What's the weather and the time in
Tokyo?" stopped its run for get_weather and get_time; the user typed get_weather's output and pressed enter, so the
cursor is in get_time's field. Times come from a fixed clock (the run expires 9:30 after
it), ids from a counter, and the cursor does not blink. The inspector is hidden (ctrl+r)
so only the conversation is on trial.

Update with ``pytest tests/tui/test_tool_cards_snapshots.py --snapshot-update`` and look at
the SVGs (``rsvg-convert`` drops leading spaces: check indentation in the SVG text).
"""

from __future__ import annotations

from textual.pilot import Pilot

from .conftest import AppMaker, settle, type_text
from .tool_cards_support import waiting_session


async def two_calls_one_answered(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await type_text(pilot, "What's the weather and the time in Tokyo?", "enter")
    await settle(pilot)
    await type_text(pilot, "12 C, clear", "enter")
    await settle(pilot)
    if not pilot.app.screen.has_class("-hide-inspector"):
        await pilot.press("ctrl+r")
    await settle(pilot)


def test_tool_cards_120x40(snap_compare, make_app: AppMaker) -> None:  # type: ignore[no-untyped-def]
    """Thread list on the left ("? Weather in Tokyo" on top, highlighted, its "?" saying it
    waits for tool output; then "Trip plan to Lisbon 1h", "✗ Weekly report 2d"). The conversation:
    "you 15:09" and the question; then a bold amber line "⚙ 2 tool calls · 1 need output ·
    expires in 9:30"; a green-bordered card titled "get_weather", subtitle "answered" at the
    bottom border, the description "Get the current weather for a location.", the arguments
    pretty-printed over three lines ({ / "location": "Tokyo" / }), and the row "output" with
    "12 C, clear" in a tinted field and an "error" checkbox; an amber-bordered card
    "get_time" ("needs output"), "The local time in a city.", arguments { "city": 42 } and an
    amber warning "⚠ $.city: 42 is not of type 'string'", its empty field focused with the
    placeholder "type the output"; a dim key line "enter next/submit · f9 submit all · f10
    error · escape cancel run"; the bold amber run notice "waiting for tool output:
    get_weather, get_time"; the composer. Status bar: "requires action"."""
    app = make_app(setup=waiting_session)
    assert snap_compare(app, terminal_size=(120, 40), run_before=two_calls_one_answered)


def test_tool_cards_80x24(snap_compare, make_app: AppMaker) -> None:  # type: ignore[no-untyped-def]
    """At 80x24 the thread list is narrower and the inspector hidden. The conversation is
    scrolled to the focused get_time card: its title, "needs output", the description,
    the arguments, the warning "⚠ $.city: 42 is not of type 'string'" and the focused empty
    output field with its "error" checkbox, then the key line (wrapped), the run notice
    and the composer. Above it, the bottom of the green get_weather card ("12 C, clear")."""
    app = make_app(setup=waiting_session)
    assert snap_compare(app, terminal_size=(80, 24), run_before=two_calls_one_answered)
