"""Tool cards show untrusted text literally and cleaned; countdown and summary wording."""

from __future__ import annotations

import json
from types import SimpleNamespace

from textual.app import App, ComposeResult
from textual.content import Content
from textual.widgets import Static

from threadline.api import FunctionTool, RequiredToolCall
from threadline.core.run_state import RunState
from threadline.core.tool_round import ToolRound
from threadline.tui.clock import Clock
from threadline.tui.widgets.tool_cards import ToolCards
from threadline.tui.widgets.tool_cards.text import capped, countdown, summary

from .fakes import NOW

HOSTILE = "[bold red]big[/] \x1b[2J\x1b]52;c;QUJD\x07 [@click=app.quit]x[/]"


def test_countdown() -> None:
    assert [countdown(s) for s in (600, 599.9, 61, 0, -5, 3723)] == [
        "10:00",
        "9:59",
        "1:01",
        "0:00",
        "0:00",
        "1:02:03",
    ]


def test_long_text_is_capped_with_a_count() -> None:
    assert capped("\n".join(str(i) for i in range(40)), 3) == "0\n1\n2\n… 37 more lines"


def hostile_round() -> ToolRound:
    call = RequiredToolCall.model_validate(
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "get_[b]x[/b]", "arguments": json.dumps({"q": HOSTILE})},
        }
    )
    tool = FunctionTool.model_validate(
        {
            "type": "function",
            "function": {
                "name": "get_[b]x[/b]",
                "description": HOSTILE,
                "parameters": {"type": "object", "properties": {"q": {"type": "integer"}}},
            },
        }
    )
    tool_round = ToolRound([call], tools=[tool], expires_at=NOW + 60)
    state = tool_round.calls[0]
    state.proposal = HOSTILE
    state.notice = HOSTILE
    tool_round.submit_error = HOSTILE
    return tool_round


class CardsApp(App[None]):
    def __init__(self, tool_round: ToolRound) -> None:
        super().__init__()
        self.conversation = SimpleNamespace(tool_round=tool_round, state=RunState())
        self.submits = 0

    def on_tool_cards_submit(self, message: ToolCards.Submit) -> None:
        self.submits += 1

    def compose(self) -> ComposeResult:
        yield ToolCards(self.conversation, self.conversation.tool_round, Clock.fixed(NOW))  # type: ignore[arg-type]


async def test_untrusted_text_is_shown_literally_without_escapes() -> None:
    tool_round = hostile_round()
    app = CardsApp(tool_round)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        cards = app.query_one(ToolCards)
        (card,) = cards.cards
        # The title is kept as markup with the brackets escaped: shown literally.
        assert Content.from_markup(card.border_title or "").plain == "get_[b]x[/b]"
        text = "\n".join(str(s.render()) for s in app.query(Static))
        assert "[bold red]big[/]" in text and "[@click=app.quit]x[/]" in text
        assert "\x1b" not in text and "\x07" not in text
        for needle in ("arguments", "description", "warnings", "proposal", "footer"):
            found = [s for s in app.query(f".{needle}") if "[bold red]big[/]" in str(s.render())]
            assert found or needle == "warnings", needle
        assert "$.q:" in str(card.query_one(".warnings").render())  # a string, not an integer
        assert str(cards.query_one(".footer").render()).startswith("Not sent: [bold red]big[/]")
        assert app.is_running


def test_a_sent_call_is_summed_up_on_one_line() -> None:
    tool_round = hostile_round()
    tool_round.set_error("call_1", "no\nnetwork")
    line = summary(tool_round.calls[0])
    assert line.endswith("→ error: no network") and "\n" not in line and "\x1b" not in line


async def test_the_output_field_follows_a_remapped_send_key() -> None:
    tool_round = ToolRound([hostile_round().calls[0].call])
    app = CardsApp(tool_round)
    async with app.run_test(size=(100, 40)) as pilot:
        app.set_keymap({"send": "ctrl+s"})
        (card,) = app.query_one(ToolCards).cards
        card.field.focus()
        await pilot.press("a", "enter", "b")  # enter is free again: a new line
        assert card.field.text == "a\nb" and app.submits == 0
        await pilot.press("ctrl+s")
        assert app.submits == 1
