"""Code blocks: highlighted line by line, drawn on the code background, wrapped to fit.

Pygments is imported on the first code block, not before (the first frame does not need
it). Highlighting uses Textual's theme of token styles (``$text-accent`` ...), so colours
follow the app's theme.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

from textual.content import Content, Span

CODE = ".md--code"  # the background and default colour of code (a component class)
_EDGE = 1  # columns of code background left and right of the text


@cache
def _lexer(language: str) -> Any:
    """The Pygments lexer for a fence's language, or None to show it plain."""
    if not language:
        return None
    from pygments.lexers import get_lexer_by_name  # type: ignore[import-untyped]
    from pygments.util import ClassNotFound  # type: ignore[import-untyped]

    try:
        return get_lexer_by_name(language, stripnl=False, ensurenl=True)
    except ClassNotFound:
        return None


@cache
def _styles() -> dict[Any, str]:
    from textual.highlight import HighlightTheme

    return dict(HighlightTheme.STYLES)


_warm = threading.Lock()
_warmed = False


def warm() -> bool:
    """Whether :func:`warm_up` has run (or is running)."""
    return _warmed


def warm_up() -> None:
    """Build the markdown parser and the Python lexer in a thread, once. Made on first
    use (not at start-up), they would otherwise stall the app for ~150 ms at the first
    reply (markdown-it's parser ~80 ms, Pygments ~70 ms)."""
    global _warmed
    with _warm:
        if _warmed:
            return
        _warmed = True

    def load() -> None:
        from .document import parser

        parser().parse("*warm* `up`\n\n- a\n\n| a |\n|---|\n")
        highlight_lines(["def f(x):", "    return x"], "python")

    threading.Thread(target=load, name="markdown warm-up", daemon=True).start()


def _style_of(token_type: Any, styles: dict[Any, str]) -> str:
    while token_type is not None:
        style = styles.get(token_type)
        if style is not None:
            return style
        token_type = token_type.parent
    return ""


def highlight_lines(lines: list[str], language: str) -> list[Content]:
    """``lines`` of code (no newlines, tabs expanded) as styled content, one per line."""
    lexer = _lexer(language.split(" ")[0].lower()) if language else None
    if lexer is None or not lines:
        return [Content(line) for line in lines]
    code = "\n".join(lines) + "\n"
    styles = _styles()
    spans: list[Span] = []
    position = 0
    for token_type, value in lexer.get_tokens(code):
        end = position + len(value)
        style = _style_of(token_type, styles)
        if style and value.strip():
            spans.append(Span(position, end, style))
        position = end
    if position != len(code):  # a lexer that changed the text: show it plain
        return [Content(line) for line in lines]
    content = Content(code, spans)
    offsets: list[int] = []
    total = 0
    for line in lines:
        total += len(line)
        offsets.extend((total, total + 1))
        total += 1
    # Pieces alternate line, newline: keep the lines.
    return content.divide(offsets)[:-1:2]


def code_lines(lines: list[Content], width: int) -> list[Content]:
    """Code lines on the code background across ``width``, long lines wrapped."""
    room = max(1, width - 2 * _EDGE)
    out: list[Content] = []
    edge = " " * _EDGE
    for line in lines:
        parts = line.fold(room) if line.cell_length > room else [line]
        for part in parts:
            padded = Content.assemble(edge, part, " " * max(0, width - _EDGE - part.cell_length))
            out.append(padded.stylize_before(CODE))
    return out


def edge_line(width: int) -> Content:
    """A line of code background: the top and bottom edges of a code block."""
    return Content.styled(" " * width, CODE)


def expand_tabs(line: str) -> str:
    return line.expandtabs(4) if "\t" in line else line
