"""The work of ``threadline send``: connect, send, answer tool calls, print, exit code."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from typing import TextIO

from threadline.api import APIError, MessageDeltaEvent, MessageEvent, RequiredToolCall
from threadline.cli import EXIT_API_ERROR, EXIT_OK, EXIT_RUN_INCOMPLETE, EXIT_USAGE
from threadline.cli.backend import open_backend
from threadline.config import load_config
from threadline.core.driver import Conversation, RunResult, Update
from threadline.core.run_state import RunState
from threadline.core.sanitize import StreamSanitizer, clean_line
from threadline.core.session import BackendFactory, MissingKey, NoAssistant, Session, SessionError
from threadline.core.store import STORE_FILE, ClientStore
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


def _answers(
    calls: list[RequiredToolCall], tool_outputs: Mapping[str, str]
) -> tuple[dict[str, str], list[RequiredToolCall]]:
    answers = {
        c.id: tool_outputs[c.function.name] for c in calls if c.function.name in tool_outputs
    }
    return answers, [c for c in calls if c.id not in answers]


def _report_end(result: RunResult, err: TextIO) -> None:
    if result.status == "completed":
        return
    reason = f": {clean_line(result.error)}" if result.error else ""
    print(f"threadline: run {result.status}{reason}", file=err)


async def _run_to_rest(
    conversation: Conversation, text: str, tool_outputs: Mapping[str, str], err: TextIO
) -> RunResult:
    result = await conversation.send(text)
    while result.status == "requires_action":
        answers, missing = _answers(result.pending_tool_calls, tool_outputs)
        if missing:
            for call in missing:
                print(
                    f"threadline: needs tool output: {clean_line(call.function.name)} "
                    f"{clean_line(call.function.arguments)} (call {clean_line(call.id)}); "
                    f"answer with --tool-output {clean_line(call.function.name)}=VALUE",
                    file=err,
                )
            return result
        result = await conversation.submit_tool_outputs(answers)
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
        if assistant_id:
            conversation.assistant_id = assistant_id
        if not as_json:
            printer = ReplyPrinter(out)
            printer.state = conversation.state
            conversation.subscribe(printer)
        try:
            result = await _run_to_rest(conversation, text, tool_outputs or {}, err)
        except APIError as exc:
            print(f"threadline: error: {clean_line(str(exc))}", file=err)
            return EXIT_API_ERROR
        if as_json:
            json.dump(conversation.state.to_json(), out, ensure_ascii=False, indent=2)
            out.write("\n")
        _report_end(result, err)
        return EXIT_OK if result.completed else EXIT_RUN_INCOMPLETE
    finally:
        await session.aclose()
        await store.close()
