"""A fake backend for the TUI tests: the real local store, scripted runs, no server.

:class:`FakeSession` honours ``core.session.Session``'s surface (core-contract.md) with
a real :class:`ClientStore`, so threads, drafts and recall persist like the real thing.
:class:`FakeConversation` streams scripted events through the real ``RunState`` and
``parse_event`` and publishes the real ``Update`` objects, in the driver's order
(``accepted`` before the first event is applied; every callback after the reducer).

Runs can be held mid-stream (:attr:`FakeConversation.hold_after`) so a test can look at
the screen while a reply is streaming, then :meth:`FakeConversation.release` it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from threadline.api import (
    AnyEvent,
    APIConnectionError,
    Assistant,
    Message,
    RequiredToolCall,
    Run,
    RunStep,
    iter_sse,
    parse_event,
)
from threadline.config import Config
from threadline.core.driver import RunResult, Update, title_from
from threadline.core.run_state import RunState
from threadline.core.session import NEW_THREAD, NotConnected, ThreadGone
from threadline.core.store import CapturedEvent, ClientStore, ThreadEntry
from threadline.core.thread_settings import AssistantChoice, ThreadSettings

NOW = 1_773_500_940  # 2026-03-14 15:09 UTC: every fake timestamp is near it
_ids = itertools.count(1)


def reset_ids() -> None:
    """Ids restart for each test, so screens that show them are the same in any order."""
    global _ids
    _ids = itertools.count(1)


def next_id(prefix: str) -> str:
    return f"{prefix}_{next(_ids):04d}"


def event(name: str, data: dict[str, Any]) -> AnyEvent:
    return parse_event(name, json.dumps(data))


def message_dict(
    message_id: str,
    thread_id: str,
    role: str,
    text: str,
    *,
    run_id: str | None = None,
    status: str = "completed",
    created_at: int = NOW,
    content: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "id": message_id,
        "object": "thread.message",
        "created_at": created_at,
        "thread_id": thread_id,
        "role": role,
        "status": status,
        "run_id": run_id,
        "content": content
        if content is not None
        else [{"type": "text", "text": {"value": text, "annotations": []}}],
    }


def make_message(thread_id: str, role: str, text: str, **kw: Any) -> Message:
    return Message.model_validate(message_dict(next_id("msg"), thread_id, role, text, **kw))


def words(text: str) -> list[str]:
    """``text`` as word-sized fragments (spaces kept), the way a model streams."""
    parts: list[str] = []
    for i, word in enumerate(text.split(" ")):
        parts.append(word if i == 0 else " " + word)
    return parts


def reply_events(
    thread_id: str,
    new_thread: bool,
    fragments: list[str],
    *,
    run_status: str = "completed",
    error: dict[str, str] | None = None,
) -> list[AnyEvent]:
    """A whole run as the API streams it: thread?, run, step, message, deltas, ends."""
    run_id, step_id, msg_id = next_id("run"), next_id("step"), next_id("msg")
    run = {
        "id": run_id,
        "object": "thread.run",
        "created_at": NOW,
        "thread_id": thread_id,
        "assistant_id": "asst_demo",
        "status": "queued",
        "model": "demo-model",
    }
    events: list[AnyEvent] = []
    if new_thread:
        events.append(event("thread.created", {"id": thread_id, "created_at": NOW}))
    events += [
        event("thread.run.created", run),
        event("thread.run.in_progress", {**run, "status": "in_progress", "started_at": NOW}),
        event(
            "thread.run.step.created",
            {
                "id": step_id,
                "run_id": run_id,
                "thread_id": thread_id,
                "type": "message_creation",
                "status": "in_progress",
                "step_details": {
                    "type": "message_creation",
                    "message_creation": {"message_id": msg_id},
                },
            },
        ),
        event(
            "thread.message.created",
            message_dict(msg_id, thread_id, "assistant", "", run_id=run_id, status="in_progress")
            | {"content": []},
        ),
    ]
    for fragment in fragments:
        events.append(
            event(
                "thread.message.delta",
                {
                    "id": msg_id,
                    "object": "thread.message.delta",
                    "delta": {
                        "content": [{"index": 0, "type": "text", "text": {"value": fragment}}]
                    },
                },
            )
        )
    final = "completed" if run_status == "completed" else "incomplete"
    events.append(
        event(
            f"thread.message.{final}",
            message_dict(msg_id, thread_id, "assistant", "".join(fragments), run_id=run_id)
            | {"status": final},
        )
    )
    end = {**run, "status": run_status, "started_at": NOW, "completed_at": NOW + 2}
    if error is not None:
        end["last_error"] = error
    events.append(event(f"thread.run.{run_status}", end))
    events.append(parse_event("done", "[DONE]"))
    return events


def sse_events(path: Path) -> list[AnyEvent]:
    return [parse_event(e.event, e.data) for e in iter_sse([path.read_bytes()])]


Reply = Callable[[str], list[str]]


class FakeConversation:
    def __init__(self, session: FakeSession, thread_id: str | None) -> None:
        self.session = session
        self.thread_id = thread_id
        self.state = RunState()
        self.run_id: str | None = None
        self.active = False
        self._subscribers: list[Callable[[Update], None]] = []
        self.hold_after: int | None = None  # deltas to stream before waiting for release()
        self._released = asyncio.Event()
        self._cancelled = False
        self.fail_next: Exception | None = None
        self.sent: list[str] = []

    # --- the contract -----------------------------------------------------------------

    def subscribe(self, callback: Callable[[Update], None]) -> Callable[[], None]:
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback)

    @property
    def run_status(self) -> str | None:
        return self.state.run_status

    @property
    def pending_tool_calls(self) -> list[RequiredToolCall]:
        return []

    tool_round = None  # scripted runs never wait for tool output

    async def send(self, text: str, options: object = None) -> RunResult:
        self.sent.append(text)
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            self._emit(Update("failed", error=str(error)))
            raise error
        new_thread = self.thread_id is None
        thread_id = self.thread_id or next_id("thread")
        events = self.session.script(self, text, thread_id, new_thread)
        self.active, self._cancelled = True, False
        self._released.clear()
        deltas = 0
        try:
            for index, ev in enumerate(events):
                if index == 0:
                    await self._accepted(thread_id, text)
                if ev.event == "thread.message.delta":
                    deltas += 1
                    if self.hold_after is not None and deltas > self.hold_after:
                        await self._released.wait()
                        self.hold_after = None
                if self._cancelled:
                    self._apply_cancel(thread_id)
                    break
                arrivals = self.session.arrivals
                self._apply(ev, arrivals[index] if arrivals and index < len(arrivals) else None)
                await asyncio.sleep(0)
        finally:
            self.active = False
        self.session.remember(self)
        result = RunResult(self.run_status or "unknown", self.run_id, self.thread_id)
        self._emit(Update("finished", status=result.status, error=self._error()))
        return result

    async def cancel(self) -> RunResult:
        self._cancelled = True
        self._released.set()
        return RunResult(self.run_status or "unknown", self.run_id, self.thread_id)

    async def submit_tool_outputs(self, outputs: dict[str, str]) -> RunResult:
        raise NotImplementedError

    # --- test controls ----------------------------------------------------------------

    def release(self) -> None:
        self._released.set()

    # --- internals --------------------------------------------------------------------

    def _emit(self, update: Update) -> None:
        for callback in list(self._subscribers):
            callback(update)

    async def _accepted(self, thread_id: str, text: str) -> None:
        self.thread_id = thread_id
        store, profile = self.session.store, self.session.profile_name
        if await store.get_thread(profile, thread_id) is None:
            await store.upsert_thread(
                ThreadEntry(profile, thread_id, title_from(text), NOW, NOW, "streaming")
            )
        await store.record_sent(profile, thread_id, text)
        self.session.server_messages.setdefault(thread_id, []).append(
            make_message(thread_id, "user", text)
        )
        self._emit(Update("accepted"))

    def _apply(self, ev: AnyEvent, at: float | None = None) -> None:
        change = self.state.apply(ev)
        if change.kind == "run" and change.object_id is not None:
            self.run_id = change.object_id
        raw = None
        if at is not None:  # the driver's captured copy, with the scripted arrival time
            raw = CapturedEvent(at, ev.event, json.dumps(ev.data_dict(), ensure_ascii=False))
        self._emit(Update("event", change, ev, raw=raw))

    def _apply_cancel(self, thread_id: str) -> None:
        assert self.run_id is not None
        run = self.state.run_dict(self.run_id) | {"status": "cancelled", "cancelled_at": NOW}
        for message_id in self.state.message_ids():
            data = self.state.message_dict(message_id)
            if data.get("status") == "in_progress":
                self._apply(event("thread.message.incomplete", data | {"status": "incomplete"}))
        self._apply(event("thread.run.cancelled", run))

    def _error(self) -> str | None:
        if self.run_id is None:
            return None
        run = self.state.run(self.run_id)
        return f"{run.last_error.code}: {run.last_error.message}" if run.last_error else None


def default_script(
    conversation: FakeConversation, text: str, thread_id: str, new_thread: bool
) -> list[AnyEvent]:
    return reply_events(thread_id, new_thread, words(f"You said: {text}"))


class FakeSession:
    """One profile, a real store, a scripted backend."""

    def __init__(
        self,
        store: ClientStore,
        *,
        profile_name: str = "local",
        label: str = "local · demo",
        is_demo: bool = True,
        connect_error: Exception | None = None,
        assistant: Assistant | None = None,
    ) -> None:
        self.store = store
        self.profile_name = profile_name
        self.label = label
        self.is_demo = is_demo
        self.connect_error = connect_error
        self.assistant: Assistant | None = None
        self._assistant = assistant or Assistant(
            id="asst_demo", name="Threadline Demo", model="demo-model"
        )
        self.connected = False
        self.server_messages: dict[str, list[Message]] = {}  # what the "server" holds
        self.gone: set[str] = set()  # threads the server lost
        self.conversations: dict[str | None, FakeConversation] = {}
        self.script = default_script
        self.arrivals: list[float] | None = None  # arrival offsets of the script's events
        self.closed = False
        self.settings: dict[str | None, ThreadSettings] = {}  # thread id -> its settings
        self.more_assistants: list[Assistant] = []  # listed by the picker after the default

    @property
    def model(self) -> str:
        return self.assistant.model if self.assistant else ""

    async def connect(self) -> None:
        if self.connect_error is not None:
            raise self.connect_error
        self.connected = True
        self.assistant = self._assistant

    async def aclose(self) -> None:
        self.closed = True

    def _need_server(self) -> None:
        if not self.connected:
            raise NotConnected(f"{self.label}: not connected")

    # --- threads ----------------------------------------------------------------------

    async def threads(self, query: str = "") -> list[ThreadEntry]:
        return await self.store.list_threads(self.profile_name, query)

    async def add_thread(
        self,
        title: str,
        messages: Iterable[tuple[str, str]] = (),
        *,
        at: float = NOW,
        status: str = "",
    ) -> str:
        """Test setup: a thread in the index and on the "server", with messages."""
        thread_id = next_id("thread")
        await self.store.upsert_thread(
            ThreadEntry(self.profile_name, thread_id, title, at, at, status)
        )
        self.server_messages[thread_id] = [
            make_message(thread_id, role, text, created_at=int(at)) for role, text in messages
        ]
        await self.store.cache_messages(
            self.profile_name, thread_id, self.server_messages[thread_id]
        )
        return thread_id

    async def rename_thread(self, thread_id: str, title: str) -> None:
        await self.store.rename_thread(self.profile_name, thread_id, title)

    async def delete_thread(self, thread_id: str, *, local_only: bool = False) -> None:
        if not local_only:
            self._need_server()
            if thread_id in self.gone:
                raise ThreadGone(f"the server has no thread {thread_id}")
            self.server_messages.pop(thread_id, None)
        await self.store.remove_thread(self.profile_name, thread_id)

    async def import_thread(self, thread_id: str) -> ThreadEntry:
        self._need_server()
        if thread_id not in self.server_messages:
            raise ThreadGone(f"the server has no thread {thread_id!r}")
        entry = ThreadEntry(self.profile_name, thread_id, f"Imported {thread_id}", NOW, NOW)
        await self.store.upsert_thread(entry)
        return entry

    # --- messages ---------------------------------------------------------------------

    async def cached_messages(
        self, thread_id: str, limit: int = 50, before: str | None = None
    ) -> list[Message]:
        return await self.store.cached_messages(self.profile_name, thread_id, limit, before)

    async def cached_messages_after(
        self, thread_id: str, after: str | None, limit: int = 50
    ) -> list[Message]:
        return await self.store.cached_messages_after(self.profile_name, thread_id, after, limit)

    async def cached_message(self, thread_id: str, message_id: str) -> Message | None:
        return await self.store.cached_message(self.profile_name, thread_id, message_id)

    async def latest_messages(self, thread_id: str, limit: int = 30) -> list[Message]:
        self._need_server()
        return self.server_messages.get(thread_id, [])[-limit:]

    async def older_messages(
        self, thread_id: str, before_id: str, limit: int = 30
    ) -> list[Message]:
        self._need_server()
        messages = self.server_messages.get(thread_id, [])
        ids = [m.id for m in messages]
        end = ids.index(before_id) if before_id in ids else 0
        return messages[max(0, end - limit) : end]

    async def newer_messages(
        self, thread_id: str, after_id: str | None, limit: int = 30
    ) -> list[Message]:
        self._need_server()
        messages = self.server_messages.get(thread_id, [])
        ids = [m.id for m in messages]
        start = ids.index(after_id) + 1 if after_id in ids else 0
        return messages[start : start + limit]

    def remember(self, conversation: FakeConversation) -> None:
        """After a run: the assistant's messages are on the "server" too."""
        assert conversation.thread_id is not None
        held = self.server_messages.setdefault(conversation.thread_id, [])
        known = {m.id for m in held}
        held.extend(m for m in conversation.state.messages() if m.id not in known)
        self.conversations[conversation.thread_id] = conversation

    # --- conversations ----------------------------------------------------------------

    def conversation(self, thread_id: str | None) -> FakeConversation:
        self._need_server()
        new = self.conversations.get(None)
        if new is not None and new.thread_id is not None:
            self.conversations[new.thread_id] = self.conversations.pop(None)
        if thread_id not in self.conversations:
            self.conversations[thread_id] = FakeConversation(self, thread_id)
        return self.conversations[thread_id]

    # --- drafts -----------------------------------------------------------------------

    async def get_draft(self, key: str) -> str:
        return await self.store.get_draft(self.profile_name, key)

    async def save_draft(self, key: str, text: str) -> None:
        await self.store.save_draft(self.profile_name, key, text)

    async def last_sent(self, key: str) -> str | None:
        return await self.store.last_sent(self.profile_name, key)

    # --- the inspector: runs and steps come from the scripted runs' states ------------

    def _states(self, thread_id: str) -> list[RunState]:
        return [c.state for c in self.conversations.values() if c.thread_id == thread_id]

    async def runs(self, thread_id: str, limit: int = 20) -> list[Run]:
        self._need_server()
        runs = [run for state in self._states(thread_id) for run in state.runs()]
        return sorted(runs, key=lambda run: run.created_at, reverse=True)[:limit]

    async def steps(self, thread_id: str, run_id: str, include: object = ()) -> list[RunStep]:
        self._need_server()
        return [step for state in self._states(thread_id) for step in state.steps(run_id)]

    async def message(self, thread_id: str, message_id: str) -> Message:
        self._need_server()
        return next(m for m in self.server_messages.get(thread_id, []) if m.id == message_id)

    async def captured_events(self, run_id: str) -> list[CapturedEvent]:
        return await self.store.captured_events(run_id)

    def redact(self, text: str) -> str:
        return text

    # --- per-thread assistant and run options (in memory) -----------------------------

    def thread_settings(self, thread_id: str | None) -> ThreadSettings:
        return self.settings.get(thread_id, ThreadSettings())

    def assistant_for(self, thread_id: str | None) -> AssistantChoice | None:
        chosen = self.thread_settings(thread_id).assistant
        return chosen or (AssistantChoice.of(self.assistant) if self.assistant else None)

    async def set_thread_settings(self, conversation: Any, settings: ThreadSettings) -> None:
        self.settings[conversation.thread_id] = settings
        conversation.run_options = settings.options

    async def adopt_thread_settings(self, conversation: Any) -> None:
        if conversation.thread_id is not None and None in self.settings:
            self.settings[conversation.thread_id] = self.settings.pop(None)

    async def assistants(self) -> list[Assistant]:
        return [self._assistant, *self.more_assistants]


def unreachable() -> APIConnectionError:
    return APIConnectionError("cannot connect to 127.0.0.1:9: connection refused", sent=False)


__all__ = [
    "NEW_THREAD",
    "NOW",
    "Config",
    "FakeConversation",
    "FakeSession",
    "make_message",
    "reply_events",
    "sse_events",
    "unreachable",
    "words",
]
