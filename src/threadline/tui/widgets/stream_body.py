"""The body of an assistant message that grows while it streams.

This is the seam for a faster renderer: a message view only needs
:class:`StreamingBody` (``write`` fragments, then ``finish`` with the final text), so a
different widget can replace :class:`MarkdownStreamBody` without touching the views.
(Not ``append``: that is ``Markdown``'s own method, which ``MarkdownStream`` calls.)

Text reaching a body is already clean (the message view runs a ``StreamSanitizer``).
"""

from __future__ import annotations

from typing import Protocol

from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownStream


class StreamingBody(Protocol):
    async def write(self, fragment: str) -> None:
        """Add clean text at the end; cost must not grow with what is already shown."""

    async def finish(self, final_text: str) -> None:
        """Show ``final_text`` as the whole body, rendered in full once."""


class MarkdownStreamBody(Markdown):
    """Textual's ``MarkdownStream`` into a ``Markdown`` widget, with one full render at the end.

    The stream is created on the first fragment (stopping a stream whose task never ran
    raises into the caller in Textual 8.2.8), and ``finish`` re-renders the whole text once
    (a fence streamed through ``MarkdownStream`` can lose its body on a later recompose).
    """

    DEFAULT_CSS = """
    MarkdownStreamBody {
        padding: 0;
        layout: stream;
        & > MarkdownBlock:last-child { margin-bottom: 0; }
    }
    """

    def __init__(self, markdown: str = "", *, id: str | None = None) -> None:
        # Links go through the app (confirm, http/https only), never straight to a browser.
        super().__init__(markdown, id=id, open_links=False)
        self._stream: MarkdownStream | None = None

    async def write(self, fragment: str) -> None:
        if not fragment:
            return
        if self._stream is None:
            self._stream = Markdown.get_stream(self)
        await self._stream.write(fragment)

    async def finish(self, final_text: str) -> None:
        if self._stream is not None:
            stream, self._stream = self._stream, None
            await stream.stop()
        await self.update(final_text)
