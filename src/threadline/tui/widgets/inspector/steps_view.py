"""The Steps tab: a run's steps in order, each updated in place while the run streams.

One :class:`StepRow` per step id, one :class:`~.tool_calls.ToolCallView` per call (by its
position in the step); :meth:`StepsView.show` adds rows for new steps and updates the
others, so a streamed step delta redraws one call, never the list.

A ``message_creation`` step links to its message: enter (or a click) on it posts
:class:`StepsView.ShowMessage`, which the screen answers by scrolling the conversation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from threadline.core.sanitize import clean_line

from .format import STATUS_MARKS, seconds, short_id, step_duration, usage_short
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
            (clean_line(_str(step.get("type")) or "step"), "bold"),
            " ",
            (f"{STATUS_MARKS.get(status, '·')} {clean_line(status)}", css),
            (f" {seconds(duration)}" if duration is not None else "", "dim"),
        ),
        Content.styled(
            f"  {short_id(_str(step.get('id')))}" + (f" · {spent}" if spent else ""), "dim"
        ),
    ]
    error = step.get("last_error")
    if isinstance(error, Mapping):
        code, text = clean_line(_str(error.get("code"))), clean_line(_str(error.get("message")))
        parts.append(Content.styled(f"  {code}: {text}", "$text-error"))
    message_id = message_id_of(step)
    if message_id is not None:
        parts.append(Content.assemble(("  → ", "dim"), (clean_line(message_id), "underline")))
    return Content("\n").join(parts)


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
        self._header.update(step_header(self.number, step))
        views = list(self.query_children(ToolCallView))
        calls = tool_calls_of(step)
        for view, call in zip(views, calls, strict=False):
            view.set_call(call)
        if len(calls) > len(views):
            self.mount_all(ToolCallView(call) for call in calls[len(views) :])

    def on_click(self, event: events.Click) -> None:
        if self.message_id is not None:
            self.post_message(StepsView.ShowMessage(self.message_id))


class StepsView(VerticalScroll):
    """Every step of the selected run, in order."""

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

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rows: dict[str, StepRow] = {}
        self._empty = Static(Content("No steps yet."), classes="empty")

    def compose(self) -> ComposeResult:
        yield self._empty

    @property
    def rows(self) -> list[StepRow]:
        return list(self._rows.values())

    async def clear(self, note: str = "No steps yet.") -> None:
        self._rows.clear()
        await self.remove_children(StepRow)
        self._empty.update(Content(note))
        self._empty.display = True

    async def show(self, steps: Sequence[Mapping[str, Any]]) -> None:
        """Show these steps (in order): rows are added for new ids, updated for known ones."""
        new: list[StepRow] = []
        for step in steps:
            step_id = _str(step.get("id"))
            row = self._rows.get(step_id)
            if row is None:
                row = self._rows[step_id] = StepRow(len(self._rows) + 1, step)
                new.append(row)
            else:
                row.set_step(step)
        if new:
            await self.mount_all(new)
        self._empty.display = not self._rows

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
        rows = self.rows
        if not rows:
            return
        current = self.focused_row()
        index = rows.index(current) + delta if current is not None else 0
        row = rows[max(0, min(index, len(rows) - 1))]
        row.focus()
        self.scroll_to_widget(row, animate=False)

    def action_open(self) -> None:
        row = self.focused_row()
        if row is not None and row.message_id is not None:
            self.post_message(self.ShowMessage(row.message_id))
