"""The Events list: one row per raw event (or per run of folded deltas), drawn line by line.

It never rebuilds its rows per event. :meth:`EventLog.sync` notes that the record list grew
and asks for one flush after the next refresh; the flush files only the new records into
rows (filter and fold applied as they come in), grows the virtual height once, and the
screen then draws only the rows in view. A burst of a thousand deltas costs a thousand
list appends and one redraw of what is visible.

Folding joins consecutive deltas of the same object (one message's text, one step's
arguments) into one row, ``thread.message.delta ×312 "Hello wor…"``; the filter keeps
events whose type contains any of its words.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from threadline.core.sanitize import clean_line

from .format import offset
from .records import EventRecord


@dataclass(slots=True)
class Row:
    """One line of the list: records ``first`` to ``last`` (more than one when folded)."""

    first: int
    last: int

    @property
    def count(self) -> int:
        return self.last - self.first + 1


class EventLog(ScrollView, can_focus=True):
    DEFAULT_CSS = """
    EventLog {
        height: 1fr;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
        & > .event-log--cursor { background: $block-cursor-blurred-background; }
        &:focus > .event-log--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
        }
        & > .event-log--dim { color: $text-muted; }
        & > .event-log--delta { color: $text-secondary; }
        & > .event-log--error { color: $text-error; }
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "event-log--cursor",
        "event-log--dim",
        "event-log--delta",
        "event-log--error",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "Previous event", show=False),
        Binding("down,j", "move(1)", "Next event", show=False),
        Binding("pageup", "move(-10)", "Page up", show=False),
        Binding("pagedown", "move(10)", "Page down", show=False),
        Binding("home", "first", "First event", show=False),
        Binding("end", "last", "Last event", show=False),
    ]

    class Selected(Message):
        """The cursor moved to a row: its records (several when folded)."""

        def __init__(self, log: EventLog, records: list[EventRecord]) -> None:
            super().__init__()
            self.log = log
            self.records = records

        @property
        def control(self) -> EventLog:
            return self.log

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.records: list[EventRecord] = []
        self.rows: list[Row] = []
        self.cursor: int | None = None  # None: follow the end, nothing selected
        self.fold = True
        self.terms: tuple[str, ...] = ()
        self._seen = 0  # records already filed into rows
        self._flush_pending = False
        self.flushes = 0  # how many times new records were filed (for the benchmark)
        self._styles: dict[str, Style] | None = None

    # --- feeding ----------------------------------------------------------------------

    def show(self, records: list[EventRecord], *, at_end: bool = False) -> None:
        """Show another list of records (another run); the list may grow afterwards.

        ``at_end``: start at the newest event and keep following (a run still streaming).
        """
        self.records = records
        self.cursor = None
        self._rebuild()
        if at_end:
            self.call_after_refresh(self.scroll_end, animate=False, immediate=True, x_axis=False)

    def sync(self) -> None:
        """The record list grew: file the new records after the next refresh (hidden: once
        shown)."""
        if not self._flush_pending and len(self.records) > self._seen and self.is_displayed():
            self._flush_pending = True
            self.call_after_refresh(self._flush)

    def set_filter(self, text: str) -> None:
        terms = tuple(t for t in text.lower().replace(",", " ").split() if t)
        if terms != self.terms:
            self.terms = terms
            self._rebuild()

    def set_fold(self, fold: bool) -> None:
        if fold != self.fold:
            self.fold = fold
            self._rebuild()

    def _rebuild(self) -> None:
        """Refile every record: only when the filter, the fold or the run changes."""
        keep = self.selected_records()
        self.rows, self._seen = [], 0
        self._file_new()
        self.cursor = None
        if keep:
            target = next((i for i, r in enumerate(self.records) if r is keep[0]), -1)
            self.cursor = next(
                (i for i, row in enumerate(self.rows) if row.first <= target <= row.last), None
            )
        self._resize()
        self.refresh()
        if self.cursor is None:
            self.scroll_to(y=0, animate=False, immediate=True)
        else:
            self._scroll_to_cursor()

    def on_show(self) -> None:
        self._flush()  # records that came while the tab was hidden

    def _flush(self) -> None:
        self._flush_pending = False
        if len(self.records) <= self._seen or not self.is_displayed():
            return
        follow = self.cursor is None and (self.is_vertical_scroll_end or not self.rows)
        first_changed = max(0, len(self.rows) - 1)
        self._file_new()
        self.flushes += 1
        self._resize()
        self.refresh_lines(first_changed, len(self.rows) - first_changed)
        if follow:
            self.scroll_end(animate=False, immediate=True, x_axis=False)

    def is_displayed(self) -> bool:
        """Whether this list and every container around it are displayed. While the tab is
        hidden, records wait for ``on_show``: asking a hidden widget for its size makes
        Textual lay out every widget on the screen, hidden ones included (about a third of
        the CPU spent streaming at 100 tokens/s)."""
        return all(node.display for node in self.ancestors_with_self)

    def _file_new(self) -> None:
        records, rows, terms, fold = self.records, self.rows, self.terms, self.fold
        for index in range(self._seen, len(records)):
            record = records[index]
            if terms and not any(term in record.name.lower() for term in terms):
                continue
            # Records between the last row and this one were all filtered out, so a
            # delta of the same object as the last row's extends it.
            if fold and record.is_delta and rows:
                last = rows[-1]
                previous = records[last.last]
                if previous.is_delta and previous.object_id == record.object_id:
                    last.last = index
                    continue
            rows.append(Row(index, index))
        self._seen = len(records)

    def _resize(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.rows))

    # --- the cursor -------------------------------------------------------------------

    def selected_records(self) -> list[EventRecord]:
        if self.cursor is None or self.cursor >= len(self.rows):
            return []
        row = self.rows[self.cursor]
        return self.records[row.first : row.last + 1]

    def select(self, row: int | None) -> None:
        if not self.rows:
            return
        old = self.cursor
        self.cursor = None if row is None else max(0, min(row, len(self.rows) - 1))
        for line in (old, self.cursor):
            if line is not None:
                self.refresh_line(line)
        if self.cursor is not None:
            self._scroll_to_cursor()
        self.post_message(self.Selected(self, self.selected_records()))

    def _scroll_to_cursor(self) -> None:
        if self.cursor is None:
            return
        top = self.scroll_offset.y
        height = self.scrollable_content_region.height
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def action_move(self, delta: int) -> None:
        start = len(self.rows) if self.cursor is None and delta < 0 else (self.cursor or 0)
        self.select(start + delta if self.cursor is not None or delta < 0 else 0)

    def action_first(self) -> None:
        self.select(0)

    def action_last(self) -> None:
        self.select(len(self.rows) - 1)

    def on_click(self, event: events.Click) -> None:
        row = self.scroll_offset.y + event.y
        if 0 <= row < len(self.rows):
            self.select(row)

    # --- drawing ----------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None

    def _style(self, name: str) -> Style:
        """The base style and the component styles, worked out once per style change
        (``rich_style`` walks every ancestor: too slow to ask per line)."""
        if self._styles is None:
            base = self.rich_style
            self._styles = {"base": base}
            for component in self.COMPONENT_CLASSES:
                partial = component != "event-log--cursor"
                self._styles[component] = self.get_component_rich_style(component, partial=partial)
            self._styles["cursor"] = base + self._styles["event-log--cursor"]
        return self._styles[name]

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = self.scroll_offset.y + y
        base = self._style("base")
        if index >= len(self.rows):
            return Strip.blank(width, base)
        row = self.rows[index]
        record = self.records[row.first]
        style = self._style("cursor") if index == self.cursor else base
        dim = style + self._style("event-log--dim")
        digits = len(str(len(self.records)))
        segments = [Segment(f"{row.first + 1:>{digits}} ", dim)]
        if self.records[0].at is not None:  # a capture without times has no column for them
            segments.append(Segment(f"{offset(record.at):>8} ", dim))
        segments += self._describe(row, record, style, plain=index == self.cursor)
        strip = Strip(segments).crop_extend(0, width, style)
        return strip.apply_offsets(0, index)

    def _describe(
        self, row: Row, record: EventRecord, style: Style, *, plain: bool = False
    ) -> list[Segment]:
        """The row's type, count and text; ``plain``: in the cursor's colours only."""
        # Every Assistants event starts with "thread."; the rest is what tells them apart.
        name = clean_line(record.name.removeprefix("thread."))
        if not record.is_delta:
            failed = not plain and ("error" in name or name.endswith("failed"))
            return [Segment(name, style + self._style("event-log--error") if failed else style)]
        delta = style if plain else style + self._style("event-log--delta")
        segments = [Segment(name, delta)]
        if row.count > 1:
            segments.append(Segment(f" ×{row.count}", style))
        text = _preview(self.records, row)
        if text:
            segments.append(Segment(f" {text}", style))
        return segments


def _preview(records: list[EventRecord], row: Row, limit: int = 60) -> str:
    """The text a row's deltas add, cut at ``limit`` characters, one clean line."""
    parts: list[str] = []
    size = 0
    for index in range(row.first, row.last + 1):
        part = records[index].preview()
        parts.append(part)
        size += len(part)
        if size >= limit:
            break
    text = "".join(parts)
    return clean_line(json.dumps(text, ensure_ascii=False)[: limit + 1]) if text else ""
