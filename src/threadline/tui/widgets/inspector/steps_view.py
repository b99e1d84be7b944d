"""The Steps tab: a run's steps in order, each updated in place while the run streams.

One :class:`StepRow` per step id, one :class:`~.tool_calls.ToolCallView` per call (by its
position in the step); :meth:`StepsView.show` adds rows for new steps and updates the
others, so a streamed step delta redraws one call, never the list. Rows exist only for
the newest :data:`WINDOW` steps (more on request), and at most :data:`MAX_CALLS` calls of
a step are drawn: a run of ten thousand steps stays as quick as one of ten.

A ``message_creation`` step links to its message: enter (or a click) on it posts
:class:`StepsView.ShowMessage`, which the screen answers by scrolling the conversation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from .format import (
    STATUS_MARKS,
    redacted,
    seconds,
    short_id,
    short_line,
    step_duration,
    usage_short,
)
from .tool_calls import ToolCallView


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def message_id_of(step: Mapping[str, Any]) -> str | None:
    details = step.get("step_details")
    if isinstance(details, Mapping) and details.get("type") == "message_creation":
        creation = details.get("message_creation")
        if isinstance(creation, Mapping) and isinstance(creation.get("message_id"), str):
            return str(creation["message_id"])
    return None


def tool_calls_of(step: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    details = step.get("step_details")
    calls = details.get("tool_calls") if isinstance(details, Mapping) else None
    return [c for c in calls if isinstance(c, Mapping)] if isinstance(calls, list) else []


def step_header(number: int, step: Mapping[str, Any]) -> Content:
    status = _str(step.get("status"))
    duration = step_duration(step)
    spent = usage_short(step.get("usage"))
    css = "$text-error" if status in {"failed", "expired", "cancelled"} else "$text-success"
    parts = [
        Content.assemble(
            (f"{number} ", "bold"),
            (short_line(_str(step.get("type")), 40) or "step", "bold"),
            " ",
            (f"{STATUS_MARKS.get(status, '·')} {short_line(status, 40)}", css),
            (f" {seconds(duration)}" if duration is not None else "", "dim"),
        ),
        Content.styled(
            f"  {short_id(_str(step.get('id')))}" + (f" · {spent}" if spent else ""), "dim"
        ),
    ]
    error = step.get("last_error")
    if isinstance(error, Mapping):
        code, text = (
            short_line(_str(error.get("code"))),
            short_line(_str(error.get("message")), 500),
        )
        parts.append(Content.styled(f"  {code}: {text}", "$text-error"))
    message_id = message_id_of(step)
    if message_id is not None:
        parts.append(Content.assemble(("  → ", "dim"), (short_line(message_id), "underline")))
    return Content("\n").join(parts)


WINDOW = 50
"""Steps shown as rows at first (the newest); the line above them shows more."""
MAX_CALLS = 50
"""Tool calls drawn in one step (Raw and the copy keys have them all)."""


class StepRow(Vertical, can_focus=True):
    """One step: its header and, for tool_calls, one view per call."""

    DEFAULT_CSS = """
    StepRow {
        height: auto;
        padding: 0 0 1 0;
        & > .header { height: auto; }
        &:focus > .header { background: $block-cursor-blurred-background; }
        &:focus-within > .header { background: $block-cursor-blurred-background; }
    }
    """

    def __init__(self, number: int, step: Mapping[str, Any]) -> None:
        super().__init__()
        self.number = number
        self.step: dict[str, Any] = {}
        self._header = Static(Content(""), classes="header")
        self._pending = step
        self.pending_id = _str(step.get("id"))

    @property
    def step_id(self) -> str:
        return _str(self.step.get("id"))

    @property
    def message_id(self) -> str | None:
        return message_id_of(self.step)

    def compose(self) -> ComposeResult:
        yield self._header

    def on_mount(self) -> None:
        self.set_step(self._pending)

    def set_step(self, step: Mapping[str, Any]) -> None:
        if step == self.step:
            return
        self.step = dict(step)
        views = list(self.query_children(ToolCallView))
        calls = tool_calls_of(step)
        header = step_header(self.number, step)
        if len(calls) > MAX_CALLS:
            more = len(calls) - MAX_CALLS
            header += Content.styled(f"\n  {more:,} more tool calls not drawn: see Raw", "dim")
            calls = calls[:MAX_CALLS]
        self._header.update(header)
        for view, call in zip(views, calls, strict=False):
            view.set_call(call)
        if len(calls) > len(views):
            self.mount_all(ToolCallView(call) for call in calls[len(views) :])

    def on_click(self, event: events.Click) -> None:
        if self.message_id is not None:
            self.post_message(StepsView.ShowMessage(self.message_id))


class EarlierSteps(Static, can_focus=True):
    """The line above the oldest row shown: how many earlier steps there are."""

    DEFAULT_CSS = """
    EarlierSteps {
        height: auto;
        color: $text-muted;
        padding: 0 0 1 0;
        &:focus { background: $block-cursor-blurred-background; }
    }
    """

    def on_click(self, event: events.Click) -> None:
        self.post_message(StepsView.ShowEarlier())


class StepsView(VerticalScroll):
    """The steps of the selected run, in order: the newest :data:`WINDOW` of them as rows.

    A run of ten thousand steps costs ten thousand small dicts and :data:`WINDOW` rows;
    the line above the rows shows earlier ones :data:`WINDOW` at a time.
    """

    DEFAULT_CSS = """
    StepsView {
        height: 1fr;
        scrollbar-size-vertical: 1;
        & > .empty { color: $text-muted; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1)", "Previous step", show=False),
        Binding("down,j", "move(1)", "Next step", show=False),
        Binding("enter", "open", "Go to message", show=False),
    ]

    class ShowMessage(Message):
        """Scroll the conversation to this message (a message_creation step was opened)."""

        def __init__(self, message_id: str) -> None:
            super().__init__()
            self.message_id = message_id

    class ShowEarlier(Message):
        """Show more of the earlier steps (the line above the rows was opened)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._steps: dict[str, Mapping[str, Any]] = {}  # every step, in order
        self._numbers: dict[str, int] = {}
        self._order: list[str] = []
        self._rows: dict[str, StepRow] = {}  # the window: the newest ``_limit`` steps
        self._limit = WINDOW
        self._empty = Static(Content("No steps yet."), classes="empty")
        self._earlier = EarlierSteps(Content(""))
        self.redact: Callable[[str], str] | None = None  # the session's, set by the pane

    def compose(self) -> ComposeResult:
        yield self._empty
        yield self._earlier

    @property
    def rows(self) -> list[StepRow]:
        """The rows on screen, oldest first."""
        return [self._rows[i] for i in self._order if i in self._rows]

    @property
    def count(self) -> int:
        """Every step of the run, shown or not."""
        return len(self._order)

    async def clear(self, note: str = "No steps yet.") -> None:
        self._steps.clear()
        self._numbers.clear()
        self._order.clear()
        self._rows.clear()
        self._limit = WINDOW
        await self.remove_children(StepRow)
        self._empty.update(Content(note))
        self._empty.display = True
        self._earlier.display = False

    async def show(self, steps: Sequence[Mapping[str, Any]]) -> None:
        """Show these steps (in order): new ids are added, known ones updated in place."""
        for step in steps:
            step_id = _str(step.get("id"))
            if step_id not in self._steps:
                self._numbers[step_id] = len(self._order) + 1
                self._order.append(step_id)
            self._steps[step_id] = step
            row = self._rows.get(step_id)
            if row is not None:
                row.set_step(redacted(step, self.redact))
        await self._fill()

    async def show_earlier(self) -> None:
        self._limit += WINDOW
        await self._fill()

    async def _fill(self) -> None:
        """Mount the window's missing rows, unmount the rows that left it."""
        window = self._order[-self._limit :]
        wanted = set(window)
        stale = [self._rows.pop(i) for i in [i for i in self._rows if i not in wanted]]
        if stale:
            await self.remove_children(stale)
        first = next((i for i, step_id in enumerate(window) if step_id in self._rows), None)
        before = [self._row(i) for i in window[:first]] if first is not None else []
        after = [self._row(i) for i in window[first or 0 :] if i not in self._rows]
        if before:
            await self.mount_all(before, after=self._earlier)
        if after:
            await self.mount_all(after)
        for row in (*before, *after):
            self._rows[row.pending_id] = row
        self._empty.display = not self._order
        hidden = len(self._order) - len(window)
        self._earlier.display = hidden > 0
        if hidden:
            more = min(hidden, WINDOW)
            self._earlier.update(
                Content.styled(
                    f"▲ {hidden:,} earlier step{'s' if hidden != 1 else ''} not shown: "
                    f"enter or a click shows {more:,} more",
                    "dim",
                )
            )

    def _row(self, step_id: str) -> StepRow:
        return StepRow(self._numbers[step_id], redacted(self._steps[step_id], self.redact))

    def focused_row(self) -> StepRow | None:
        focused = self.screen.focused if self.is_attached else None
        for row in self._rows.values():
            if focused is row or (focused is not None and row in focused.ancestors):
                return row
        return None

    def focused_call(self) -> ToolCallView | None:
        focused = self.screen.focused if self.is_attached else None
        return (
            focused
            if isinstance(focused, ToolCallView) and focused in self.query(ToolCallView)
            else None
        )

    def action_move(self, delta: int) -> None:
        targets: list[Widget] = list(self.rows)
        if self._earlier.display:
            targets.insert(0, self._earlier)
        if not targets:
            return
        focused = self.screen.focused if self.is_attached else None
        current = self.focused_row() or (focused if focused is self._earlier else None)
        index = targets.index(current) + delta if current is not None else 0
        target = targets[max(0, min(index, len(targets) - 1))]
        target.focus()
        self.scroll_to_widget(target, animate=False)

    async def action_open(self) -> None:
        if self.screen.focused is self._earlier:
            await self.show_earlier()
            self._earlier.focus()
            return
        row = self.focused_row()
        if row is not None and row.message_id is not None:
            self.post_message(self.ShowMessage(row.message_id))

    async def on_steps_view_show_earlier(self, message: ShowEarlier) -> None:
        message.stop()
        await self.show_earlier()
