"""A markdown text that grows at its end, split into finished blocks and an open tail.

Only the open tail is parsed again when text arrives. A top-level block is *finished*
once the block after it has started and that block's first two lines are complete: by
then nothing that can still arrive turns those lines back into part of the block before
(a table needs its delimiter row, a setext heading its underline, and no line is judged
before its newline). Finished blocks are never parsed again, so the cost of an update
does not grow with what is already shown.

A top-level fenced code block that is still open is not parsed at all: its lines are
taken as they complete, and the fence ends at its closing line (the rule markdown-it
uses). A reply that is one long fence therefore costs the same per line at any length.

Whatever the pieces, the blocks at the end are those of parsing the whole text at once
(``tests/tui/test_stream_document.py`` checks it on text cut at every position), with one
exception the caller handles: a link reference definition (``[x]: /url``) changes the
rendering of links *before* it, so :attr:`StreamDocument.references` says when the text
should be parsed again in one go.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token
_OPENING = re.compile(r"( {0,3})(`{3,}|~{3,})(.*)")
PIECE_MIN = 32  # lines of a fence piece before it may be cut
PIECE_MAX = 96


@dataclass(eq=False)
class FenceCode:
    """The code of a top-level fenced block, line by line (the fence's indentation
    removed from each). ``partial`` is the unfinished last line while it streams."""

    info: str
    lines: list[str] = field(default_factory=list)
    partial: str = ""
    closed: bool = False  # its text is complete (with or without a closing line)


@dataclass(frozen=True, eq=False)
class Block:
    """One top-level block: its markdown-it tokens; or a piece of a top-level fence.

    A fence comes in pieces of at most ``PIECE_MAX`` lines, cut where a line starts at
    the left margin after at least ``PIECE_MIN`` lines (where a highlighter's state is
    most likely back at the top level), so a long fence is highlighted a piece at a time
    and only its last piece again while it grows. The cuts depend only on the lines
    before them, so a fence streamed line by line is cut where the same fence read at
    once is.
    """

    tokens: tuple[Token, ...] = ()
    code: FenceCode | None = None
    start: int = 0  # the piece's first line in ``code.lines``
    end: int | None = None  # one past its last; None: the open piece (``partial`` too)

    @property
    def first(self) -> bool:
        """The fence's first piece (with its top edge); later ones follow without a gap."""
        return self.start == 0

    @property
    def last(self) -> bool:
        """The fence's last piece so far (with its bottom edge)."""
        code = self.code
        if code is None:
            return False
        return self.end is None or (code.closed and self.end >= len(code.lines))

    def code_lines(self) -> list[str]:
        code = self.code
        if code is None:
            return []
        if self.end is not None:
            return code.lines[self.start : self.end]
        lines = code.lines[self.start :]
        return [*lines, code.partial] if code.partial else lines


@dataclass(eq=False)
class _Fence:
    """An open top-level fence: what closes it, how its lines are indented, its pieces."""

    indent: int
    marker: str
    length: int
    code: FenceCode
    cut: int = 0  # where its open piece starts
    scanned: int = 1  # lines looked at for a cut

    @classmethod
    def opening(cls, line: str) -> _Fence | None:
        match = _OPENING.fullmatch(line)
        if match is None:
            return None
        indent, marker, info = match.groups()
        if marker[0] == "`" and "`" in info:
            return None
        return cls(len(indent), marker[0], len(marker), FenceCode(info.strip()))

    def closes(self, line: str) -> bool:
        stripped = line.lstrip(" ")
        if len(line) - len(stripped) > 3 or not stripped.startswith(self.marker * self.length):
            return False
        return not stripped.rstrip(" ").strip(self.marker)

    def add(self, line: str) -> None:
        # markdown-it removes up to the opening fence's indentation from each line.
        spaces = len(line) - len(line.lstrip(" "))
        self.code.lines.append(line[min(spaces, self.indent) :])

    def pieces(self) -> list[Block]:
        """The pieces its new lines finished (see :class:`Block`)."""
        lines = self.code.lines
        out: list[Block] = []
        for index in range(max(self.scanned, self.cut + 1), len(lines)):
            size = index - self.cut
            line = lines[index]
            if size >= PIECE_MAX or (size >= PIECE_MIN and line[:1] not in ("", " ", "\t")):
                out.append(Block(code=self.code, start=self.cut, end=index))
                self.cut = index
        self.scanned = len(lines)
        return out

    def open_piece(self) -> Block:
        return Block(code=self.code, start=self.cut)

    def close(self) -> list[Block]:
        """The text is complete: its remaining pieces, the last one included."""
        self.code.partial = ""
        out = self.pieces()
        self.code.closed = True
        out.append(Block(code=self.code, start=self.cut, end=len(self.code.lines)))
        return out


@cache
def parser() -> MarkdownIt:
    """What Textual's Markdown widget parses with (made on first use: not at start-up)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("gfm-like")


def _groups(tokens: list[Token]) -> list[list[Token]]:
    """The tokens of each top-level block, in order."""
    groups: list[list[Token]] = []
    depth = 0
    for token in tokens:
        if depth == 0:
            groups.append([token])
        else:
            groups[-1].append(token)
        depth += token.nesting
    return groups


def _span(group: list[Token]) -> tuple[int, int]:
    mapped = group[0].map
    return (mapped[0], mapped[1]) if mapped else (0, 0)


class StreamDocument:
    """Markdown fed in pieces; :meth:`update` moves what is certain into ``finished``."""

    def __init__(self) -> None:
        self.finished: list[Block] = []
        self.open: list[Block] = []
        self.references = False  # the text defines link references (see module docstring)
        self._pending: list[str] = []
        self._tail = ""  # text after the finished blocks (for an open fence: its last line)
        self._fence: _Fence | None = None
        self._env: dict[str, Any] = {}

    def feed(self, text: str) -> None:
        """Add text at the end; nothing is parsed until :meth:`update`."""
        if text:
            self._pending.append(text)

    def update(self, final: bool = False) -> int:
        """Parse what arrived; with ``final`` the text is complete and every block is
        finished. Returns how many blocks were added to ``finished``."""
        before = len(self.finished)
        text = self._tail + "".join(self._pending)
        self._pending.clear()
        if self._fence is not None:
            rest = self._grow_fence(self._fence, text, final)
            if rest is None:
                return len(self.finished) - before
            text = rest
        self._parse(text, final)
        return len(self.finished) - before

    # --- an open fence ------------------------------------------------------------------

    def _grow_fence(self, fence: _Fence, text: str, final: bool) -> str | None:
        """Take the fence's new lines; the text after its closing line, or None while it
        is still open."""
        start = 0
        while True:
            newline = text.find("\n", start)
            if newline < 0:
                break
            line = text[start:newline]
            start = newline + 1
            if fence.closes(line):
                return self._close_fence(fence, text[start:])
            fence.add(line)
        last = text[start:]
        if not final:
            fence.code.partial = last
            self.finished.extend(fence.pieces())
            self._tail = last
            self.open = [fence.open_piece()]
            return None
        if last.strip() and not fence.closes(last):  # markdown-it drops a blank last line
            fence.add(last)
        return self._close_fence(fence, "")

    def _close_fence(self, fence: _Fence, rest: str) -> str:
        self.finished.extend(fence.close())
        self._fence = None
        self.open = []
        return rest

    # --- everything else ----------------------------------------------------------------

    def _parse(self, text: str, final: bool) -> None:
        env = self._env
        groups = _groups(parser().parse(text, env))
        if env.get("references"):
            self.references = True
        lines = text.split("\n")
        complete = len(lines) - 1  # lines with their newline
        if final:
            done = len(groups)
        else:
            done = 0
            while done + 1 < len(groups) and _span(groups[done + 1])[0] + 2 <= complete:
                done += 1
        for group in groups[:done]:
            self.finished.extend(self._blocks(group, lines))
        rest = groups[done:]
        self.open = []
        if not rest:  # nothing, or blank lines that may still start a block
            self._tail = "" if final else text
            return
        self._tail = "\n".join(lines[_span(rest[0])[0] :])
        if len(rest) == 1 and (fence := self._open_fence(rest[0], lines, complete)):
            self._fence = fence
            self._tail = fence.code.partial
            self.finished.extend(fence.pieces())
            self.open = [fence.open_piece()]
            return
        for group in rest:
            self.open.extend(self._blocks(group, lines))

    def _open_fence(self, group: list[Token], lines: list[str], complete: int) -> _Fence | None:
        """An unclosed top-level fence, the only open block, with its complete lines."""
        start, end = _span(group)
        if group[0].type != "fence" or start >= complete:
            return None
        fence = _Fence.opening(lines[start])
        if fence is None:
            return None
        if start + 1 < end <= complete and fence.closes(lines[end - 1]):
            return None  # closed: a finished block once the next one starts
        for line in lines[start + 1 : complete]:
            fence.add(line)
        fence.code.partial = lines[complete]
        return fence

    def _blocks(self, group: list[Token], lines: list[str]) -> list[Block]:
        """A complete top-level block (a fence: in pieces)."""
        start, end = _span(group)
        fence = _Fence.opening(lines[start]) if group[0].type == "fence" else None
        if fence is None:
            return [Block(tokens=tuple(group))]
        body = lines[start + 1 : end]
        if body and fence.closes(body[-1]) and start + 1 < end:
            body = body[:-1]
        for line in body:
            fence.add(line)
        return fence.close()
