"""The run options panel: what this thread's next runs override, validated before it closes.

Every field left empty (or at "default") keeps the assistant's own setting. Values are
checked the way the API checks them (:meth:`RunOptions.build`): a wrong one keeps the panel
open, names the field, and puts the cursor in it. The result applies to every later run of
the thread until changed or reset (see :mod:`threadline.core.thread_settings`).
"""

from __future__ import annotations

from typing import Any, ClassVar, get_args

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from threadline.core.run_options import ReasoningEffort, RunOptions, RunOptionsError
from threadline.core.sanitize import clean_line

DEFAULT = "default"  # the Select value that leaves an option to the assistant

LABELS: dict[str, str] = {
    "model": "Model",
    "instructions": "Instructions",
    "additional_instructions": "Additional instructions",
    "temperature": "Temperature",
    "top_p": "Top p",
    "max_prompt_tokens": "Max prompt tokens",
    "max_completion_tokens": "Max completion tokens",
    "truncation_last_messages": "Truncation",
    "tool_choice": "Tool choice",
    "parallel_tool_calls": "Parallel tool calls",
    "response_format": "Response format",
    "reasoning_effort": "Reasoning effort",
    "metadata": "Metadata",
}
_FLOATS = ("temperature", "top_p")
_INTS = ("max_prompt_tokens", "max_completion_tokens", "truncation_last_messages")
_TEXTS = ("instructions", "additional_instructions", "metadata")


class FieldProblem(Exception):
    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{LABELS.get(field, field)}: {problem}")
        self.field = field


def parse_metadata(text: str) -> dict[str, str]:
    """``key=value`` lines (blank lines skipped) -> a dict; a bad line names its number."""
    metadata: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not key:
            raise FieldProblem("metadata", f"line {number}: expected key=value")
        if key in metadata:
            raise FieldProblem("metadata", f"line {number}: {key!r} is given twice")
        metadata[key] = value.strip()
    return metadata


def _number(field: str, text: str, kind: type[int] | type[float]) -> int | float | None:
    text = text.strip()
    if not text or (field == "truncation_last_messages" and text.lower() == "auto"):
        return None
    try:
        return kind(text)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise FieldProblem(field, f"{clean_line(text)[:20]!r} is not {what}") from None


def options_from_form(values: dict[str, str]) -> RunOptions:
    """The form's raw strings -> validated options. Raises :class:`FieldProblem`."""
    data: dict[str, Any] = {}
    for field in ("model", "instructions", "additional_instructions"):
        data[field] = values.get(field, "").strip() or None
    for field in _FLOATS:
        data[field] = _number(field, values.get(field, ""), float)
    for field in _INTS:
        data[field] = _number(field, values.get(field, ""), int)
    for field in ("tool_choice", "response_format", "reasoning_effort"):
        value = values.get(field, DEFAULT)
        data[field] = None if value == DEFAULT else value
    parallel = values.get("parallel_tool_calls", DEFAULT)
    data["parallel_tool_calls"] = None if parallel == DEFAULT else parallel == "yes"
    data["metadata"] = parse_metadata(values.get("metadata", ""))
    try:
        return RunOptions.build(**data)
    except RunOptionsError as exc:
        field, _, problem = str(exc).partition(": ")
        field = field.split(".", 1)[0]
        raise FieldProblem(field, problem) from None


def form_from_options(options: RunOptions) -> dict[str, str]:
    """Options -> the form's strings (the inverse of :func:`options_from_form`)."""
    values: dict[str, str] = {}
    for field in ("model", "instructions", "additional_instructions", *_FLOATS, *_INTS):
        value = getattr(options, field)
        values[field] = "" if value is None else str(value)
    for field in ("tool_choice", "response_format", "reasoning_effort"):
        values[field] = getattr(options, field) or DEFAULT
    parallel = options.parallel_tool_calls
    values["parallel_tool_calls"] = DEFAULT if parallel is None else "yes" if parallel else "no"
    values["metadata"] = "\n".join(f"{k}={v}" for k, v in options.metadata.items())
    return values


class RunOptionsPanel(ModalScreen[RunOptions | None]):
    """Edit the thread's run options; Apply (or enter in a field) or escape to leave them."""

    DEFAULT_CSS = """
    RunOptionsPanel {
        align: center middle;
        & > Vertical {
            width: 90;
            max-width: 100%;
            height: 100%;
            max-height: 42;
            border: thick $primary 60%;
            background: $surface;
            padding: 0 1;
        }
        .title { text-style: bold; padding: 0 1; }
        .subtitle { color: $text-muted; padding: 0 1 1 1; }
        VerticalScroll { height: 1fr; }
        .row { height: auto; margin-bottom: 1; }
        .row > Label { width: 24; padding: 0 1; color: $text-muted; }
        .row > Input, .row > Select { width: 1fr; }
        .row > Input, .row > TextArea { background: $panel; }
        .row > TextArea { width: 1fr; height: 3; }
        .row.-invalid > Label { color: $run-failed; text-style: bold; }
        #options-error { display: none; color: $run-failed; padding: 0 1; height: auto; }
        #options-error.-shown { display: block; }
        #options-buttons { height: auto; align-horizontal: right; padding: 0 1; }
        #options-buttons > Button { margin-left: 2; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Cancel", id="options_cancel"),
    ]

    def __init__(
        self, options: RunOptions, *, assistant: str = "", functions: tuple[str, ...] = ()
    ) -> None:
        super().__init__()
        self._values = form_from_options(options)
        self._assistant = assistant
        self._functions = functions

    # --- building the form ------------------------------------------------------------

    def _row(self, field: str, widget: Widget) -> Horizontal:
        return Horizontal(Label(LABELS[field]), widget, classes="row", id=f"row-{field}")

    def _input(self, field: str, placeholder: str) -> Input:
        return Input(
            self._values[field], placeholder=placeholder, compact=True, id=f"field-{field}"
        )

    def _text(self, field: str, placeholder: str) -> TextArea:
        return TextArea(
            self._values[field],
            compact=True,
            soft_wrap=True,
            placeholder=placeholder,
            id=f"field-{field}",
        )

    def _select(self, field: str, choices: list[tuple[str, str]]) -> Select[str]:
        value = self._values[field]
        if value not in {v for _, v in choices}:  # a function the assistant no longer has
            choices = [*choices, (clean_line(value), value)]
        return Select(choices, value=value, allow_blank=False, compact=True, id=f"field-{field}")

    def compose(self) -> ComposeResult:
        tool_choices = [("assistant's default", DEFAULT)] + [
            (mode, mode) for mode in ("auto", "none", "required")
        ]
        tool_choices += [(f"call {clean_line(name)}()", name) for name in self._functions]
        with Vertical():
            yield Static(Content("Run options"), classes="title")
            yield Static(
                Content(
                    f"For this thread's next runs with {clean_line(self._assistant)}. "
                    "Empty = the assistant's own setting."
                    if self._assistant
                    else "For this thread's next runs. Empty = the assistant's own setting."
                ),
                classes="subtitle",
            )
            with VerticalScroll():
                yield self._row("model", self._input("model", "the assistant's model"))
                yield self._row("instructions", self._text("instructions", "replace them"))
                yield self._row(
                    "additional_instructions",
                    self._text("additional_instructions", "appended for these runs"),
                )
                yield self._row("temperature", self._input("temperature", "0 to 2"))
                yield self._row("top_p", self._input("top_p", "0 to 1"))
                yield self._row(
                    "max_prompt_tokens", self._input("max_prompt_tokens", "at least 256")
                )
                yield self._row(
                    "max_completion_tokens", self._input("max_completion_tokens", "at least 256")
                )
                yield self._row(
                    "truncation_last_messages",
                    self._input("truncation_last_messages", "auto, or N: the last N messages"),
                )
                yield self._row("tool_choice", self._select("tool_choice", tool_choices))
                yield self._row(
                    "parallel_tool_calls",
                    self._select(
                        "parallel_tool_calls",
                        [("assistant's default", DEFAULT), ("yes", "yes"), ("no", "no")],
                    ),
                )
                yield self._row(
                    "response_format",
                    self._select(
                        "response_format",
                        [("assistant's default", DEFAULT)]
                        + [(v, v) for v in ("auto", "text", "json_object")],
                    ),
                )
                yield self._row(
                    "reasoning_effort",
                    self._select(
                        "reasoning_effort",
                        [("assistant's default", DEFAULT)]
                        + [(v, v) for v in get_args(ReasoningEffort)],
                    ),
                )
                yield self._row("metadata", self._text("metadata", "key=value, one per line"))
            yield Static(id="options-error")
            with Horizontal(id="options-buttons"):
                yield Button("Reset", id="reset", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Apply", variant="primary", id="apply", compact=True)

    def on_mount(self) -> None:
        self.query_one("#field-model", Input).focus()

    # --- reading and checking ---------------------------------------------------------

    def form_values(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for field in LABELS:
            widget = self.query_one(f"#field-{field}")
            if isinstance(widget, TextArea):
                values[field] = widget.text
            elif isinstance(widget, Input):
                values[field] = widget.value
            elif isinstance(widget, Select):
                values[field] = str(widget.value)
        return values

    def _show_problem(self, problem: FieldProblem | None) -> None:
        for row in self.query(".row"):
            row.set_class(problem is not None and row.id == f"row-{problem.field}", "-invalid")
        error = self.query_one("#options-error", Static)
        error.update(Content(f"✗ {problem}" if problem else ""))
        error.set_class(problem is not None, "-shown")
        if problem is not None:
            field = self.query(f"#field-{problem.field}")
            if field:
                field.first().focus()

    @on(Button.Pressed, "#apply")
    def action_apply(self) -> None:
        try:
            options = options_from_form(self.form_values())
        except FieldProblem as problem:
            self._show_problem(problem)
            return
        self.dismiss(options)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#reset")
    def _reset(self) -> None:
        """Every field back to the assistant's own setting (applied with Apply)."""
        blank = form_from_options(RunOptions())
        for field, value in blank.items():
            widget = self.query_one(f"#field-{field}")
            if isinstance(widget, TextArea):
                widget.load_text(value)
            elif isinstance(widget, Input | Select):
                widget.value = value
        self._show_problem(None)

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_apply()
