"""Textual's ``layout: stream`` without its stale heights (the "blank reply" bug).

The stream layout (Textual 8.2.8) keeps the placements of the last arrangement and reuses
those of the children before the first one the screen says asked for a layout. The screen
only records a child whose *own* layout changed, never one that grew because something
inside it did: when a reply's body gains lines (the view's height changes through its
body) in the same frame as a sibling below it changes (the run notice, a tool card), the
reply keeps its old placement: a height of one row, its text clipped away.

:class:`CheckedStreamLayout` reuses a cached placement only while the child's layout
counter (which Textual bumps on every ancestor of a widget that asks for a layout) is
what it was when the placement was made, so a child that grew is measured again. It costs
one integer comparison per child; if a Textual upgrade drops the counter, every child is
measured, which is correct and only slower.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.layouts.stream import StreamLayout

if TYPE_CHECKING:
    from textual.geometry import Size
    from textual.layout import ArrangeResult
    from textual.widget import Widget


def _version(widget: Widget) -> int | None:
    return getattr(widget, "_layout_updates", None)


class CheckedStreamLayout(StreamLayout):
    name = "stream"

    def __init__(self) -> None:
        super().__init__()
        self._versions: list[int | None] = []

    def arrange(
        self, parent: Widget, children: list[Widget], size: Size, greedy: bool = True
    ) -> ArrangeResult:
        cached = self._cached_placements
        if cached:
            keep = 0
            for placement, version in zip(cached, self._versions, strict=False):
                now = _version(placement.widget)
                if now is None or now != version:
                    break
                keep += 1
            self._cached_placements = cached[:keep] or None
        placements = super().arrange(parent, children, size, greedy)
        self._versions = [_version(placement.widget) for placement in placements]
        return placements


def checked_stream_layout(widget: Widget) -> CheckedStreamLayout:
    """The widget's own :class:`CheckedStreamLayout` (for a ``layout`` property)."""
    layout = widget.__dict__.get("_checked_stream_layout")
    if layout is None:
        layout = widget.__dict__["_checked_stream_layout"] = CheckedStreamLayout()
    return layout
