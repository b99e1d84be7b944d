"""Huge messages (issue 8): a 10 MB message or a 100,000-character line is drawn in part,
with a note, quickly; copying and the full-text view still give the whole text.

(The app tests take a couple of seconds: building and cleaning 10 MB messages is the point.)
"""

from __future__ import annotations

import time

from hypothesis import given, settings
from hypothesis import strategies as st
from textual.widgets import Log

from threadline.tui.render_markdown import DisplayLimiter, limited
from threadline.tui.screens.full_text import FullTextScreen, rows
from threadline.tui.widgets.message_view import AssistantMessage, UserMessage

from .conftest import AppMaker, settle
from .fakes import NOW, FakeSession

LINE = "Some **markdown** with `code` and words that go on for a little while longer.\n"
HUGE = "# A huge reply\n\n" + (LINE * 40 + "\n") * (10_000_000 // (len(LINE) * 40))
ASKED = "please summarise: " + "lorem ipsum dolor sit amet " * 380_000  # 10 MB, one line

# Generous for a 2-core CI machine under load (about 1.5 s here, start-up included);
# Textual's Markdown widget takes minutes for 10 MB.
FIRST_SCREEN_SECONDS = 8.0


def whole(copy: str, text: str) -> bool:
    """``copy == text``, without pytest diffing 10 MB strings when it is not."""
    return copy == text


def test_a_long_line_is_cut_with_a_marker() -> None:
    drawn, hidden = limited("a" * 100_000 + "\nnext line", max_line=2_000)
    first, second = drawn.split("\n")
    assert first == "a" * 2_000 + " … (98,000 more characters)"
    assert second == "next line"
    assert hidden == 98_000


def test_drawing_stops_at_the_bounds() -> None:
    text = "".join(f"line {n}\n" for n in range(10_000))
    drawn, hidden = limited(text, max_lines=100)
    assert drawn.count("\n") == 100 and drawn.endswith("line 99\n")
    assert hidden == len(text) - len(drawn)
    drawn, hidden = limited(text, max_chars=1_000)
    assert 1_000 <= len(drawn) < 1_020 and hidden == len(text) - len(drawn)


@settings(max_examples=100, deadline=None)
@given(
    st.text(alphabet="ab \n", max_size=300),
    st.lists(st.integers(0, 300), max_size=10),
)
def test_the_drawn_text_does_not_depend_on_the_pieces(text: str, cuts: list[int]) -> None:
    whole = limited(text, max_line=7, max_lines=20, max_chars=120)
    limiter = DisplayLimiter(max_line=7, max_lines=20, max_chars=120)
    edges = sorted({min(cut, len(text)) for cut in cuts})
    pieces = [text[a:b] for a, b in zip([0, *edges], [*edges, len(text)], strict=True)]
    drawn = "".join(limiter.feed(piece) for piece in pieces) + limiter.finish()
    assert (drawn, limiter.hidden) == whole


async def huge_thread(session: FakeSession) -> None:
    await session.add_thread(
        "Huge", [("user", ASKED), ("assistant", HUGE), ("user", "x" * 100_000)], at=NOW - 60
    )


async def test_a_10_mb_message_is_shown_in_part_and_copied_whole(make_app: AppMaker) -> None:
    started = time.monotonic()
    app = make_app(setup=huge_thread)
    copied: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
        await settle(pilot)
        await app.screen.wait_for_refresh()
        assert time.monotonic() - started < FIRST_SCREEN_SECONDS
        messages = app.screen.messages
        (reply,) = messages.query(AssistantMessage)
        long_line = list(messages.query(UserMessage))[-1]
        # The newest message: a 100,000-character line, cut.
        shown = str(long_line.query_one(".body").render())
        assert "x" * 2_000 + " … (98,000 more characters)" in shown
        # The reply: its first 200,000 characters, then a note.
        assert len(reply.body.rendered_text()) < 250_000
        assert "more characters not shown" in reply.body.rendered_text()
        assert reply.body.hidden > 9_000_000 and whole(reply.text, HUGE)

        await pilot.press("ctrl+g", "up")  # the reply
        await pilot.pause()
        await pilot.press("c")
        await pilot.pause()
        assert len(copied) == 1 and whole(copied[0], HUGE)

        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, FullTextScreen)
        shown = "\n".join(app.screen.query_one(Log).lines)
        assert whole(shown.replace("\n \n", "\n\n").rstrip(), HUGE.rstrip())
        await pilot.press("c")
        assert len(copied) == 2 and whole(copied[-1], HUGE)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, FullTextScreen)


async def test_a_10_mb_message_of_the_user_is_shown_in_part(make_app: AppMaker) -> None:
    async def asked(session: FakeSession) -> None:
        await session.add_thread("Asked", [("user", ASKED)], at=NOW - 60)

    app = make_app(setup=asked)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        (view,) = app.screen.messages.query(UserMessage)
        shown = str(view.query_one(".body").render())
        assert "more characters not shown" in shown and len(shown) < 5_000
        assert whole(view.text, ASKED)


def test_the_full_text_view_cuts_long_lines_into_rows() -> None:
    assert rows("a" * 2_500 + "\n\nb") == ["a" * 1_000, "a" * 1_000, "a" * 500, " ", "b"]
