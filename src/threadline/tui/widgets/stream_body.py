"""The body of an assistant message: markdown that grows while it streams, at any length.

A message view only needs :class:`StreamingBody` (``write`` fragments, then ``finish``
with the final text). :class:`MarkdownBody` is one widget that draws its own lines
(Textual's line API), whatever the length of the message:

- the text is split into finished blocks and an open tail
  (:class:`~threadline.tui.render_markdown.StreamDocument`); a finished block is rendered
  to lines once, only the open tail again;
- fragments are taken at once but drawn at most ``FPS`` times a second, together, and
  while text comes faster than a step of rows a frame, ``LAYOUT_FPS`` times a second;
- only the lines that changed are repainted, and while it streams the body grows in steps
  of a quarter of the screen (``STEP``), so the conversation scrolls (and the terminal
  repaints the pane) once per step instead of once per line;
- a huge message draws a bounded prefix (:mod:`~threadline.tui.render_markdown.limits`)
  with a note; ``source`` is always the whole text.

The final render is the same as rendering the final text in one go (the document's
blocks are the same whatever the fragments, and a block's lines depend only on the
block), except that a text with link reference definitions is rendered again in one go.

Text reaching a body is already clean (the message view runs a ``StreamSanitizer``).
"""

from __future__ import annotations

import asyncio
import gc
import time
from typing import ClassVar, Protocol, cast

from rich.segment import Segment
from textual.content import Content
from textual.geometry import Region, Size
from textual.reactive import Reactive
from textual.strip import Strip
from textual.style import Style as VisualStyle
from textual.widget import Widget

from ..keys import BY_ID, display_key
from ..render_markdown import DisplayLimiter, StreamDocument, document_lines
from ..render_markdown.code import warm_up

FPS = 30  # draws a second, at most, while text streams in
LAYOUT_FPS = 10  # draws a second that change the body's height (each moves the whole pane)
STEP = (4, 4, 16)  # while it streams the body grows by a quarter of the screen's rows
# at a time (at least 4, at most 16): each step scrolls the pane, and the terminal is sent
# the whole pane again.
WARM_UP_AFTER = 0.2  # seconds after the first message is shown: code.warm_up


class _QuietCollector:
    """While replies stream, the objects made before are left out of Python's full
    collections (``gc.freeze``): with ~200,000 objects alive (most of them Textual's
    strips and caches), a full collection stops the app for 60-100 ms, a stutter and an
    input lag a few times a minute at 100 tokens/s. The last stream to end puts them back
    (``gc.unfreeze``): nothing is left uncollected for good."""

    streams = 0

    @classmethod
    def begin(cls) -> None:
        if cls.streams == 0:
            gc.freeze()
        cls.streams += 1

    @classmethod
    def end(cls) -> None:
        cls.streams -= 1
        if cls.streams == 0:
            gc.unfreeze()


class StreamingBody(Protocol):
    async def write(self, fragment: str) -> None:
        """Add clean text at the end; cost must not grow with what is already shown."""

    async def finish(self, final_text: str) -> None:
        """Show ``final_text`` as the whole body, rendered in full once."""


def hidden_note(hidden: int) -> str:
    key = display_key(BY_ID["view_message"].key)
    return f"⋯ {hidden:,} more characters not shown ({key} on the message shows it all)"


class MarkdownBody(Widget):
    """Markdown drawn a block at a time (see the module docstring)."""

    DEFAULT_CSS = """
    MarkdownBody {
        height: auto;
        & > .md--em { text-style: italic; }
        & > .md--strong { text-style: bold; }
        & > .md--s { text-style: strike; }
        & > .md--code-inline { background: $warning 10%; color: $text-warning 95%; }
        & > .md--link { color: $text-accent; text-style: underline; }
        & > .md--h1 {
            color: $markdown-h1-color;
            background: $markdown-h1-background;
            text-style: $markdown-h1-text-style;
        }
        & > .md--h2 {
            color: $markdown-h2-color;
            background: $markdown-h2-background;
            text-style: $markdown-h2-text-style;
        }
        & > .md--h3 {
            color: $markdown-h3-color;
            background: $markdown-h3-background;
            text-style: $markdown-h3-text-style;
        }
        & > .md--h4 {
            color: $markdown-h4-color;
            background: $markdown-h4-background;
            text-style: $markdown-h4-text-style;
        }
        & > .md--h5 {
            color: $markdown-h5-color;
            background: $markdown-h5-background;
            text-style: $markdown-h5-text-style;
        }
        & > .md--h6 {
            color: $markdown-h6-color;
            background: $markdown-h6-background;
            text-style: $markdown-h6-text-style;
        }
        & > .md--bullet { color: $text-primary; }
        & > .md--quote { background: $boost; }
        & > .md--quote-bar { color: $text-primary 50%; }
        & > .md--code { background: black 10%; color: $foreground; }
        & > .md--hr { color: $secondary; }
        & > .md--table-header { color: $primary; text-style: bold; }
        & > .md--table-border { color: $foreground 30%; }
        & > .md--html { color: $text-muted; }
        & > .md--note { color: $text-warning; text-style: italic; }
        &:light > .md--code { background: white 30%; }
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "md--em",
        "md--strong",
        "md--s",
        "md--code-inline",
        "md--link",
        "md--h1",
        "md--h2",
        "md--h3",
        "md--h4",
        "md--h5",
        "md--h6",
        "md--bullet",
        "md--quote",
        "md--quote-bar",
        "md--code",
        "md--hr",
        "md--table-header",
        "md--table-border",
        "md--html",
        "md--note",
    }

    ALLOW_SELECT = False  # lines are drawn here, not by Textual's text selection

    # Widget's virtual_size asks for a second layout after every resize; this widget does
    # not scroll, so that layout (a second repaint of the whole pane) is wasted.
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), repaint=False)

    def __init__(self, markdown: str = "", *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._parts: list[str] = []  # the whole text, as it came
        self._joined: str | None = ""
        self._limiter = DisplayLimiter()
        self._document = StreamDocument()
        self._streaming = False
        self._flush_at: asyncio.TimerHandle | None = None
        self._next_flush = 0.0  # the earliest time of the next draw
        # What is drawn, at ``_width``: the lines of the first ``_rendered`` finished
        # blocks, then the open blocks' (and the note's).
        self._width = 0
        self._rendered = 0
        self._finished: list[Content] = []
        self._open: list[Content] = []
        self._height = 0
        if markdown:
            self._take(markdown)
        self._close()

    # --- the text -----------------------------------------------------------------------

    @property
    def source(self) -> str:
        """The whole text so far (not only what is drawn)."""
        if self._joined is None:
            self._joined = "".join(self._parts)
            self._parts = [self._joined]
        return self._joined

    @property
    def hidden(self) -> int:
        """Characters of the text that are not drawn (a huge message)."""
        return self._limiter.hidden

    def _take(self, text: str) -> None:
        self._parts.append(text)
        self._joined = None
        self._document.feed(self._limiter.feed(text))

    def _close(self) -> None:
        self._document.feed(self._limiter.finish())
        self._document.update(final=True)

    def _restart(self, text: str) -> None:
        """Render ``text`` from scratch, in one go."""
        self._parts, self._joined = [], ""
        self._limiter = DisplayLimiter()
        self._document = StreamDocument()
        self._take(text)
        self._close()
        self._width = 0  # everything is drawn again

    # --- the seam ----------------------------------------------------------------------

    async def write(self, fragment: str) -> None:
        if not fragment:
            return
        if not self._streaming:
            warm_up()  # code blocks may follow
            _QuietCollector.begin()
        self._streaming = True
        self._take(fragment)
        if self._flush_at is None:
            delay = max(0.0, self._next_flush - time.monotonic())
            self._flush_at = asyncio.get_running_loop().call_later(delay, self._flush)

    async def finish(self, final_text: str) -> None:
        if self._flush_at is not None:
            self._flush_at.cancel()
            self._flush_at = None
        source = self.source
        if final_text.startswith(source):
            self._take(final_text[len(source) :])
            if self._document.references:
                self._restart(final_text)  # links before a definition change
            else:
                self._close()
        else:  # the server's text is not what streamed (citations, a reconnect)
            self._restart(final_text)
        self._end_stream()
        self._show()

    def _end_stream(self) -> None:
        if self._streaming:
            self._streaming = False
            _QuietCollector.end()

    def on_unmount(self) -> None:
        self._end_stream()  # removed while it streamed

    def _flush(self) -> None:
        self._flush_at = None
        if self.is_attached:
            self._document.update()
            grew = self._show()
            self._next_flush = time.monotonic() + 1 / (LAYOUT_FPS if grew else FPS)

    # --- drawing ------------------------------------------------------------------------

    def _show(self) -> bool:
        """Draw what the document holds now: repaint the lines that changed. True if
        that took a layout (the height changed)."""
        width = self.size.width or self._width
        if not width:
            self.refresh(layout=True)  # drawn when laid out
            return True
        old_height, resized = self._height, width != self._width
        changed = self._sync(width)
        if self._height != old_height or resized:
            self.refresh(layout=True)
            return True
        if changed is not None:
            first, last = changed
            self.refresh(Region(0, first, width, last - first))
        return False

    def _sync(self, width: int) -> tuple[int, int] | None:
        """Render what is new at ``width``; the lines that changed (first, end)."""
        if width != self._width:
            self._width, self._rendered = width, 0
            self._finished, self._open = [], []
        start = len(self._finished)
        old_open = self._open
        blocks = self._document.finished
        self._finished += document_lines(blocks[self._rendered :], width, self._rendered)
        self._rendered = len(blocks)
        lines = document_lines(self._document.open, width, len(blocks))
        if self.hidden:
            if self._rendered or lines:
                lines.append(Content(""))
            lines.extend(Content.styled(hidden_note(self.hidden), ".md--note").wrap(width))
        self._open = lines
        total = len(self._finished) + len(lines)
        if self._streaming:  # grow in steps, never shrink while it streams
            step = self._step()
            self._height = max(self._height, -(-total // step) * step)
        else:
            self._height = total
        return self._changed(start, old_open)

    def _step(self) -> int:
        divisor, least, most = STEP
        rows = self.app.size.height if self.is_attached else 0
        return max(least, min(most, rows // divisor))

    def _changed(self, start: int, old: list[Content]) -> tuple[int, int] | None:
        """Lines from ``start`` on that differ from ``old`` (the lines there before)."""
        end = max(start + len(old), len(self._finished) + len(self._open))
        first = next(
            (y for y in range(start, end) if not self._same(self._line(y), old, y - start)), None
        )
        if first is None:
            return None
        last = next(
            y
            for y in range(end - 1, first - 1, -1)
            if not self._same(self._line(y), old, y - start)
        )
        return first, last + 1

    @staticmethod
    def _same(line: Content | None, old: list[Content], index: int) -> bool:
        before = old[index] if index < len(old) else None
        if line is None or before is None:
            return line is before
        return line.is_same(before)

    def _line(self, y: int) -> Content | None:
        finished = self._finished
        if y < len(finished):
            return finished[y]
        y -= len(finished)
        return self._open[y] if y < len(self._open) else None

    def on_resize(self) -> None:
        # Textual's repaint after a resize waits for this widget's next refresh (the next
        # streamed line, a frame later); asked for now, it joins the frame after the layout.
        self.refresh()

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if width != self._width:
            self._sync(width)
        return self._height

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if width != self._width:
            self._sync(width)
        base = self.visual_style
        line = self._line(y)
        if line is None:
            return Strip.blank(width, base.rich_style)
        segments = [
            Segment(text, style.rich_style)
            for text, style in line.render(base, end="", parse_style=self._style)
        ]
        return Strip(segments, line.cell_length).extend_cell_length(width, base.rich_style)

    def _style(self, style: str | VisualStyle) -> VisualStyle:
        if isinstance(style, str) and style.startswith("."):
            # The whole style, not Textual's partial one: a component's background with
            # alpha is blended over the widget's own (partial styles lose it).
            return self.get_visual_style(style[1:])
        return self._get_style(style)

    def rendered_text(self) -> str:
        """What is drawn, as plain text (one line per row)."""
        return "\n".join(line.plain for line in (*self._finished, *self._open))

    async def action_link(self, href: str) -> None:
        # The screen's handler (confirm, http/https only) takes Markdown's message. (Not
        # imported before: Textual's Markdown module loads markdown-it, not needed at start.)
        from textual.widgets import Markdown

        self.post_message(Markdown.LinkClicked(cast(Markdown, self), href))
