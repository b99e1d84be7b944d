"""The work of ``threadline send``: connect, send, answer tool calls, print, exit code."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from typing import TextIO

from threadline.api import (
    APIConnectionError,
    APIError,
    MessageDeltaEvent,
    MessageEvent,
    StreamInterruptedError,
)
from threadline.cli import EXIT_API_ERROR, EXIT_OK, EXIT_RUN_INCOMPLETE, EXIT_USAGE
from threadline.cli.backend import open_backend
from threadline.config import Config, ToolHandler, load_config
from threadline.core.driver import Conversation, RunResult, Update
from threadline.core.run_state import RunState
from threadline.core.sanitize import StreamSanitizer, clean_line
from threadline.core.session import BackendFactory, MissingKey, NoAssistant, Session, SessionError
from threadline.core.store import STORE_FILE, ClientStore
from threadline.core.tool_round import CallState, ToolRound
from threadline.locations import data_dir


class ReplyPrinter:
    """Prints assistant text as it streams, cleaned; fills in what a recovery added."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self._printed: dict[str, int] = {}
        self._sanitizers: dict[str, StreamSanitizer] = {}
        self._open: str | None = None
        self.state: RunState | None = None

    def __call__(self, update: Update) -> None:
        event = update.event
        if isinstance(event, MessageDeltaEvent):
            for part in event.data.delta.content:
                text = getattr(getattr(part, "text", None), "value", None)
                if part.type == "text" and text:
                    self._write(event.data.id, text)
        elif isinstance(event, MessageEvent) and event.event == "thread.message.completed":
            self._close(event.data.id)
        elif update.kind in ("recovered", "finished") and self.state is not None:
            self.catch_up(self.state)

    def _write(self, message_id: str, text: str) -> None:
        if self._open not in (None, message_id):
            self._close(self._open)
        self._open = message_id
        sanitizer = self._sanitizers.setdefault(message_id, StreamSanitizer())
        self.out.write(sanitizer.feed(text))
        self.out.flush()
        self._printed[message_id] = self._printed.get(message_id, 0) + len(text)

    def _close(self, message_id: str | None) -> None:
        if message_id is None or message_id not in self._sanitizers:
            return
        self.out.write(self._sanitizers[message_id].flush() + "\n")
        self.out.flush()
        del self._sanitizers[message_id]
        if self._open == message_id:
            self._open = None

    def catch_up(self, state: RunState) -> None:
        """Print what polling found that the stream never delivered; nothing twice."""
        for message_id in state.message_ids():
            message = state.message(message_id)
            if message.role != "assistant":
                continue
            text = message.text
            done = self._printed.get(message_id, 0)
            if len(text) > done:
                self._write(message_id, text[done:])
            if message.status in ("completed", "incomplete"):
                self._close(message_id)


def unattended_handlers(config: Config) -> dict[str, ToolHandler]:
    """The handlers ``send`` may run: only ``approve = "always"`` ones (nobody is asked)."""
    return {name: handler for name, handler in config.tools.items() if handler.approve == "always"}


async def _answer(tool_round: ToolRound, tool_outputs: Mapping[str, str]) -> None:
    """``--tool-output`` answers first (it wins), then the handlers answer the rest."""
    for call in tool_round.calls:
        if call.name in tool_outputs:
            tool_round.set_output(call.id, tool_outputs[call.name])
    await tool_round.start()


def _report_missing(calls: list[CallState], config: Config, err: TextIO) -> None:
    for state in calls:
        name = clean_line(state.name)
        skipped = config.tools.get(state.name)
        why = f"; {state.notice}" if state.notice else ""
        if skipped is not None and skipped.approve != "always":
            why = f'; its handler has approve = "{skipped.approve}", which send does not run'
        print(
            f"threadline: needs tool output: {name} {clean_line(state.call.function.arguments)} "
            f"(call {clean_line(state.id)}){why}; answer with --tool-output {name}=VALUE",
            file=err,
        )


def describe_failure(exc: APIError) -> str:
    """The error as one line, saying whether the server may have acted on the request: a
    request that may have reached it is never sent again, so the user must know to look."""
    text = clean_line(str(exc))
    if isinstance(exc, StreamInterruptedError):
        return f"{text.rstrip('.')}; the server accepted the request, so it was not sent again"
    if isinstance(exc, APIConnectionError) and exc.sent:
        return (
            f"{text.rstrip('.')}; the server may have received the request, "
            "so it was not sent again"
        )
    return text


def _report_end(result: RunResult, err: TextIO) -> None:
    if result.status == "completed":
        return
    reason = f": {clean_line(result.error)}" if result.error else ""
    print(f"threadline: run {result.status}{reason}", file=err)


async def _run_to_rest(
    conversation: Conversation,
    text: str,
    tool_outputs: Mapping[str, str],
    config: Config,
    err: TextIO,
) -> RunResult:
    result = await conversation.send(text)
    while result.status == "requires_action" and (tool_round := conversation.tool_round):
        await _answer(tool_round, tool_outputs)
        if not tool_round.complete:
            _report_missing(tool_round.missing, config, err)
            return result
        result = await conversation.submit_tool_round()
    return result


async def send(
    text: str,
    *,
    profile_name: str | None,
    thread_id: str | None = None,
    assistant_id: str | None = None,
    tool_outputs: Mapping[str, str] | None = None,
    as_json: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
    backend_factory: BackendFactory = open_backend,
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    config = load_config()
    store = await ClientStore.open(data_dir() / STORE_FILE)
    for warning in store.warnings:  # a damaged store was moved aside: say where
        print(f"threadline: warning: {clean_line(warning)}", file=err)
    session = Session(config, profile_name, store, backend_factory)
    try:
        try:
            await session.connect()
        except (MissingKey, NoAssistant) as exc:
            print(f"threadline: error: {exc}", file=err)
            return EXIT_USAGE
        except SessionError as exc:
            print(f"threadline: error: {exc}", file=err)
            return EXIT_API_ERROR
        conversation = session.conversation(thread_id)
        conversation.tool_handlers = unattended_handlers(config)
        if assistant_id:
            conversation.assistant_id = assistant_id
        if not as_json:
            printer = ReplyPrinter(out)
            printer.state = conversation.state
            conversation.subscribe(printer)
        try:
            result = await _run_to_rest(conversation, text, tool_outputs or {}, config, err)
        except APIError as exc:
            print(f"threadline: error: {describe_failure(exc)}", file=err)
            return EXIT_API_ERROR
        if as_json:
            json.dump(conversation.state.to_json(), out, ensure_ascii=False, indent=2)
            out.write("\n")
        _report_end(result, err)
        return EXIT_OK if result.completed else EXIT_RUN_INCOMPLETE
    finally:
        await session.aclose()
        await store.close()
