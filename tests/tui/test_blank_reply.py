"""The "blank reply": a reply view that kept a height of one row in the message list.

Textual's ``layout: stream`` reuses a child's cached placement unless the screen recorded
that child as asking for a layout, and it records a child whose *content* grew (a reply's
body) only when nothing else in the list asked in the same frame. The run notice below a
reply changes in the same frame as the reply's last text, so the reply kept its old
height and its text was clipped away (about 1 run in 10). ``CheckedStreamLayout`` measures
a child again whenever its layout counter moved.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.geometry import Size
from textual.layout import Layout
from textual.reactive import Reactive
from textual.widgets import Static

from threadline.tui.widgets.message_view import AssistantMessage
from threadline.tui.widgets.stream_layout import CheckedStreamLayout, checked_stream_layout

from .conftest import AppMaker, settle, type_text
from .fakes import FakeSession, reply_events, words


class Body(Static):
    # Like the message views: no second layout after a resize (which hid the bug).
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), repaint=False)


class View(Vertical):
    DEFAULT_CSS = "View { height: auto; } View > Static { height: auto; }"
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), repaint=False)

    def compose(self) -> ComposeResult:
        yield Static("header")
        yield Body("", id="body")


class StockList(VerticalScroll):
    DEFAULT_CSS = "StockList { layout: stream; height: 1fr; }"


class CheckedList(StockList):
    @property
    def layout(self) -> Layout:
        return checked_stream_layout(self)


class Conversation(App[None]):
    def __init__(self, container: type[StockList]) -> None:
        super().__init__()
        self.container = container

    def compose(self) -> ComposeResult:
        yield self.container(id="list")


async def heights_after_growth(container: type[StockList]) -> list[int]:
    """A view's body grows and the notice below it changes, both before the screen lays
    out; the view's height each time (4 is right: a header and three lines)."""
    app = Conversation(container)
    heights = []
    async with app.run_test(size=(80, 40)) as pilot:
        listing = app.query_one("#list")
        for _ in range(3):
            view, notice = View(), Static("running")
            await listing.mount_all([view, notice])
            await pilot.pause()
            with app.batch_update():  # both changes reach the screen before it lays out
                view.query_one("#body", Static).update("line\nline\nline")
                notice.update("done")
                await pilot.pause()
            await app.screen.wait_for_refresh()
            heights.append(view.region.height)
    return heights


async def test_a_view_that_grew_inside_is_measured_again() -> None:
    assert isinstance(checked_stream_layout(StockList()), CheckedStreamLayout)
    assert await heights_after_growth(CheckedList) == [4, 4, 4]


async def test_textuals_stream_layout_still_keeps_the_stale_height() -> None:
    """The bug CheckedStreamLayout works around. If this fails, Textual fixed it: drop
    stream_layout.py and MessageList's layout property."""
    assert await heights_after_growth(StockList) == [2, 2, 2]


async def replies(session: FakeSession) -> None:
    paragraphs = [f"Paragraph {p}: " + " ".join(f"w{p}.{w}" for w in range(30)) for p in range(6)]
    session.script = lambda conv, text, thread_id, new: reply_events(
        thread_id, new, words("\n\n".join(paragraphs))
    )


async def test_every_streamed_reply_is_as_tall_as_its_text(make_app: AppMaker) -> None:
    """A reply streams into a new thread while the run notice, the thread list and the
    status bar change around it: its view is as tall as its header and text, every time
    (without the fix, about one run in four clipped the reply: four runs, for a test
    that catches it more often than not; test_a_view_that_grew_inside... always does)."""
    for n in range(4):
        app = make_app(setup=replies)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await type_text(pilot, "x", "enter")
            await settle(pilot)
            await app.screen.wait_for_refresh()
            (view,) = app.screen.messages.query(AssistantMessage)
            rows = len(view.body.rendered_text().split("\n"))
            assert view.body.size.height == rows > 10
            assert view.region.height >= 1 + rows, f"run {n}: the reply is clipped"
