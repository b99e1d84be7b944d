"""How much of a message is drawn: a bounded prefix, with over-long lines cut.

A 10 MB reply or a 100,000-character line would take the terminal's time for every frame
it is on screen. What is drawn is bounded instead: lines past ``max_line`` characters are
cut with a visible marker, and drawing stops after ``max_chars`` characters or
``max_lines`` lines. The whole text is still kept by the view (copy and the full-text
screen use it).

The limiter takes text in pieces and gives the same drawn text whatever the pieces were,
so a streamed message ends drawn exactly as the same message opened later.
"""

from __future__ import annotations

MAX_CHARS = 200_000
MAX_LINES = 4_000
MAX_LINE = 2_000


def cut_marker(hidden: int) -> str:
    return f" … ({hidden:,} more characters)"


class DisplayLimiter:
    """Turns text fed in pieces into the text to draw (see the module's docstring)."""

    def __init__(
        self, max_chars: int = MAX_CHARS, max_lines: int = MAX_LINES, max_line: int = MAX_LINE
    ) -> None:
        self.max_chars, self.max_lines, self.max_line = max_chars, max_lines, max_line
        self.total = 0  # characters fed
        self.shown = 0  # of them, characters drawn
        self.full = False  # a bound was reached: nothing more is drawn
        self._drawn = 0  # characters of drawn text given out, markers included
        self._lines = 0  # lines ended
        self._line = 0  # characters of the current line so far
        self._line_cut = 0  # of them, characters not drawn

    @property
    def hidden(self) -> int:
        """Characters fed but not drawn (cut from long lines, or past the bounds)."""
        return self.total - self.shown

    def feed(self, text: str) -> str:
        """The drawn text for ``text``, which follows what was fed before."""
        self.total += len(text)
        if self.full:
            return ""
        if self._line + len(text) <= self.max_line and "\n" not in text:
            self._line += len(text)  # the common case: a word of the current line
            self.shown += len(text)
            self._drawn += len(text)
            return text
        out: list[str] = []
        position = 0
        while position < len(text):
            newline = text.find("\n", position)
            end = len(text) if newline < 0 else newline
            room = max(0, self.max_line - self._line)
            taken = min(room, end - position)
            if taken:
                out.append(text[position : position + taken])
                self.shown += taken
                self._drawn += taken
            self._line_cut += end - position - taken
            self._line += end - position
            if newline < 0:
                break
            out.append(self._end_line())
            self.shown += 1
            position = newline + 1
            if self._lines >= self.max_lines or self._drawn >= self.max_chars:
                self.full = True  # the rest of ``text`` stays counted in total, hidden
                break
        return "".join(out)

    def finish(self) -> str:
        """The marker of a cut last line (one without a newline), if it has one."""
        if self.full or not self._line_cut:
            return ""
        marker = cut_marker(self._line_cut)
        self._line_cut = 0
        return marker

    def _end_line(self) -> str:
        marker = cut_marker(self._line_cut) if self._line_cut else ""
        self._lines += 1
        self._drawn += len(marker) + 1
        self._line = self._line_cut = 0
        return marker + "\n"


def limited(text: str, **bounds: int) -> tuple[str, int]:
    """``text`` as drawn in one go, and how many of its characters are not drawn."""
    limiter = DisplayLimiter(**bounds)
    drawn = limiter.feed(text) + limiter.finish()
    return drawn, limiter.hidden
