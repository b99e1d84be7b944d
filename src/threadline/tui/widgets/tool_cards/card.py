"""One pending function call, as a card: what was asked, and the answer being prepared.

The card renders a :class:`~threadline.core.tool_round.CallState` and writes every change
the user makes straight to the :class:`~threadline.core.tool_round.ToolRound` (which lives
with the conversation), so nothing typed is lost when the card goes away. It never runs a
handler itself: "run handler" is asked of the screen, whose worker outlives the card.

Arguments too long to show (more than 30 lines, a line past 400 characters: a model can
send a megabyte) are shown cut, with buttons that copy them whole or save them to a file.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Literal

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Checkbox, Static, TextArea

from threadline.core.export_file import save_export
from threadline.core.sanitize import clean, clean_line
from threadline.locations import display_path

from .output import OutputField
from .text import (
    DECLINED,
    MAX_ARGUMENT_LINES,
    MAX_DESCRIPTION_LINES,
    MAX_PROPOSAL_LINES,
    NAME_LENGTH,
    cap,
    capped,
    handler_line,
    one_line,
    status_words,
    summary,
)

if TYPE_CHECKING:
    from threadline.core.tool_round import CallState, ToolRound

Mode = Literal["open", "sent", "ended"]
"""``open``: waiting for answers; ``sent``: the outputs went; ``ended``: the run ended first."""


def warnings_of(state: CallState) -> list[str]:
    arguments = state.arguments
    lines = []
    if arguments.parse_error:
        lines.append(f"⚠ {clean_line(arguments.parse_error)} (shown as received)")
    if arguments.schema_error:
        lines.append(f"⚠ {clean_line(arguments.schema_error)}")
    lines += [f"⚠ {clean_line(v)}" for v in arguments.violations]
    return lines


_SECTIONS = ("-has-description", "-has-warnings", "-has-handler", "-has-proposal", "-has-actions")


class ToolCard(Vertical):
    DEFAULT_CSS = """
    ToolCard {
        height: auto;
        border: round $warning;
        border-title-color: $text-warning;
        border-title-style: bold;
        border-subtitle-color: $text-muted;
        padding: 0 1;
        margin: 0 0 1 0;
        & > Static { height: auto; }
        & > .description { display: none; color: $text-muted; }
        & > .warnings { display: none; color: $text-warning; }
        & > .handler { display: none; color: $text-secondary; }
        & > .proposal { display: none; background: $boost; padding: 0 1; }
        & > .actions { display: none; height: auto; }
        & > .actions > Button { width: auto; min-width: 0; margin: 0 2 0 0; }
        & > .whole { display: none; height: auto; }
        & > .whole > Button { width: auto; min-width: 0; margin: 0 2 0 0; }
        &.-cut > .whole { display: block; }
        & > .answer { height: auto; margin: 1 0 0 0; }
        & > .answer > .label { width: 7; color: $text-muted; }
        & > .answer > Checkbox { margin: 0 0 0 1; }
        & > .summary { display: none; text-wrap: nowrap; text-overflow: ellipsis; }
        &.-has-description > .description { display: block; }
        &.-has-warnings > .warnings { display: block; }
        &.-has-handler > .handler { display: block; }
        &.-has-proposal > .proposal { display: block; }
        &.-has-actions > .actions { display: block; }
        &.-answered { border: round $success; border-title-color: $text-success; }
        &.-error-answer { border: round $error; border-title-color: $text-error; }
        &.-error-answer > .answer > .label { color: $text-error; }
        &.-sent {
            border: none;
            border-left: outer $success;
            padding: 0 1;
            margin: 0;
            & > * { display: none; }
            & > .summary { display: block; }
        }
        &.-sent.-cut > .whole { display: none; }
    }
    """

    class RunHandler(Message):
        """Run this call's handler now (the "run handler" button)."""

        def __init__(self, card: ToolCard) -> None:
            super().__init__()
            self.card = card

        @property
        def control(self) -> ToolCard:
            return self.card

    def __init__(self, tool_round: ToolRound, state: CallState, *, cursor_blink: bool) -> None:
        super().__init__()
        self.tool_round = tool_round
        self.state = state
        self.mode: Mode = "open"
        self.field = OutputField(state.id, cursor_blink=cursor_blink)
        self.error_box = Checkbox("error", compact=True, tooltip="Send this output as an error")
        self.cut = False  # the arguments are shown cut (see the module docstring)

    @property
    def call_id(self) -> str:
        return self.state.id

    def compose(self) -> ComposeResult:
        state = self.state
        yield Static(
            Content(capped(state.description or "", MAX_DESCRIPTION_LINES)),
            classes="description",
        )
        arguments, self.cut = cap(state.arguments.pretty, MAX_ARGUMENT_LINES)
        yield Static(Content(arguments), classes="arguments")
        if self.cut:  # only then: two buttons per card cost their styling on every change
            with Horizontal(classes="whole"):
                size = f"{len(state.arguments.raw):,} characters"
                yield Button(f" Copy all {size} ", classes="copy-whole", compact=True)
                yield Button(" Save to a file ", classes="save-whole", compact=True)
        yield Static(Content("\n".join(warnings_of(state))), classes="warnings")
        yield Static(Content(""), classes="handler")
        yield Static(Content(""), classes="proposal")
        with Horizontal(classes="actions"):
            yield Button(" Approve ", classes="approve", compact=True, variant="success")
            yield Button(" Run handler ", classes="run", compact=True, variant="primary")
        with Horizontal(classes="answer"):
            yield Static(Content("output"), classes="label")
            yield self.field
            yield self.error_box
        yield Static(Content(""), classes="summary")

    def on_mount(self) -> None:
        self.border_title = Content(one_line(self.state.name, NAME_LENGTH))
        self.set_class(self.cut, "-cut")
        self.set_class(bool(warnings_of(self.state)), "-has-warnings")
        self.set_class(bool((self.state.description or "").strip()), "-has-description")
        self.show_state(self.mode)

    # --- showing the state ------------------------------------------------------------

    def show_state(self, mode: Mode) -> None:
        """Render the call's state (after any change to it, or to the round)."""
        self.mode = mode
        state = self.state
        is_error = state.source == "error"
        self.set_class(mode == "sent", "-sent")
        self.set_class(state.has_output and not is_error, "-answered")
        self.set_class(state.has_output and is_error, "-error-answer")
        if mode == "sent":  # folded to its summary line, for good
            self.set_class(False, *_SECTIONS)
            self.border_subtitle = None
            self.query_one(".summary", Static).update(
                Content.assemble((one_line(state.name, NAME_LENGTH), "bold"), "  ", summary(state))
            )
            return
        self.border_subtitle = Content(status_words(state))
        self._show_handler()
        self.field.show(clean(state.text))
        self.field.read_only = mode != "open"
        self.field.set_class(is_error, "-error")
        self.query_one(".answer > .label", Static).update(
            Content("error" if is_error else "output")
        )
        with self.prevent(Checkbox.Changed):
            self.error_box.value = is_error
        self.error_box.disabled = mode != "open"

    @property
    def approvable(self) -> bool:
        """The handler proposed an output that is not the answer yet."""
        proposal = self.state.proposal
        return self.mode == "open" and proposal is not None and self.state.text != proposal

    @property
    def runnable(self) -> bool:
        """The handler waits to be run: it has side effects, or it failed."""
        state = self.state
        return (
            self.mode == "open"
            and state.can_run
            and (state.status == "awaiting_run" or state.notice is not None)
        )

    @property
    def handler_waits(self) -> bool:
        return self.approvable or self.runnable

    def _show_handler(self) -> None:
        state = self.state
        proposal = state.proposal
        approvable, runnable = self.approvable, self.runnable
        words = handler_line(state)
        self.query_one(".handler", Static).update(Content(words))
        self.query_one(".approve", Button).display = approvable
        run = self.query_one(".run", Button)
        run.display = runnable
        run.label = " Run again " if state.result is not None else " Run handler "
        self.set_class(bool(words), "-has-handler")
        self.set_class(approvable or runnable, "-has-actions")
        shown = proposal is not None and state.source != "approved"
        self.set_class(shown, "-has-proposal")
        if shown and proposal is not None:
            self.query_one(".proposal", Static).update(
                Content(capped(proposal, MAX_PROPOSAL_LINES))
            )

    # --- the user's answers -----------------------------------------------------------

    @on(TextArea.Changed)
    def _typed(self, event: TextArea.Changed) -> None:
        event.stop()
        text = self.field.text
        if self.mode != "open" or text == clean(self.state.text):
            return  # the field was set from the state, not typed
        if self.state.source == "error":
            self.tool_round.set_error(self.call_id, text)
        else:
            self.tool_round.set_output(self.call_id, text)

    @on(Checkbox.Changed)
    def _error_toggled(self, event: Checkbox.Changed) -> None:
        event.stop()
        self.toggle_error(event.value)

    def toggle_error(self, on: bool | None = None) -> None:
        """Answer with an error (``{"error": text}``) or with the output, as typed."""
        if self.mode != "open":
            return
        if on is None:
            on = self.state.source != "error"
        if on == (self.state.source == "error"):
            return
        text = self.field.text
        if on:
            self.tool_round.set_error(self.call_id, text if text.strip() else DECLINED)
            if not text.strip():
                self.field.show(DECLINED)
                self.field.select_all()
        else:
            self.tool_round.set_output(self.call_id, text)
        self.field.focus()

    def approve(self) -> None:
        if self.mode == "open" and self.state.proposal is not None:
            self.tool_round.approve(self.call_id)

    @on(Button.Pressed, ".approve")
    def _approve_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.approve()
        self.field.focus()

    @on(Button.Pressed, ".run")
    def _run_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.RunHandler(self))

    # --- arguments too long to show ---------------------------------------------------

    @on(Button.Pressed, ".copy-whole")
    def _copy_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        raw = self.state.arguments.raw
        self.app.copy_to_clipboard(raw)
        self.notify(
            f"Copied the arguments of {one_line(self.state.name, 60)} ({len(raw):,} characters).",
            markup=False,
        )

    @on(Button.Pressed, ".save-whole")
    def _save_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.run_worker(self._save(), name="save tool arguments", exit_on_error=False)

    async def _save(self) -> None:
        state = self.state
        path = await asyncio.to_thread(
            save_export, state.arguments.raw, f"{state.name} arguments", state.id, "json"
        )
        self.notify(f"Saved the arguments to {display_path(path)}", markup=False, timeout=10)
