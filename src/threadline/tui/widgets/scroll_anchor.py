"""A vertical scroll view whose text does not jump when content changes above the screen.

Views mounted or removed above the screen, or growing as they render, would move what the
user is reading. Like a browser's scroll anchoring, :class:`AnchoredScroll` keeps the first
view on screen where it was; and a view can be *pinned* to the top of the screen (a search
result, an inspector link, the selected message), where it stays until something scrolls.
Both are done in ``arrange``, before the frame is drawn, so no frame shows the jump. At the
bottom, Textual's own anchor (``anchor()``) follows new text instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.containers import VerticalScroll
from textual.geometry import Region, Size
from textual.scrollbar import ScrollBar
from textual.widget import Widget

if TYPE_CHECKING:
    from textual.layout import DockArrangeResult


class AnchoredScroll(VerticalScroll):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._positions: dict[Widget, Region] = {}  # children's places at the last arrange
        self._arranged: object = None
        self._pin: Widget | None = None

    def pin(self, widget: Widget) -> None:
        """Show ``widget`` at the top of the screen (as far as the content allows) and
        keep it there while content changes, until the user scrolls."""
        self.anchor(False)
        self._pin = widget
        self.refresh(layout=True)

    def follow(self) -> None:
        """Go to the bottom and stay there as content is added (Textual's anchor)."""
        self._pin = None
        self.anchor()

    def follow_from_bottom(self) -> None:
        """Follow new text again once the user is at the bottom (Textual re-anchors a
        released anchor there), without moving now."""
        if not self.is_anchored:
            self._anchored = True
            self._anchor_released = True
            self._check_anchor()

    def arrange(self, size: Size, optimal: bool = False) -> DockArrangeResult:
        result = super().arrange(size, optimal)
        if optimal:
            return result
        old = self._positions
        if result is not self._arranged:  # else Textual's cached arrangement: nothing moved
            self._arranged = result
            self._positions = {p.widget: p.region for p in result.placements}
        new = self._positions
        if self.is_anchored and not self._anchor_released:
            return result
        target = self._kept_offset(old, new)
        if target is not None:
            highest = max(0, result.total_region.bottom - size.height)
            scroll_y = float(max(0, min(target, highest)))
            if scroll_y != self.scroll_y:
                self.set_reactive(VerticalScroll.scroll_y, scroll_y)
                self.set_reactive(VerticalScroll.scroll_target_y, scroll_y)
                self.vertical_scrollbar.set_reactive(ScrollBar.position, scroll_y)
        return result

    def _kept_offset(self, old: dict[Widget, Region], new: dict[Widget, Region]) -> int | None:
        """The scroll offset that keeps the pinned widget at the top, else the first
        widget on screen where it was; None to leave the offset alone."""
        if self._pin is not None:
            region = new.get(self._pin)
            if region is not None:
                return region.y
            self._pin = None  # removed
        top = round(self.scroll_y)
        for widget, region in old.items():
            if region.bottom > top and widget in new:
                return top + new[widget].y - region.y
        return None

    def _scroll_to(self, *args: Any, **kwargs: Any) -> bool:
        # Every scroll but the anchoring's own (the user's, a key's, ``scroll_home``...)
        # goes through here, and lets go of the pin.
        self._pin = None
        return bool(super()._scroll_to(*args, **kwargs))
