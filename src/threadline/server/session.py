"""One run's live objects, and each change to them as a stream event and a store write.

While a run is active its run, steps and messages live here, in memory: a token is an
append to a list and, if a stream watches, one encoded event; nothing touches the disk.
Transitions (a status change, a step or message opened or closed) are also queued for the
store's writer thread, in order, without waiting. Reads of these objects come from here
(:meth:`RunSession.snapshot`) until the run is over and its last write committed.

Events carry the exact payloads of the hosted API's streams (see the recordings in
``tests/conformance/streams``); deltas on the hot path are assembled as JSON text directly.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from . import objects
from .clock import Clock
from .hub import Hub
from .store import Kind, Store, encode


def copy_json(value: Any) -> Any:
    """A deep copy of plain JSON values."""
    if isinstance(value, dict):
        return {k: copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_json(v) for v in value]
    return value


class LiveMessage:
    """An assistant message being streamed: one text block built from appended pieces."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.parts: list[str] = []
        self.length = 0  # characters so far, for annotation offsets
        self.annotations: list[dict[str, Any]] = []
        self.started = False  # the first delta carries "annotations": []
        # The constant head and tail of this message's text deltas, as JSON text.
        head = encode({"id": data["id"], "object": "thread.message.delta"})[:-1]
        self.delta_head = head + ',"delta":{"content":[{"index":0,"type":"text","text":{"value":'

    @property
    def id(self) -> str:
        return str(self.data["id"])

    def text(self) -> str:
        if len(self.parts) > 1:
            self.parts = ["".join(self.parts)]
        return self.parts[0] if self.parts else ""

    def snapshot(self) -> dict[str, Any]:
        data: dict[str, Any] = copy_json(self.data)
        if self.started:
            data["content"] = [
                {
                    "type": "text",
                    "text": {"value": self.text(), "annotations": copy_json(self.annotations)},
                }
            ]
        return data


class RunSession:
    """The live state of one active run; every mutation goes through a method here."""

    def __init__(
        self,
        run: dict[str, Any],
        *,
        store: Store,
        hub: Hub,
        clock: Clock,
        registry: dict[str, RunSession],
    ) -> None:
        self.run = run
        self.store = store
        self.hub = hub
        self.clock = clock
        self.steps: dict[str, dict[str, Any]] = {}
        self.messages: dict[str, LiveMessage] = {}
        self.open_steps: list[str] = []
        self.open_messages: list[str] = []
        self.step_usage: dict[str, list[int]] = {}  # step id -> [prompt, completion]
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.registry = registry  # object id -> session, for reads of live objects
        registry[run["id"]] = self
        self.refreshers: dict[str, Callable[[], None]] = {}  # step id -> bring its dict up to date
        self.pending_calls: list[dict[str, Any]] = []  # the required_action tool calls
        self.action_step: dict[str, Any] | None = None
        self.started = False  # the task has begun: cancelling it now reaches the engine
        self.finishing = False
        self.outputs: asyncio.Future[dict[str, str]] | None = None
        self.stop_reason: str | None = None  # why the task was cancelled: cancel, expire, ...
        self._writes: list[asyncio.Future[None]] = []

    @property
    def id(self) -> str:
        return str(self.run["id"])

    # --- plumbing ---------------------------------------------------------------------

    def now(self) -> int:
        return self.clock.timestamp()

    def emit(self, event: str, data: dict[str, Any]) -> None:
        self.hub.publish(self.id, event, data)

    def persist(self, kind: Kind, data: dict[str, Any]) -> None:
        self._writes.append(self.store.put(kind, data))
        if len(self._writes) > 64:
            self._writes = [w for w in self._writes if not w.done()]

    async def flush(self) -> None:
        """Wait until every write queued so far is committed (failures were logged)."""
        writes, self._writes = self._writes, []
        await asyncio.gather(*writes, return_exceptions=True)

    def snapshot(self, object_id: str) -> dict[str, Any] | None:
        if object_id == self.id:
            return copy_json(self.run)  # type: ignore[no-any-return]
        if object_id in self.steps:
            refresh = self.refreshers.get(object_id)
            if refresh is not None:
                refresh()
            return copy_json(self.steps[object_id])  # type: ignore[no-any-return]
        message = self.messages.get(object_id)
        return message.snapshot() if message is not None else None

    def release(self) -> None:
        """Forget the live objects: reads go to the store from now on."""
        for object_id in (self.id, *self.steps, *self.messages):
            if self.registry.get(object_id) is self:
                del self.registry[object_id]

    def set_metadata(self, object_id: str, metadata: dict[str, str]) -> dict[str, Any]:
        """Modify a live object's metadata (the only field clients may change)."""
        if object_id == self.id:
            self.run["metadata"] = metadata
            self.persist("run", self.run)
        elif object_id in self.steps:
            self.steps[object_id]["metadata"] = metadata
            self.persist("step", self.steps[object_id])
        else:
            message = self.messages[object_id]
            message.data["metadata"] = metadata
            self.persist("message", message.snapshot())
        snapshot = self.snapshot(object_id)
        assert snapshot is not None
        return snapshot

    # --- the run ----------------------------------------------------------------------

    def set_status(self, status: str, **fields: Any) -> None:
        """Move the run to ``status`` (one ``thread.run.<status>`` event, one write)."""
        self.run["status"] = status
        self.run.update(fields)
        self.emit(f"thread.run.{status}", self.run)
        self.persist("run", self.run)

    def run_usage(self) -> dict[str, Any]:
        return objects.usage(self.prompt_tokens, self.completion_tokens)

    def count(self, prompt_tokens: int, completion_tokens: int) -> None:
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens
        if self.open_steps:
            counts = self.step_usage[self.open_steps[-1]]
            counts[0] += prompt_tokens
            counts[1] += completion_tokens

    # --- steps ------------------------------------------------------------------------

    def open_step(self, details: dict[str, Any]) -> dict[str, Any]:
        step = objects.step(self.run, self.now(), details)
        self.steps[step["id"]] = step
        self.registry[step["id"]] = self
        self.open_steps.append(step["id"])
        self.step_usage[step["id"]] = [0, 0]
        self.emit("thread.run.step.created", step)
        self.emit("thread.run.step.in_progress", step)
        self.persist("step", step)
        return step

    def step_delta(self, step: dict[str, Any], call: dict[str, Any]) -> None:
        """Stream one tool call delta (``call`` carries its ``index``)."""
        if self.hub.watched(self.id):
            self.emit(
                "thread.run.step.delta",
                {
                    "id": step["id"],
                    "object": "thread.run.step.delta",
                    "delta": {"step_details": {"type": "tool_calls", "tool_calls": [call]}},
                },
            )

    def close_step(self, step: dict[str, Any], status: str, **fields: Any) -> None:
        step["status"] = status
        step[f"{status}_at" if status != "expired" else "expired_at"] = self.now()
        step.update(fields)
        if status == "completed":
            prompt, completion = self.step_usage.get(step["id"], [0, 0])
            step["usage"] = objects.usage(prompt, completion)
        if step["id"] in self.open_steps:
            self.open_steps.remove(step["id"])
        self.emit(f"thread.run.step.{status}", step)
        self.persist("step", step)

    # --- messages ---------------------------------------------------------------------

    def open_message(self) -> tuple[LiveMessage, dict[str, Any]]:
        """A new assistant message and the ``message_creation`` step that makes it."""
        data = objects.message(
            self.run["thread_id"],
            self.now(),
            role="assistant",
            content=[],
            status="in_progress",
            assistant_id=self.run["assistant_id"],
            run_id=self.id,
        )
        step = self.open_step(
            {"type": "message_creation", "message_creation": {"message_id": data["id"]}}
        )
        message = LiveMessage(data)
        self.messages[message.id] = message
        self.registry[message.id] = self
        self.open_messages.append(message.id)
        self.emit("thread.message.created", data)
        self.emit("thread.message.in_progress", data)
        self.persist("message", data)
        return message, step

    def text_delta(self, message: LiveMessage, value: str) -> None:
        if not value:
            return
        first = not message.started
        message.started = True
        message.parts.append(value)
        message.length += len(value)
        if self.hub.watched(self.id):
            tail = ',"annotations":[]}}]}}' if first else "}}]}}"
            payload = message.delta_head + json.dumps(value, ensure_ascii=False) + tail
            self.hub.publish_json(self.id, "thread.message.delta", payload)

    def annotation_delta(
        self, message: LiveMessage, text: str, kind: str, file_id: str, quote: str | None
    ) -> None:
        start = message.length
        message.started = True
        message.parts.append(text)
        message.length += len(text)
        target: dict[str, Any] = {"file_id": file_id}
        if quote is not None:
            target["quote"] = quote
        annotation = {
            "type": kind,
            "text": text,
            "start_index": start,
            "end_index": message.length,
            kind: target,
        }
        index = len(message.annotations)
        message.annotations.append(annotation)
        self.emit(
            "thread.message.delta",
            {
                "id": message.id,
                "object": "thread.message.delta",
                "delta": {
                    "content": [
                        {
                            "index": 0,
                            "type": "text",
                            "text": {
                                "value": text,
                                "annotations": [{"index": index, **annotation}],
                            },
                        }
                    ]
                },
            },
        )

    def close_message(
        self, message: LiveMessage, status: str, reason: str | None = None
    ) -> dict[str, Any]:
        data = message.snapshot()
        data["status"] = status
        if status == "completed":
            data["completed_at"] = self.now()
        else:
            data["incomplete_at"] = self.now()
            data["incomplete_details"] = {"reason": reason}
        message.data = data
        message.parts = [message.text()]
        if message.id in self.open_messages:
            self.open_messages.remove(message.id)
        self.emit(f"thread.message.{status}", data)
        self.persist("message", data)
        return data

    # --- requires_action --------------------------------------------------------------

    def require_action(
        self, step: dict[str, Any], calls: list[dict[str, Any]]
    ) -> asyncio.Future[dict[str, str]]:
        """Ask the client for these function calls' outputs; the future gets them."""
        self.action_step = step
        self.pending_calls = calls
        self.outputs = asyncio.get_running_loop().create_future()
        self.set_status(
            "requires_action",
            required_action={
                "type": "submit_tool_outputs",
                "submit_tool_outputs": {"tool_calls": copy_json(calls)},
            },
        )
        return self.outputs

    def accept_outputs(self, outputs: dict[str, str]) -> None:
        """Outputs arrived: complete the step with them, queue the run again."""
        step = self.action_step
        assert step is not None
        self.action_step = None
        for call in step["step_details"]["tool_calls"]:
            if call["type"] == "function" and call["id"] in outputs:
                call["function"]["output"] = outputs[call["id"]]
        self.close_step(step, "completed")
        self.pending_calls = []
        self.set_status("queued", required_action=None)
        if self.outputs is not None and not self.outputs.done():
            self.outputs.set_result(outputs)

    # --- the end ----------------------------------------------------------------------

    def finish(
        self,
        status: str,
        *,
        last_error: dict[str, str] | None = None,
        incomplete_reason: str | None = None,
    ) -> None:
        """Close whatever is open to match ``status``, then the run itself."""
        message_status, message_reason = {
            "completed": ("completed", None),
            "failed": ("incomplete", "run_failed"),
            "cancelled": ("incomplete", "run_cancelled"),
            "expired": ("incomplete", "run_expired"),
            "incomplete": ("incomplete", "max_tokens"),
        }[status]
        step_status = {"incomplete": "completed"}.get(status, status)
        for message_id in list(self.open_messages):
            self.close_message(self.messages[message_id], message_status, message_reason)
        for step_id in list(self.open_steps):
            fields: dict[str, Any] = {}
            if step_status == "failed" and last_error is not None:
                code = last_error["code"]
                fields["last_error"] = {
                    "code": code if code == "rate_limit_exceeded" else "server_error",
                    "message": last_error["message"],
                }
            self.close_step(self.steps[step_id], step_status, **fields)
        now = self.now()
        fields = {"required_action": None, "expires_at": None, "usage": self.run_usage()}
        if status == "failed":
            fields.update(failed_at=now, last_error=last_error)
        elif status == "cancelled":
            fields["cancelled_at"] = now
        elif status == "completed":
            fields["completed_at"] = now
        elif status == "incomplete":
            fields["incomplete_details"] = {"reason": incomplete_reason}
        elif status == "expired":
            del fields["expires_at"]  # when it expired
        self.set_status(status, **fields)
