"""The runs of the thread on screen, newest first: status, duration, model, tokens.

Rows are keyed by run id: a run that changes is redrawn in place, a new run is added at
the top, and the highlighted run stays highlighted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from textual.content import Content
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from .format import FAILED, STATUS_MARKS, run_duration, seconds, short_id, short_line, tokens


def run_prompt(run: Mapping[str, Any]) -> Content:
    status = short_line(str(run.get("status") or "?"), 40)
    duration = run_duration(run)
    failed = status in FAILED
    if failed:
        mark_style = "bold $text-error"
    else:
        mark_style = "bold $text-success" if status == "completed" else "bold $text-warning"
    model = short_line(str(run.get("model") or ""), 60)
    details = " · ".join(p for p in (short_id(str(run.get("id", "")), 6), model) if p)
    spent = tokens(run.get("usage"))
    return Content.assemble(
        (STATUS_MARKS.get(status, "·"), mark_style),
        " ",
        (status, "bold $text-error" if failed else "bold"),
        (f"  {seconds(duration)}" if duration is not None else "", "dim"),
        (f"  {spent}" if spent else "", "dim"),
        "\n  ",
        (details, "dim"),
    )


def created(run: Mapping[str, Any]) -> int:
    value = run.get("created_at")
    return value if isinstance(value, int) else 0


class RunList(OptionList):
    DEFAULT_CSS = """
    RunList {
        height: auto;
        max-height: 9;
        border: none;
        padding: 0;
        scrollbar-size-vertical: 1;
        background: $surface;
        &:focus { border: none; background-tint: $foreground 4%; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.runs: dict[str, dict[str, Any]] = {}

    @property
    def selected_id(self) -> str | None:
        index = self.highlighted
        if index is None or index >= self.option_count:
            return None
        return self.get_option_at_index(index).id

    def set_runs(self, runs: Sequence[Mapping[str, Any]], select: str | None = None) -> None:
        """Show these runs, newest first; keep (or move to) the highlighted run."""
        keep = select or self.selected_id
        ordered = sorted(runs, key=created, reverse=True)  # stable: same-second runs keep order
        self.runs = {str(r.get("id")): dict(r) for r in ordered}
        self.clear_options()
        self.add_options(Option(run_prompt(r), id=str(r.get("id"))) for r in ordered)
        ids = list(self.runs)
        if ids:
            self.highlighted = ids.index(keep) if keep in self.runs else 0

    def update_run(self, run: Mapping[str, Any]) -> bool:
        """Redraw one run in place; False if it is new (the caller re-lists)."""
        run_id = str(run.get("id"))
        if run_id not in self.runs:
            return False
        if self.runs[run_id] != run:
            self.runs[run_id] = dict(run)
            self.replace_option_prompt(run_id, run_prompt(run))
        return True
