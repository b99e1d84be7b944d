"""A markdown table drawn in lines: the header, a rule, the rows; columns between rules.

Columns get their natural width when the table fits; otherwise the widest columns are
narrowed first (water-filling), and cells wrap inside their column.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.content import Content

if TYPE_CHECKING:
    from markdown_it.token import Token

    from .blocks import Node

BORDER = ".md--table-border"
HEADER = ".md--table-header"
_GAP = " │ "
_RULE = "─┼─"


def _cells(node: Node) -> list[list[Node]]:
    """The rows (header row first) of a table node, each a list of cell nodes."""
    rows: list[list[Node]] = []
    for section in node.children:
        for row in section.children:
            rows.append([cell for cell in row.children if cell.kind in ("th", "td")])
    return rows


def _alignment(token: Token) -> str:
    style = str(token.attrs.get("style", ""))
    for align in ("right", "center"):
        if align in style:
            return align
    return "left"


def _widths(natural: list[int], room: int) -> list[int]:
    """Column widths that fit ``room``: natural ones, the widest narrowed first."""
    if sum(natural) <= room:
        return natural
    widths = [0] * len(natural)
    left = room
    order = sorted(range(len(natural)), key=lambda index: natural[index])
    for position, index in enumerate(order):
        share = max(1, left // (len(order) - position))
        widths[index] = min(natural[index], share)
        left -= widths[index]
    return widths


def table_lines(node: Node, width: int, inline: Callable[[Token | None], Content]) -> list[Content]:
    rows = _cells(node)
    if not rows or not rows[0]:
        return [Content("")]
    columns = max(len(row) for row in rows)
    texts = [[inline(cell.inline) for cell in row] for row in rows]
    aligns = [_alignment(cell.token) for cell in rows[0]] + ["left"] * columns
    natural = [1] * columns
    for row in texts:
        for index, text in enumerate(row):
            natural[index] = max(natural[index], text.cell_length)
    room = width - len(_GAP) * (columns - 1)
    if room < columns:  # far too narrow for columns: one cell per line
        return [line for row in texts for text in row for line in text.wrap(max(1, width))]
    widths = _widths(natural, room)
    gap = Content.styled(_GAP, BORDER)
    out: list[Content] = []
    for number, row in enumerate(texts):
        cells = [
            (text.wrap(widths[index]) if text else [Content("")])
            for index, text in enumerate(row + [Content("")] * (columns - len(row)))
        ]
        height = max(len(cell) for cell in cells)
        for y in range(height):
            parts: list[Content] = []
            for index, cell in enumerate(cells):
                line = cell[y] if y < len(cell) else Content("")
                line = _align(line, widths[index], aligns[index])
                parts.append(line.stylize_before(HEADER) if number == 0 else line)
            out.append(gap.join(parts).rstrip())
        if number == 0:
            rule = _RULE.join("─" * w for w in widths)
            out.append(Content.styled(rule, BORDER))
    return out


def _align(line: Content, width: int, align: str) -> Content:
    extra = max(0, width - line.cell_length)
    if align == "right":
        return Content(" " * extra) + line
    if align == "center":
        return Content(" " * (extra // 2)) + line + " " * (extra - extra // 2)
    return line + " " * extra
