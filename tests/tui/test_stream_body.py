"""The streaming markdown body: after streaming it draws what a fresh render of the same
text draws, whatever the fragments; it repaints only what changed, draws at most once per
frame, grows in steps while streaming, and costs the same per line at any length."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.geometry import Region
from textual.widgets import Markdown

from threadline.tui.render_markdown import blocks as blocks_module
from threadline.tui.render_markdown.document import PIECE_MAX
from threadline.tui.widgets import stream_body
from threadline.tui.widgets.stream_body import MarkdownBody

from .test_stream_document import TEXTS

SIZE = (64, 30)


class Bodies(App[None]):
    """A live body and, once asked, a fresh one with the same text, side by side."""

    CSS = "#list { scrollbar-gutter: stable; }"  # the same width with or without a scrollbar

    def compose(self) -> ComposeResult:
        yield VerticalScroll(MarkdownBody(id="live"), id="list")


def drawn(body: MarkdownBody) -> list[tuple[str, object]]:
    """Every row the body draws: the text and styles of each segment."""
    rows = []
    for y in range(body.size.height):
        strip = body.render_line(y)
        rows.append((strip.text, [segment.style for segment in strip]))
    return rows


async def fresh(app: App[None], text: str) -> MarkdownBody:
    body = MarkdownBody(text)
    await app.query_one("#list").mount(body)
    await app.workers.wait_for_complete()
    await app.screen.wait_for_refresh()
    return body


async def stream(app: App[None], pieces: list[str], *, draw_each: bool) -> MarkdownBody:
    live = app.query_one("#live", MarkdownBody)
    for piece in pieces:
        await live.write(piece)
        if draw_each:
            live._flush()  # a frame after every fragment: the most intermediate states
    await live.finish("".join(pieces))
    await app.screen.wait_for_refresh()
    return live


@pytest.mark.parametrize("name", list(TEXTS))
async def test_after_streaming_the_body_draws_what_a_fresh_render_draws(name: str) -> None:
    text = TEXTS[name]
    app = Bodies()
    async with app.run_test(size=SIZE) as pilot:
        live = await stream(app, list(text), draw_each=True)  # a character at a time
        await pilot.pause()
        other = await fresh(app, text)
        assert live.size == other.size
        assert drawn(live) == drawn(other)
        assert live.source == text


async def test_fragments_cut_at_awkward_places_end_the_same() -> None:
    """Every text cut in three at many positions (inside fence markers, table rows, list
    markers, words), drawn between the pieces."""
    text = "\n\n".join(TEXTS.values())
    app = Bodies()
    async with app.run_test(size=SIZE) as pilot:
        reference = await fresh(app, text)
        expected = drawn(reference)
        await reference.remove()
        for start in range(0, len(text), 61):
            cut = start + 11
            live = MarkdownBody()
            await app.query_one("#list").mount(live)
            for piece in (text[:start], text[start:cut], text[cut:]):
                await live.write(piece)
                live._flush()
            await live.finish(text)
            await pilot.pause()
            assert drawn(live) == expected, f"cut at {start} and {cut}"
            await live.remove()


async def test_the_final_render_is_the_servers_text_when_it_differs() -> None:
    app = Bodies()
    async with app.run_test(size=SIZE) as pilot:
        live = await stream(app, ["Rome【1†a】 is *old*"], draw_each=True)
        await live.finish("Rome[1] is *old*")
        await pilot.pause()
        other = await fresh(app, "Rome[1] is *old*")
        assert drawn(live) == drawn(other)
        assert live.source == "Rome[1] is *old*"


async def test_text_with_link_references_is_rendered_again_at_the_end() -> None:
    text = "See [the docs][d] and [more][d].\n\n[d]: https://example.com/docs\n"
    app = Bodies()
    async with app.run_test(size=SIZE) as pilot:
        live = await stream(app, list(text), draw_each=True)
        await pilot.pause()
        assert drawn(live) == drawn(await fresh(app, text))


async def test_fragments_between_frames_are_drawn_together() -> None:
    app = Bodies()
    drawn_lines = 0
    real = blocks_module.block_lines

    def counting(block, width):  # type: ignore[no-untyped-def]
        nonlocal drawn_lines
        drawn_lines += 1
        return real(block, width)

    async with app.run_test(size=SIZE) as pilot:
        stream_body.document_lines.__globals__["block_lines"] = counting
        try:
            live = app.query_one("#live", MarkdownBody)
            for word in ("one ", "two ", "three ") * 50:
                await live.write(word)
            assert drawn_lines == 0  # nothing drawn yet: one frame later, all of it at once
            await pilot.pause(2 / stream_body.FPS)
            await pilot.pause()
            assert drawn_lines == 1
            assert "three one two" in live.rendered_text().replace("\n", " ")
        finally:
            stream_body.document_lines.__globals__["block_lines"] = real


async def test_a_word_at_the_end_repaints_its_line_only() -> None:
    app = Bodies()
    async with app.run_test(size=SIZE) as pilot:
        live = app.query_one("#live", MarkdownBody)
        await live.write("First paragraph.\n\nA second one that grows")
        live._flush()
        await pilot.pause()
        repainted: list[tuple[Region, ...]] = []
        real_refresh = live.refresh

        def refresh(*regions: Region, **kwargs: bool) -> MarkdownBody:
            repainted.append(regions)
            return real_refresh(*regions, **kwargs)

        live.refresh = refresh  # type: ignore[method-assign]
        await live.write(" word")
        live._flush()
        assert repainted == [(Region(0, 2, live.size.width, 1),)]  # row 2: the last line


async def test_the_body_grows_in_steps_while_it_streams_and_fits_at_the_end() -> None:
    app = Bodies()
    async with app.run_test(size=SIZE) as pilot:
        live = app.query_one("#live", MarkdownBody)
        heights = []
        for n in range(30):
            await live.write(f"line {n}\n\n")
            live._flush()
            await pilot.pause()
            heights.append(live.size.height)
        step = live._step()
        assert step == SIZE[1] // 4  # a quarter of the screen
        assert all(height % step == 0 for height in heights)
        assert len(set(heights)) < 10  # far fewer layouts than lines
        await live.finish(live.source)
        await pilot.pause()
        assert live.size.height == len(live.rendered_text().split("\n")) == 59


async def test_a_long_fence_streamed_line_by_line_draws_a_bounded_piece_per_frame() -> None:
    app = Bodies()
    rendered: list[int] = []
    real = blocks_module.code_lines

    def counting(lines, width):  # type: ignore[no-untyped-def]
        rendered.append(len(lines))
        return real(lines, width)

    async with app.run_test(size=SIZE) as pilot:
        blocks_module.block_lines.__globals__["code_lines"] = counting
        try:
            live = app.query_one("#live", MarkdownBody)
            await live.write("```python\n")
            for n in range(1_000):
                await live.write(f"value_{n} = {n} * 2\n")
                if n % 10 == 0:
                    live._flush()
            await live.write("```\n")
            await live.finish(live.source)
            await pilot.pause()
        finally:
            blocks_module.block_lines.__globals__["code_lines"] = real
        assert max(rendered) <= PIECE_MAX + 1  # never the whole fence again
        assert sum(rendered) < 4 * 1_000  # about each line once, plus the open piece
        assert "value_999 = 999 * 2" in live.rendered_text()


class LinkApp(Bodies):
    def __init__(self) -> None:
        super().__init__()
        self.clicked: list[str] = []

    def on_markdown_link_clicked(self, event: Markdown.LinkClicked) -> None:
        self.clicked.append(event.href)


async def test_clicking_a_link_asks_the_app_to_open_it() -> None:
    """The main screen's handler of Markdown.LinkClicked confirms and opens http(s) only."""
    app = LinkApp()
    async with app.run_test(size=SIZE) as pilot:
        live = app.query_one("#live", MarkdownBody)
        await live.finish("a [link](https://example.com/x) here")
        await pilot.pause()
        await pilot.click("#live", offset=(3, 0))
        await pilot.click("#live", offset=(10, 0))  # not on the link
        await pilot.pause()
        assert app.clicked == ["https://example.com/x"]
