"""Markdown for streamed messages: parsed a block at a time, drawn as lines.

- :mod:`.document`: a growing text split into finished blocks and an open tail;
- :mod:`.blocks`, :mod:`.code`, :mod:`.table`: one block -> the lines it draws at a width;
- :mod:`.limits`: how much of a huge message is drawn.

The widget that puts them on screen is
:class:`threadline.tui.widgets.stream_body.MarkdownBody`.
"""

from .blocks import block_lines, document_lines
from .document import Block, StreamDocument
from .limits import DisplayLimiter, limited

__all__ = [
    "Block",
    "DisplayLimiter",
    "StreamDocument",
    "block_lines",
    "document_lines",
    "limited",
]
