"""One ``requires_action`` round: every pending call's answer, from a handler or the user.

A :class:`ToolRound` is plain state that a UI renders and updates without re-fetching
anything; it lives on the :class:`~threadline.core.driver.Conversation`
(``conversation.tool_round``), not in a widget, so outputs being typed survive switching
threads. The approval policy of each call's handler (``[tools.NAME]``) decides what
:meth:`ToolRound.start` does:

============================  =====================================================
``approve = "always"``        run the handler; its output answers the call
``approve = "ask"``           run it; its output is a *proposal* that waits for
                              :meth:`ToolRound.approve`
``ask`` + ``side_effects``    do not run it; :meth:`ToolRound.run_handler` (the card's
                              "run handler" button) runs it and its output answers
``approve = "never"``, none   the user types the output
============================  =====================================================

A handler that fails, times out or prints invalid output leaves the call to the user,
with :attr:`CallState.notice` saying why. Calls whose arguments are not valid JSON are not
run automatically (handlers are promised JSON on stdin), but ``run_handler`` may still run
them. A handler's output never replaces text the user typed: it becomes the proposal.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from threadline.api import RequiredToolCall, Tool
from threadline.config import ToolHandler

from .subscribers import Subscribers
from .tool_arguments import ArgumentCheck, check_arguments, function_definition
from .tool_handlers import HandlerResult, run_handler

Policy = Literal["always", "ask", "never", "manual"]
"""A call's approval policy; ``manual`` means no handler is configured for its function."""
CallStatus = Literal["running", "answered", "proposed", "awaiting_run", "needs_input"]
Source = Literal["handler", "approved", "typed", "error"]
"""Where an answer came from: an ``always`` handler (or a run the user started), an
approved proposal, the user's typing, or the user's "error" choice."""
HandlerRunner = Callable[[ToolHandler, RequiredToolCall], Awaitable[HandlerResult]]


class IncompleteRound(ValueError):
    """Not every call has an output yet."""


@dataclass(eq=False)
class CallState:
    """One pending call, as its card shows it. Change it through :class:`ToolRound`."""

    call: RequiredToolCall
    description: str | None
    """The function's description from the run's tools (untrusted text)."""
    arguments: ArgumentCheck
    handler: ToolHandler | None
    text: str = ""
    """The output that will be submitted: typed, or filled in by a handler or approval."""
    source: Source | None = None
    proposal: str | None = None
    """An ``ask`` handler's output, waiting for approval."""
    result: HandlerResult | None = None
    """The last handler run, whatever its outcome."""
    running: bool = False
    notice: str | None = None
    """Why the user has to answer by hand (a handler problem, arguments that are not JSON)."""

    @property
    def id(self) -> str:
        return self.call.id

    @property
    def name(self) -> str:
        return self.call.function.name

    @property
    def policy(self) -> Policy:
        return "manual" if self.handler is None else self.handler.approve

    @property
    def can_run(self) -> bool:
        """Whether a "run handler" button makes sense now."""
        return self.policy in ("always", "ask") and not self.running

    @property
    def has_output(self) -> bool:
        return bool(self.text.strip())

    @property
    def output(self) -> str | None:
        """What is submitted for this call; an "error" answer goes as ``{"error": text}``."""
        if not self.has_output:
            return None
        if self.source == "error":
            return json.dumps({"error": self.text}, ensure_ascii=False)
        return self.text

    @property
    def status(self) -> CallStatus:
        if self.running:
            return "running"
        if self.has_output:
            return "answered"
        if self.proposal is not None:
            return "proposed"
        handler = self.handler
        if handler and handler.approve == "ask" and handler.side_effects and not self.result:
            return "awaiting_run"
        return "needs_input"


class ToolRound:
    """The answers to one ``requires_action`` pause of a run."""

    def __init__(
        self,
        calls: Sequence[RequiredToolCall],
        *,
        tools: Sequence[Tool] = (),
        handlers: Mapping[str, ToolHandler] | None = None,
        run_id: str | None = None,
        expires_at: int | None = None,
        runner: HandlerRunner = run_handler,
    ) -> None:
        handlers = handlers or {}
        self.run_id = run_id
        self.expires_at = expires_at
        """When the run expires (Unix seconds), for a countdown; None if unknown."""
        self.calls: list[CallState] = []
        for call in calls:
            definition = function_definition(tools, call.function.name)
            self.calls.append(
                CallState(
                    call,
                    definition.description if definition else None,
                    check_arguments(
                        call.function.arguments, definition.parameters if definition else None
                    ),
                    handlers.get(call.function.name),
                )
            )
        self.submitting = False
        self.submit_error: str | None = None
        """Why the last submit failed (the outputs stay, to be sent again)."""
        self._runner = runner
        self._started = False
        self._tasks: dict[str, asyncio.Task[HandlerResult]] = {}
        self._subscribers: Subscribers[CallState | None] = Subscribers()

    # --- reading ----------------------------------------------------------------------

    @property
    def key(self) -> tuple[str | None, tuple[str, ...]]:
        """Which pause this round answers: the run and its pending call ids."""
        return self.run_id, tuple(state.id for state in self.calls)

    def call(self, call_id: str) -> CallState:
        for state in self.calls:
            if state.id == call_id:
                return state
        raise KeyError(call_id)

    @property
    def complete(self) -> bool:
        """Every call has an output: the round can be submitted."""
        return all(state.has_output for state in self.calls)

    @property
    def missing(self) -> list[CallState]:
        return [state for state in self.calls if not state.has_output]

    @property
    def answered_automatically(self) -> bool:
        """Every call was answered by an ``always`` handler: submit without asking."""
        return all(s.has_output and s.source == "handler" for s in self.calls)

    def outputs(self) -> dict[str, str]:
        """The outputs by call id, for ``submit_tool_outputs``."""
        missing = self.missing
        if missing:
            names = ", ".join(f"{s.name} ({s.id})" for s in missing)
            raise IncompleteRound(f"no output yet for {names}")
        return {state.id: state.output or "" for state in self.calls}

    def subscribe(self, callback: Callable[[CallState | None], None]) -> Callable[[], None]:
        """Call ``callback(call_state)`` on every change (None: the round as a whole)."""
        return self._subscribers.add(callback)

    def changed(self, state: CallState | None = None) -> None:
        self._subscribers.emit(state)

    # --- handlers ---------------------------------------------------------------------

    async def start(self) -> None:
        """Run the handlers the policies allow, concurrently; once per round.

        Calls that already have an output (e.g. from ``--tool-output``) are left alone.
        """
        if self._started:
            return
        self._started = True
        jobs = []
        for state in self.calls:
            if state.has_output or state.policy not in ("always", "ask"):
                continue
            assert state.handler is not None
            if state.policy == "ask" and state.handler.side_effects:
                continue
            if not state.arguments.valid_json:
                state.notice = f"{state.arguments.parse_error}; the handler was not run"
                self.changed(state)
                continue
            jobs.append(self._run(state, answer=state.policy == "always"))
        await asyncio.gather(*jobs)

    async def run_handler(self, call_id: str) -> HandlerResult:
        """Run a call's handler now (the "run handler" button, or a retry).

        Its output answers the call for ``always`` and side-effecting ``ask`` handlers (the
        click was the approval) and is a proposal for other ``ask`` handlers.
        """
        state = self.call(call_id)
        if state.handler is None or state.policy == "never":
            raise ValueError(f"{state.name} has no handler that may run")
        running = self._tasks.get(call_id)
        if running is not None:
            return await asyncio.shield(running)
        answer = state.policy == "always" or state.handler.side_effects
        return await self._run(state, answer=answer)

    def cancel(self) -> None:
        """Stop every running handler (the run was cancelled or moved on)."""
        for task in self._tasks.values():
            task.cancel()

    async def _run(self, state: CallState, *, answer: bool) -> HandlerResult:
        assert state.handler is not None
        task = asyncio.ensure_future(self._runner(state.handler, state.call))
        self._tasks[state.id] = task
        state.running = True
        state.notice = None
        self.changed(state)
        try:
            result = await task
        except asyncio.CancelledError:
            state.notice = "the handler was stopped"
            raise
        finally:
            del self._tasks[state.id]
            state.running = False
            self.changed(state)
        self._record(state, result, answer=answer)
        return result

    def _record(self, state: CallState, result: HandlerResult, *, answer: bool) -> None:
        state.result = result
        if not result.ok:
            state.notice = result.summary
        elif answer and not state.has_output:
            state.text, state.source, state.proposal = result.output, "handler", None
        else:
            state.proposal = result.output
        self.changed(state)

    # --- the user's answers -----------------------------------------------------------

    def approve(self, call_id: str) -> None:
        """Accept the handler's proposal as the call's output."""
        state = self.call(call_id)
        if state.proposal is None:
            raise ValueError(f"{state.name} has no proposed output to approve")
        state.text, state.source = state.proposal, "approved"
        self.changed(state)

    def set_output(self, call_id: str, text: str) -> None:
        """The output field's text (typed or pasted); blank text means no output yet."""
        state = self.call(call_id)
        state.text, state.source = text, "typed"
        self.changed(state)

    def set_error(self, call_id: str, message: str) -> None:
        """Answer with an error: submitted as ``{"error": message}``."""
        state = self.call(call_id)
        state.text, state.source = message, "error"
        self.changed(state)
