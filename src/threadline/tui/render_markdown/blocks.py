"""One top-level markdown block -> the lines it draws at a width. Pure: no widgets.

Lines are :class:`~textual.content.Content` whose styles are component classes of the
body widget (``.md--strong`` ...; see ``stream_body.py``'s CSS) or theme variables, so
the colours come from the theme when a line is drawn, not when it is rendered here.

The look follows Textual's ``Markdown`` widget: headings in the theme's markdown heading
colours, bullets ``• ▪ ‣``, quotes with a bar, code on its own background, tables with
rules between columns. Lists are drawn tight (no blank line between items) whether the
source is tight or loose, as Textual does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.content import Content, Span
from textual.style import Style

from .code import code_lines, edge_line, expand_tabs, highlight_lines
from .document import Block
from .table import table_lines

if TYPE_CHECKING:
    from markdown_it.token import Token

EMPTY = Content("")
BULLETS = ("• ", "▪ ", "‣ ", "⭑ ", "◦ ")
QUOTE_BAR = "▌ "
_SPACES = re.compile(r"\s+")


@dataclass(eq=False)
class Node:
    """A block of the markdown-it token stream, with its children."""

    token: Token
    children: list[Node] = field(default_factory=list)
    inline: Token | None = None

    @property
    def kind(self) -> str:
        kind = self.token.type
        return kind[:-5] if kind.endswith("_open") else kind


def tree(tokens: tuple[Token, ...] | list[Token]) -> list[Node]:
    top: list[Node] = []
    stack: list[Node] = []
    for token in tokens:
        siblings = stack[-1].children if stack else top
        if token.nesting == 1:
            node = Node(token)
            siblings.append(node)
            stack.append(node)
        elif token.nesting == -1:
            if stack:
                stack.pop()
        elif token.type == "inline":
            if stack:
                stack[-1].inline = token
        else:
            siblings.append(Node(token))
    return top


# --- inline ---------------------------------------------------------------------------


def inline_content(token: Token | None) -> Content:
    """An inline token (a paragraph's text) as styled content."""
    if token is None or not token.children:
        return EMPTY
    parts: list[str] = []
    spans: list[Span] = []
    opened: list[tuple[list[str | Style], int]] = []
    position = 0

    def add(text: str) -> None:
        nonlocal position
        parts.append(text)
        position += len(text)

    def close() -> None:
        if opened:
            styles, start = opened.pop()
            spans.extend(Span(start, position, style) for style in styles)

    for child in token.children:
        kind = child.type
        if kind in ("text", "text_special"):
            add(_SPACES.sub(" ", child.content))
        elif kind == "softbreak":
            add(" ")
        elif kind == "hardbreak":
            add("\n")
        elif kind == "code_inline":
            spans.append(Span(position, position + len(child.content), ".md--code-inline"))
            add(child.content)
        elif kind == "em_open":
            opened.append(([".md--em"], position))
        elif kind == "strong_open":
            opened.append(([".md--strong"], position))
        elif kind == "s_open":
            opened.append(([".md--s"], position))
        elif kind == "link_open":
            opened.append(([".md--link", _click(str(child.attrs.get("href", "")))], position))
        elif kind == "image":
            start = position
            alt = "".join(grandchild.content for grandchild in child.children or ())
            add(f"🖼  {alt}" if alt else "🖼 ")
            spans.append(Span(start, position, ".md--link"))
            spans.append(Span(start, position, _click(str(child.attrs.get("src", "")))))
        elif kind == "html_inline":
            add(_SPACES.sub(" ", child.content))  # shown as it was written, never run
        elif kind.endswith("_close"):
            close()
    while opened:
        close()
    return Content("".join(parts), spans)


def _click(href: str) -> Style:
    # The body's action_link gets the address; the app decides whether to open it.
    return Style.from_meta({"@click": f"link({href!r})"})


def wrap(content: Content, width: int) -> list[Content]:
    if not content:
        return [EMPTY]
    return content.wrap(max(1, width))


# --- blocks ---------------------------------------------------------------------------


def gap_before(block: Block, index: int) -> bool:
    """A blank line before every block but the first and a fence's later pieces."""
    return index > 0 and not (block.code is not None and not block.first)


def document_lines(blocks: list[Block], width: int, start: int = 0) -> list[Content]:
    """The lines of ``blocks``, the first being block number ``start`` of its document."""
    out: list[Content] = []
    for index, block in enumerate(blocks, start):
        if gap_before(block, index):
            out.append(EMPTY)
        out.extend(block_lines(block, width))
    return out


def block_lines(block: Block, width: int) -> list[Content]:
    """The lines a top-level block draws, without the gap before it."""
    if block.code is not None:
        lines = [expand_tabs(line) for line in block.code_lines()]
        out = [edge_line(width)] if block.first else []
        out += code_lines(highlight_lines(lines, block.code.info), width)
        if block.last:
            out.append(edge_line(width))
        return out
    return nodes_lines(tree(block.tokens), width, gap=True)


def nodes_lines(nodes: list[Node], width: int, *, gap: bool, depth: int = 0) -> list[Content]:
    out: list[Content] = []
    for index, node in enumerate(nodes):
        if gap and index:
            out.append(EMPTY)
        out.extend(node_lines(node, width, depth))
    return out


def node_lines(node: Node, width: int, depth: int = 0) -> list[Content]:
    kind = node.kind
    if kind == "paragraph":
        return wrap(inline_content(node.inline), width)
    if kind == "heading":
        return _heading(node, width)
    if kind in ("bullet_list", "ordered_list"):
        return _list(node, width, depth)
    if kind == "blockquote":
        return _quote(node, width, depth)
    if kind in ("fence", "code_block"):
        code = [expand_tabs(line) for line in node.token.content.rstrip("\n").split("\n")]
        info = node.token.info if kind == "fence" else ""
        return [
            edge_line(width),
            *code_lines(highlight_lines(code, info), width),
            edge_line(width),
        ]
    if kind == "table":
        return table_lines(node, width, inline_content)
    if kind == "hr":
        return [Content.styled("─" * width, ".md--hr")]
    if kind == "html_block":
        text = node.token.content.rstrip("\n")
        return [
            part
            for line in text.split("\n")
            for part in wrap(Content.styled(expand_tabs(line), ".md--html"), width)
        ]
    return nodes_lines(node.children, width, gap=True, depth=depth)


def _heading(node: Node, width: int) -> list[Content]:
    level = node.token.tag[1:] if node.token.tag[:1] == "h" else "1"
    style = f".md--h{level}"
    lines = wrap(inline_content(node.inline), width)
    if level == "1":  # centred on a band across the width, as Textual draws it
        return [_centred(line, width).stylize_before(style) for line in lines]
    return [line.stylize_before(style) for line in lines]


def _centred(line: Content, width: int) -> Content:
    extra = max(0, width - line.cell_length)
    return Content(" " * (extra // 2)) + line + " " * (extra - extra // 2)


def _list(node: Node, width: int, depth: int) -> list[Content]:
    ordered = node.kind == "ordered_list"
    items = [child for child in node.children if child.kind == "list_item"]
    if ordered:
        try:
            start = int(items[0].token.info) if items and items[0].token.info else 1
        except ValueError:
            start = 1
        numbers = [f"{number}. " for number in range(start, start + len(items))]
        size = max((len(n) for n in numbers), default=3)
        markers = [n.rjust(size) for n in numbers]
    else:
        bullet = BULLETS[depth % len(BULLETS)]
        markers = [bullet] * len(items)
    out: list[Content] = []
    for item, marker in zip(items, markers, strict=True):
        indent = len(marker)
        inner = nodes_lines(item.children, width - indent, gap=False, depth=depth + 1)
        first = Content.styled(marker, ".md--bullet")
        pad = Content(" " * indent)
        for index, line in enumerate(inner or [EMPTY]):
            out.append((first if index == 0 else pad) + line)
    return out


def _quote(node: Node, width: int, depth: int) -> list[Content]:
    room = max(1, width - len(QUOTE_BAR))
    inner = nodes_lines(node.children, room, gap=True, depth=depth)
    bar = Content.styled(QUOTE_BAR, ".md--quote-bar")
    return [
        (bar + line + " " * max(0, room - line.cell_length)).stylize_before(".md--quote")
        for line in inner or [EMPTY]
    ]
