"""Tool-call cards over the real Session and the embedded demo server (speed 0): a run that
waits in ``requires_action`` is answered inline, by hand, and the reply streams on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from threadline.core.run_options import RunOptions
from threadline.tui.widgets.message_view import AssistantMessage, RunNotice
from threadline.tui.widgets.tool_cards import OutputField

from .conftest import settle
from .tool_cards_support import TIME_TOOL, ToolApps, answer, ask, card_text, cards, open_cards

ALARM_TOOL = {
    "type": "function",
    "function": {
        "name": "set_alarm",
        "parameters": {
            "type": "object",
            "properties": {"time": {"type": "string", "pattern": "^[0-9]{2}:[0-9]{2}$"}},
            "required": ["time"],
        },
    },
}


@pytest.fixture
def tool_apps(tmp_path: Path) -> ToolApps:
    return ToolApps(tmp_path / "data")


def replies(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [v.body.source for v in app.screen.query(AssistantMessage)]


async def test_weather_in_paris_is_answered_in_its_card(tool_apps: ToolApps) -> None:
    app = tool_apps()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await ask(pilot, "What's the weather in Paris?")

        (card,) = open_cards(app).cards
        assert card.state.name == "get_weather"
        shown = card_text(card)
        assert "get_weather" in shown and "needs output" in shown
        assert "Get the current weather for a location." in shown
        assert json.loads(str(card.query_one(".arguments").render())) == {"location": "Paris"}
        assert '{\n  "location": "Paris"\n}' in shown  # pretty-printed
        assert app.focused is card.field  # focus moved to the output field
        assert app.screen.status.run == "requires_action"
        thread_id = app.screen.thread_id
        assert thread_id is not None
        assert app.screen.threads._live[thread_id] == "requires_action"  # the "?" mark

        await answer(pilot, "18 C,", "ctrl+j")  # the composer's newline key adds a line
        assert card.state.text == "18 C,\n" and open_cards(app).mode == "open"
        await answer(pilot, "light rain", "enter")

        assert "> 18 C,\n> light rain" in replies(app)[-1]
        assert app.screen.status.run == "completed"
        assert "completed" in str(app.screen.query(RunNotice).last().render())
        (sent,) = cards(app)
        assert sent.mode == "sent" and "get_weather" in card_text(sent.cards[0])
        assert app.screen.threads._live[thread_id] == ""
        # The cards sit above the reply that quotes them.
        children = list(app.screen.messages.children)
        assert children.index(sent) < children.index(app.screen.query(AssistantMessage).last())


async def test_two_parallel_calls_need_both_outputs(tool_apps: ToolApps) -> None:
    app = tool_apps(extra_tools=[TIME_TOOL])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await ask(pilot, "Call get_weather and get_time for Tokyo")
        round_cards = open_cards(app)
        first, second = round_cards.cards
        assert [first.state.name, second.state.name] == ["get_weather", "get_time"]
        assert "The local time in a city." in card_text(second)
        assert app.focused is first.field
        submits = len(tool_apps.transport.paths)  # type: ignore[union-attr]

        await pilot.press("f10")  # get_weather's answer is an error: a default text, selected
        assert first.state.source == "error" and first.field.text == "declined by the user"
        await answer(pilot, "no network", "enter")  # typing replaces it; enter: the next field
        assert first.state.text == "no network" and "error" in card_text(first)
        assert app.focused is second.field
        await pilot.press("f9")  # submit from anywhere: get_time has no output yet
        await settle(pilot)
        assert round_cards.mode == "open"
        assert not [p for p in tool_apps.transport.paths[submits:] if "submit" in p]  # type: ignore[union-attr]

        await answer(pilot, "09:00", "enter")

        body = replies(app)[-1]
        assert '> {"error": "no network"}' in body and "> 09:00" in body
        posted = [p for p in tool_apps.transport.paths if p.endswith("/submit_tool_outputs")]  # type: ignore[union-attr]
        assert len(posted) == 1  # both outputs in one request


async def test_a_second_round_in_the_same_run(tool_apps: ToolApps) -> None:
    app = tool_apps(extra_tools=[TIME_TOOL])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        conversation = app.screen.conversation
        assert conversation is not None
        conversation.run_options = RunOptions(parallel_tool_calls=False)  # one call per step
        await ask(pilot, "Call get_weather and get_time for Tokyo")
        first = open_cards(app)
        assert [c.state.name for c in first.cards] == ["get_weather"]
        run_id = first.tool_round.run_id

        await answer(pilot, "cold", "enter")

        second = open_cards(app)
        assert second is not first and second.tool_round.run_id == run_id
        assert [c.state.name for c in second.cards] == ["get_time"]
        assert first.mode == "sent"
        assert app.focused is second.cards[0].field
        await answer(pilot, "09:00", "enter")
        body = replies(app)[-1]
        assert "> cold" in body and "> 09:00" in body
        assert [c.mode for c in cards(app)] == ["sent", "sent"]


async def test_arguments_that_are_not_json_are_shown_raw_with_a_warning(
    tool_apps: ToolApps,
) -> None:
    app = tool_apps()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await ask(pilot, "Weather in Paris, with bad json")
        (card,) = open_cards(app).cards
        assert str(card.query_one(".arguments").render()) == '{"location": "Paris"'
        warning = str(card.query_one(".warnings").render())
        assert card.query_one(".warnings").display
        assert (
            warning.startswith("⚠ arguments are not valid JSON") and "shown as received" in warning
        )
        await answer(pilot, "no idea", "enter")  # the user may still answer
        assert "> no idea" in replies(app)[-1]


async def test_schema_violations_are_shown_and_the_call_can_still_be_answered(
    tool_apps: ToolApps,
) -> None:
    app = tool_apps(extra_tools=[ALARM_TOOL])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await ask(pilot, "set_alarm please")  # the demo leaves the required time blank
        (card,) = open_cards(app).cards
        shown = card_text(card)
        assert "⚠ $.time: '' does not match '^[0-9]{2}:[0-9]{2}$'" in shown
        await answer(pilot, "set for 07:00")
        assert open_cards(app).tool_round.complete  # it may be answered all the same


async def test_cancel_from_the_card(tool_apps: ToolApps) -> None:
    app = tool_apps()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await ask(pilot, "What's the weather in Paris?")
        round_cards = open_cards(app)
        await answer(pilot, "typed before cancelling")
        assert isinstance(app.focused, OutputField)

        await pilot.press("escape")
        await settle(pilot)

        assert app.screen.status.run == "cancelled"
        assert round_cards.mode == "ended"
        assert str(round_cards.query_one(".header").render()) == "The run was cancelled."
        (card,) = round_cards.cards
        assert card.field.read_only and card.field.text == "typed before cancelling"
        assert "submit_tool_outputs" not in app.screen.active_bindings or not (
            app.screen.check_action("submit_tool_outputs", ())
        )
        await pilot.press("f9")  # nothing to submit any more
        await settle(pilot)
        assert not [p for p in tool_apps.transport.paths if "submit" in p]  # type: ignore[union-attr]


async def test_outputs_survive_switching_threads(tool_apps: ToolApps) -> None:
    app = tool_apps()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await ask(pilot, "What's the weather in Paris?")
        waiting = app.screen.thread_id
        await answer(pilot, "half an ans")

        await pilot.press("ctrl+n")  # another thread on screen: the cards go
        await settle(pilot)
        assert cards(app) == [] and app.screen.thread_id is None
        app.screen.threads._choose(waiting)
        await settle(pilot)

        (card,) = open_cards(app).cards
        assert card.field.text == "half an ans"
        for _ in range(50):  # the card takes focus once its round is shown again
            if app.focused is card.field:
                break
            await pilot.pause()
        assert app.focused is card.field
        card.field.move_cursor(card.field.document.end)
        await answer(pilot, "wer", "enter")
        assert "> half an answer" in replies(app)[-1]
