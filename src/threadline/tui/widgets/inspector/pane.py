"""The inspector pane: the thread's runs, and the selected run's Run/Steps/Events/Raw tabs.

The seam with the screens: :meth:`InspectorPane.show_conversation` when the conversation
on screen changes (a live ``Conversation`` or a ``Replay``), :meth:`InspectorPane.apply`
for each of its updates. ``apply`` only notes what changed; one flush after the next
refresh redraws those runs and steps in place and lets the event list take the new
records, so a burst of deltas costs one redraw. Data comes from :class:`~.sources.RunSources`.

Every action has a key (scope ``inspector`` in ``tui/keys.py``) and a palette entry.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import OptionList, Static, TabbedContent, TabPane

from threadline.core.capture import TimedEvent, capture_path, save_capture
from threadline.locations import display_path

from ...errors import ReportsWorkFailures
from ...keys import bindings
from ...messages import RunUpdated
from .clipboard import arguments_to_copy, events_to_copy, object_to_copy
from .events_view import EventsView
from .format import json_content, redacted, to_json
from .run_list import RunList
from .run_view import RunView
from .sources import RunSources
from .steps_view import StepsView
from .tool_calls import step_needs_content

NO_EVENTS = "No events recorded for this run here (it streamed elsewhere, or retention dropped it)."
TABS = {"run": "tab-run", "steps": "tab-steps", "events": "tab-events", "raw": "tab-raw"}


class InspectorPane(ReportsWorkFailures, Vertical):
    ALLOW_MAXIMIZE = True
    BINDINGS = bindings("inspector")
    DEFAULT_CSS = """
    InspectorPane {
        height: 1fr;
        & > .title { height: 1; padding: 0 1; text-style: bold; color: $text-primary; }
        & > TabbedContent { height: 1fr; }
        & TabPane { padding: 0; height: 1fr; }
        & #inspector-raw > Static { height: auto; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.data = RunSources(self._now)
        self.run_id: str | None = None  # the run the tabs show
        self.selection: tuple[str, str] | None = None  # ("run"|"step"|"message", id): Raw
        self._follow = True  # the selection moves to each new run
        self._shown_records: object = None
        self._dirty_runs: set[str] = set()
        self._dirty_steps: set[str] = set()
        self._flush_pending = False
        self.run_list = RunList(id="inspector-runs")
        self.run_view = RunView(id="inspector-run")
        self.steps_view = StepsView(id="inspector-steps")
        self.events_view = EventsView(id="inspector-events")
        self.events_view.redact = self.redact
        self.steps_view.redact = self.redact
        self.raw = Static(Content(""), id="inspector-raw-body")

    def compose(self) -> ComposeResult:
        yield Static("Inspector", classes="title")
        yield self.run_list
        with TabbedContent(id="inspector-tabs"):
            with TabPane("Run", id="tab-run"):
                yield self.run_view
            with TabPane("Steps", id="tab-steps"):
                yield self.steps_view
            with TabPane("Events", id="tab-events"):
                yield self.events_view
            with TabPane("Raw", id="tab-raw"), VerticalScroll(id="inspector-raw"):
                yield self.raw

    # --- the seam -----------------------------------------------------------------------

    @property
    def conversation(self) -> Any:
        return self.data.conversation

    def show_conversation(self, conversation: Any) -> None:
        """Show this conversation's runs (``None``: nothing to show)."""
        if self.data.use(conversation):
            self.run_id, self._follow = None, True
        self._list_runs()
        self._work(self._fetch_runs(), "list runs")

    def apply(self, event: RunUpdated) -> None:
        if event.conversation is not self.conversation:
            return
        update, change = event.update, event.update.change
        if update.kind == "event" and change is not None and change.object_id is not None:
            if change.kind == "run":
                self._dirty_runs.add(change.object_id)
            elif change.kind in {"step", "step_delta"}:
                self._dirty_steps.add(change.object_id)
        elif update.kind in {"finished", "recovered"}:
            self._work(self._fetch_runs(), "list runs")
            if self.run_id is not None:
                self._dirty_runs.add(self.run_id)
        if self._flush_pending:
            return
        # A message delta changes no run or step: it only adds a row to the Events list,
        # which files its rows itself once shown. At 100 tokens/s that skips a flush per
        # token (~3% of a core).
        quiet = update.kind == "event" and not (self._dirty_runs or self._dirty_steps)
        if quiet and not self.events_view.event_log.is_displayed():
            return
        self._flush_pending = True
        self.call_after_refresh(self._flush)

    # --- helpers ------------------------------------------------------------------------

    def _now(self) -> float:
        return float(self.app.clock.now()) if hasattr(self.app, "clock") else 0.0

    @property
    def session(self) -> Any:
        session = getattr(self.app, "session", None)
        return session if getattr(session, "connected", False) else None

    def redact(self, text: str) -> str:
        redact = getattr(self.session, "redact", None)
        return redact(text) if redact is not None else text

    def _redacted(self, value: Any) -> Any:
        return redacted(value, self.redact)

    def _work(self, work: Coroutine[Any, Any, None], name: str, *, server: bool = True) -> None:
        """Run ``work`` in this pane's worker group for ``name`` (``server``: only when
        connected; without a session there is nothing to ask)."""
        if server and self.session is None:
            work.close()
            return
        group = f"inspector-{name}"
        self.run_worker(work, name=name, group=group, exclusive=True, exit_on_error=False)

    @property
    def active_tab(self) -> str:
        return self.query_one(TabbedContent).active

    # --- drawing ------------------------------------------------------------------------

    def _list_runs(self) -> None:
        runs = self.data.runs()
        newest = max(runs, key=lambda r: r.get("created_at") or 0, default=None)
        select = newest.get("id") if newest is not None and self._follow else self.run_id
        self.run_list.set_runs(runs, select)
        if self.run_list.selected_id != self.run_id or not runs:
            self.call_later(self.select_run, self.run_list.selected_id)

    def _show_run(self) -> None:
        run = self.data.run(self.run_id) if self.run_id else None
        records = self.data.records(self.run_id) if self.run_id else None
        zone = getattr(getattr(self.app, "clock", None), "zone", None)
        self.run_view.show(self._redacted(run) if run else None, records, zone)

    async def select_run(self, run_id: str | None) -> None:
        """Show one run in the tabs (``None``: no run yet)."""
        self.run_id = run_id
        self.selection = ("run", run_id) if run_id else None
        self._show_run()
        await self.steps_view.clear()
        self._show_events()
        self.show_raw()
        if run_id is not None:
            await self.steps_view.show(self.data.steps(run_id))
            self._work(self._fetch_steps(run_id), "list steps")
            if self.data.records(run_id) is None:
                self._work(self._fetch_capture(run_id), "read capture")

    def _show_events(self) -> None:
        records = self.data.records(self.run_id) if self.run_id else None
        self._shown_records = records
        note = "" if records is not None or self.run_id is None else NO_EVENTS
        live = bool(getattr(self.conversation, "active", False))
        self.events_view.show(records, note, live=live)

    def show_raw(self) -> None:
        value = self.selected_object()
        if value is None:
            self.raw.update(Content.styled("Nothing selected.", "dim"))
        else:
            self.raw.update(json_content(self._redacted(value)))

    def selected_object(self) -> Any:
        """The selected run, step or message as the API returned it."""
        if self.selection is None:
            return None
        kind, object_id = self.selection
        if kind == "run":
            return self.data.run(object_id)
        if kind == "message":
            return self.data.message(object_id)
        return self.data.step(self.run_id, object_id) if self.run_id else None

    async def _flush(self) -> None:
        self._flush_pending = False
        runs, steps = self._dirty_runs, self._dirty_steps
        self._dirty_runs, self._dirty_steps = set(), set()
        if runs:
            known = [self.run_list.update_run(run) for r in runs if (run := self.data.run(r))]
            if not all(known):
                self._list_runs()  # a new run: list it (and follow it)
            if self.run_id in runs:
                self._show_run()
        if self.run_id is not None:
            if steps:
                await self.steps_view.show(self.data.steps(self.run_id, only=steps))
            if self.data.records(self.run_id) is not self._shown_records:
                self._show_events()
            else:
                self.events_view.sync()
        if self.selection is not None and (runs or steps) and self.active_tab == "tab-raw":
            self.show_raw()

    # --- workers ------------------------------------------------------------------------

    async def _fetch_runs(self) -> None:
        if await self.data.fetch_runs(self.session):
            self._list_runs()

    async def _fetch_steps(self, run_id: str) -> None:
        if await self.data.fetch_steps(self.session, run_id) and run_id == self.run_id:
            await self.steps_view.show(self.data.steps(run_id))

    async def _fetch_capture(self, run_id: str) -> None:
        if await self.data.fetch_capture(self.session, run_id) and run_id == self.run_id:
            self._show_events()
            self._show_run()

    async def _fetch_message(self, message_id: str) -> None:
        if await self.data.fetch_message(self.session, message_id):
            self.show_raw()

    async def _fetch_content(self, run_id: str, step_id: str) -> None:
        if await self.data.fetch_step_content(self.session, run_id, step_id):
            if run_id == self.run_id:
                await self.steps_view.show(self.data.steps(run_id))
                self.show_raw()
            self.notify("Fetched the file_search results' content.", markup=False)

    async def _save(self, run_id: str, events: list[TimedEvent]) -> None:
        path = await asyncio.to_thread(save_capture, events, capture_path(run_id), self.redact)
        self.notify(f"Saved {len(events)} events to {display_path(path)}", markup=False)

    # --- selection from the widgets -----------------------------------------------------

    @on(OptionList.OptionHighlighted, "#inspector-runs")
    async def _run_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._follow = event.option_index == 0
        if event.option.id != self.run_id:
            await self.select_run(event.option.id)

    def on_descendant_focus(self, event: object) -> None:
        row = self.steps_view.focused_row()
        if row is not None and row.step_id and self.selection != ("step", row.step_id):
            self.selection = ("step", row.step_id)
            self.show_raw()

    @on(StepsView.ShowMessage)
    def _show_message(self, message: StepsView.ShowMessage) -> None:
        # Not stopped: the screen scrolls the conversation to the message.
        self.selection = ("message", message.message_id)
        if self.data.message(message.message_id) is None:
            self._work(self._fetch_message(message.message_id), "read message")
        self.show_raw()

    @on(TabbedContent.TabActivated, "#inspector-tabs")
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "tab-raw":
            self.show_raw()

    # --- actions (keys and palette) -----------------------------------------------------

    def action_show_tab(self, name: str) -> None:
        self.query_one(TabbedContent).active = TABS[name]

    def action_copy_object(self) -> None:
        """The selected event (Events tab) or run/step/message, as JSON, to the clipboard."""
        if self.active_tab == "tab-events":
            picked = events_to_copy(self.events_view.selected())
        else:
            picked = object_to_copy(self.selected_object(), self.selection)
        if picked is None:
            self.notify("Nothing selected to copy.", severity="warning")
        else:
            self._copy(self.redact(to_json(picked[0])), picked[1])

    def action_copy_arguments(self) -> None:
        """The focused tool call's arguments (else the selected step's first function call)."""
        call, row = self.steps_view.focused_call(), self.steps_view.focused_row()
        picked = arguments_to_copy(call.call if call else None, row.step if row else None)
        if picked is None:
            self.notify("Select a function call in the Steps tab first.", severity="warning")
        else:
            self._copy(self.redact(picked[0]), picked[1])

    def _copy(self, text: str, what: str) -> None:
        self.app.copy_to_clipboard(text)
        self.notify(f"Copied {what} ({len(text)} characters).", markup=False)

    def action_save_capture(self) -> None:
        records = self.data.records(self.run_id) if self.run_id else None
        if self.run_id is None or not records:
            self.notify("No captured events for this run to save.", severity="warning")
            return
        events = [TimedEvent(r.at, r.name, r.data) for r in records]
        self._work(self._save(self.run_id, events), "save capture", server=False)

    def action_filter_events(self) -> None:
        self.action_show_tab("events")
        self.events_view.filter_input.focus()

    def action_fold_deltas(self) -> None:
        folded = self.events_view.toggle_fold()
        self.notify(f"Deltas {'folded' if folded else 'shown one per row'}.")

    def action_fetch_content(self) -> None:
        row = self.steps_view.focused_row()
        if row is None or self.run_id is None or not step_needs_content(row.step):
            self.notify("Select a file_search step whose results lack content.", severity="warning")
            return
        self._work(self._fetch_content(self.run_id, row.step_id), "fetch content")

    def action_zoom(self) -> None:
        screen = self.screen
        if screen.maximized is self:
            screen.minimize()
        else:
            screen.remove_class("-hide-inspector")
            screen.maximize(self, container=False)
