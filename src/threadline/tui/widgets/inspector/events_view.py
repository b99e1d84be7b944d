"""The Events tab: the filter, the event list, and the selected event's pretty JSON."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Input, Static

from .event_log import EventLog
from .format import MAX_CHARS, clock_time, json_content, offset, short_line
from .records import EventRecord


def detail_content(
    records: list[EventRecord], redact: Callable[[str], str] | None = None
) -> Content:
    """What the detail pane shows for a row: when it came, then the event's JSON."""
    if not records:
        return Content.styled("Select an event to see its JSON.", "dim")
    first, last = records[0], records[-1]
    name = short_line(first.name)
    if len(records) > 1:
        text = "".join(r.preview() for r in records)
        head = Content.assemble(
            (f"{name} ×{len(records)}", "bold"),
            (f"  {offset(first.at)} → {offset(last.at)}", "dim"),
        )
        return Content("\n").join(
            [
                head,
                Content.styled("text of these deltas:", "dim"),
                json_content(text, redact, MAX_CHARS // 2),
                Content.styled("first event:", "dim"),
                json_content(first.data_json(), redact),
            ]
        )
    when = clock_time(first.wall) if first.wall else ""
    head = Content.assemble(
        (name, "bold"), (f"  {offset(first.at)}", "dim"), (f"  {when}" if when else "", "dim")
    )
    return Content("\n").join([head, json_content(first.data_json(), redact)])


class EventsView(Vertical):
    DEFAULT_CSS = """
    EventsView {
        height: 1fr;
        & > .bar { height: 1; }
        & > .bar > Input { width: 1fr; height: 1; border: none; padding: 0 1; }
        & > .bar > .fold { width: auto; padding: 0 1; color: $text-muted; }
        & > EventLog { height: 1fr; min-height: 4; }
        & > .detail {
            height: 1fr;
            border-top: solid $panel-lighten-1;
            scrollbar-size-vertical: 1;
        }
        & > .detail > Static { height: auto; }
        & > .note { height: auto; color: $text-muted; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.filter_input = Input(placeholder="filter by type (/)", id="event-filter", compact=True)
        self.event_log = EventLog(id="event-log")
        self._fold = Static(Content("fold: on"), classes="fold")
        self._note = Static(Content(""), classes="note")
        self._detail = Static(detail_content([]))
        self.redact: Callable[[str], str] | None = None  # the session's, set by the pane

    def compose(self) -> ComposeResult:
        with Horizontal(classes="bar"):
            yield self.filter_input
            yield self._fold
        yield self._note
        yield self.event_log
        with VerticalScroll(classes="detail"):
            yield self._detail

    def on_mount(self) -> None:
        self._note.display = False

    def show(
        self, records: list[EventRecord] | None, note: str = "", *, live: bool = False
    ) -> None:
        """Show a run's records (they may keep growing: call :meth:`sync`); ``live``: the
        run is streaming, so follow its newest events."""
        self.event_log.show(records if records is not None else [], at_end=live)
        self._note.update(Content.styled(note, "dim"))
        self._note.display = bool(note)
        self._detail.update(detail_content([]))

    def sync(self) -> None:
        self.event_log.sync()

    def toggle_fold(self) -> bool:
        self.event_log.set_fold(not self.event_log.fold)
        self._fold.update(Content(f"fold: {'on' if self.event_log.fold else 'off'}"))
        return self.event_log.fold

    @on(Input.Changed, "#event-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.event_log.set_filter(event.value)

    @on(Input.Submitted, "#event-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.event_log.focus()

    @on(EventLog.Selected)
    def _selected(self, event: EventLog.Selected) -> None:
        self._detail.update(detail_content(event.records, self.redact))

    def selected(self) -> list[EventRecord]:
        return self.event_log.selected_records()
