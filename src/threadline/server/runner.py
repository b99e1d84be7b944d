"""The run life cycle: start a run's engine in a task, pause it for tool outputs, end it.

``queued`` -> ``in_progress`` -> (``requires_action`` -> ``in_progress``)* -> ``completed`` |
``failed`` | ``cancelled`` (via ``cancelling``) | ``incomplete`` | ``expired``.

A run's task belongs to the server, not to a request: a streamed response only watches
(through the :class:`Hub`), so a client that disconnects leaves the run going, and a client
that never streamed can poll. One run at a time may be active on a thread.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

from threadline.api import Assistant, Message, Run

from .apierrors import invalid
from .clock import Clock
from .context import EngineContext
from .engines.base import Engine, EngineError, RunIncomplete, estimate_tokens
from .hub import Hub, Subscription
from .session import RunSession, copy_json
from .store import Store

log = logging.getLogger(__name__)

ACTIVE_STATUSES = ("queued", "in_progress", "requires_action", "cancelling")
STOPPED_MESSAGE = "The server stopped before the run finished."


class Runner:
    """Owns every active run: its session (live objects) and its engine task."""

    def __init__(
        self, store: Store, engine: Engine, *, hub: Hub | None = None, clock: Clock | None = None
    ) -> None:
        self.store = store
        self.engine = engine
        self.hub = hub or Hub()
        self.clock = clock or Clock()
        self._live: dict[str, RunSession] = {}  # any live object id -> its session
        self._runs: dict[str, RunSession] = {}  # active run id -> session
        self._by_thread: dict[str, str] = {}  # thread id -> its active run id
        self._tasks: dict[str, asyncio.Task[None]] = {}

    # --- reads ------------------------------------------------------------------------

    def snapshot(self, object_id: str) -> dict[str, Any] | None:
        """The live version of a run, step or message of an active run, else None."""
        session = self._live.get(object_id)
        return session.snapshot(object_id) if session is not None else None

    def overlay(self, items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """Stored objects with live ones in place of their stored versions."""
        return [self.snapshot(item["id"]) or item for item in items]

    def set_metadata(self, object_id: str, metadata: dict[str, str]) -> dict[str, Any] | None:
        """Change a live object's metadata; None if the object is not live."""
        session = self._live.get(object_id)
        return session.set_metadata(object_id, metadata) if session is not None else None

    def active_run(self, thread_id: str) -> str | None:
        return self._by_thread.get(thread_id)

    # --- starting ---------------------------------------------------------------------

    async def start(
        self,
        run: dict[str, Any],
        assistant: dict[str, Any],
        *,
        stream: bool,
        prelude: Iterable[tuple[str, dict[str, Any]]] = (),
    ) -> tuple[dict[str, Any], Subscription | None]:
        """Store a new queued run and start it. With ``stream``, the subscription gets
        ``prelude`` (``thread.created``) then every event up to the run's first pause."""
        thread_id = run["thread_id"]
        if thread_id in self._by_thread:
            raise invalid(
                f"Thread {thread_id} already has an active run {self._by_thread[thread_id]}."
            )
        session = RunSession(
            run, store=self.store, hub=self.hub, clock=self.clock, registry=self._live
        )
        self._runs[run["id"]] = session
        self._by_thread[thread_id] = run["id"]
        session.persist("run", run)
        subscription = self.hub.subscribe(run["id"]) if stream else None
        if subscription is not None:
            for event, data in prelude:
                subscription.push_event(event, data)
        session.emit("thread.run.created", run)
        session.emit("thread.run.queued", run)
        snapshot = copy_json(run)
        await session.flush()  # the response promises the run exists
        task = asyncio.create_task(self._drive(session, assistant), name=f"run {run['id']}")
        self._tasks[run["id"]] = task
        return snapshot, subscription

    async def _context_messages(self, run: dict[str, Any]) -> list[Message]:
        strategy = run["truncation_strategy"]
        last = strategy.get("last_messages") if strategy["type"] == "last_messages" else None
        rows = await self.store.thread_messages(run["thread_id"], last)
        limit = run.get("max_prompt_tokens")
        if strategy["type"] == "auto" and limit is not None:
            # Drop the oldest messages until the prompt may fit (the last always stays).
            sizes = [estimate_tokens(_text_of(row)) for row in rows]
            budget = limit - estimate_tokens(run.get("instructions") or "")
            while len(rows) > 1 and sum(sizes) > budget:
                rows.pop(0)
                sizes.pop(0)
        return [Message.model_validate(row) for row in rows]

    async def _drive(self, session: RunSession, assistant: dict[str, Any]) -> None:
        try:
            session.started = True
            if session.stop_reason is not None:  # cancelled before the task began
                raise asyncio.CancelledError
            messages = await self._context_messages(session.run)
            session.set_status("in_progress", started_at=session.now())
            context = EngineContext(
                session,
                run=Run.model_validate(session.run),
                assistant=Assistant.model_validate(assistant),
                messages=messages,
            )
            await self.engine.run(context)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            session.finishing = True
            self._stopped(session)
        except EngineError as exc:
            session.finishing = True
            session.finish("failed", last_error={"code": exc.code, "message": exc.message})
        except RunIncomplete as exc:
            session.finishing = True
            session.finish("incomplete", incomplete_reason=exc.reason)
        except Exception as exc:
            log.exception("engine %s failed on run %s", self.engine.name, session.id)
            session.finishing = True
            session.finish(
                "failed",
                last_error={"code": "server_error", "message": f"The engine failed: {exc}"},
            )
        else:
            session.finishing = True
            session.finish("completed")
        finally:
            # The thread is free for its next run as soon as this one is terminal.
            self._by_thread.pop(session.run["thread_id"], None)
            self._runs.pop(session.id, None)
        try:
            await session.flush()
        finally:
            session.release()
            self._tasks.pop(session.id, None)

    def _stopped(self, session: RunSession) -> None:
        reason = session.stop_reason
        if reason == "cancel":
            session.finish("cancelled")
        elif reason == "expire" or session.run["status"] == "requires_action":
            session.finish("expired")
        else:  # the server is shutting down
            error = {"code": "server_error", "message": STOPPED_MESSAGE}
            session.finish("failed", last_error=error)

    # --- tool outputs, cancel, expiry -------------------------------------------------

    def submit_tool_outputs(
        self, run_id: str, thread_id: str, tool_outputs: list[dict[str, Any]], *, stream: bool
    ) -> tuple[dict[str, Any], Subscription | None]:
        session = self._runs.get(run_id)
        if session is None or session.run["thread_id"] != thread_id:
            raise _not_active("submit tool outputs to", run_id)
        status = session.run["status"]
        if status != "requires_action" or session.finishing:
            raise invalid(
                f'Runs in status "{status}" do not accept tool outputs.', param="tool_outputs"
            )
        pending = [call["id"] for call in session.pending_calls]
        outputs: dict[str, str] = {}
        for index, item in enumerate(tool_outputs):
            call_id = item["tool_call_id"]
            if call_id not in pending:
                raise invalid(
                    f"No tool call with id '{call_id}' is waiting for output.",
                    param=f"tool_outputs[{index}].tool_call_id",
                )
            if call_id in outputs:
                raise invalid(
                    f"Duplicate output for tool call '{call_id}'.",
                    param=f"tool_outputs[{index}].tool_call_id",
                )
            outputs[call_id] = item.get("output") or ""
        missing = [call_id for call_id in pending if call_id not in outputs]
        if missing:
            raise invalid(
                "Expected tool outputs for call_ids "
                f"{pending}, missing {missing}: submit every output in one request.",
                param="tool_outputs",
            )
        subscription = self.hub.subscribe(run_id) if stream else None
        session.accept_outputs(outputs)
        return copy_json(session.run), subscription

    def cancel(self, run_id: str, thread_id: str) -> dict[str, Any]:
        """Ask an active run to stop: it is ``cancelling`` now and ``cancelled`` soon."""
        session = self._runs.get(run_id)
        if session is None or session.run["thread_id"] != thread_id:
            raise _not_active("cancel", run_id)
        if session.finishing or session.stop_reason is not None:
            return copy_json(session.run)  # type: ignore[no-any-return]
        session.stop_reason = "cancel"
        session.set_status("cancelling")
        task = self._tasks.get(run_id)
        if task is not None and session.started:
            task.cancel()
        return copy_json(session.run)  # type: ignore[no-any-return]

    async def wait(self, run_id: str) -> None:
        """Until the run is no longer active and its objects are stored."""
        task = self._tasks.get(run_id)
        if task is not None:
            await asyncio.shield(task)

    # --- server start and stop --------------------------------------------------------

    async def recover(self) -> int:
        """End the runs a previous server left active: their tasks are gone with it.
        Runs driven by another live process sharing the file are left alone.

        A run waiting for tool outputs expires, a cancelling one is cancelled, the others
        fail with ``server_error``; their open steps and messages are closed to match.
        Returns how many runs were ended.
        """
        runs = await self.store.orphaned_runs(ACTIVE_STATUSES)
        now = self.clock.timestamp()
        for run in runs:
            status = {"requires_action": "expired", "cancelling": "cancelled"}.get(
                run["status"], "failed"
            )
            stamp = {"failed": "failed_at", "cancelled": "cancelled_at"}.get(status)
            run.update(status=status, required_action=None)
            if stamp:
                run[stamp] = now
            if status == "failed":
                run["last_error"] = {"code": "server_error", "message": STOPPED_MESSAGE}
            writes: list[tuple[Any, dict[str, Any]]] = [("run", run)]
            step_status = status
            for step in await self.store.run_steps(run["id"]):
                if step["status"] == "in_progress":
                    step["status"] = step_status
                    step[f"{step_status}_at"] = now
                    writes.append(("step", step))
            reason = {"expired": "run_expired", "cancelled": "run_cancelled"}.get(
                status, "run_failed"
            )
            for message in await self.store.run_messages(run["thread_id"], run["id"]):
                if message["status"] == "in_progress":
                    message.update(
                        status="incomplete",
                        incomplete_at=now,
                        incomplete_details={"reason": reason},
                    )
                    writes.append(("message", message))
            await self.store.put_many(writes)
        return len(runs)

    async def shutdown(self) -> None:
        """Stop every active run (each ends failed or expired) and end all streams."""
        for session in list(self._runs.values()):
            if session.stop_reason is None:
                session.stop_reason = "shutdown"
            task = self._tasks.get(session.id)
            if task is not None and session.started:
                task.cancel()
        tasks = list(self._tasks.values())
        await asyncio.gather(*tasks, return_exceptions=True)
        self.hub.close_all()


def _not_active(action: str, run_id: str) -> Exception:
    return invalid(f"Cannot {action} run {run_id}: it is not active.")


def _text_of(message: dict[str, Any]) -> str:
    return "".join(
        block["text"]["value"] for block in message.get("content", []) if block["type"] == "text"
    )
