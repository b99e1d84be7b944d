"""The conversation driver: one thread's runs, from a user message to the run's end.

Used by the TUI and by ``threadline send`` alike. It sends a user message (create-thread-
and-run for a new thread, else create-run carrying the message, one streamed request),
feeds every event through the reducer, publishes :class:`Update` s, submits tool outputs,
cancels, and, when a stream drops before the run is at rest, polls the run, its steps and
its messages until it is, reconciling them into the same state.

Two promises hold everywhere:

* the same user message is never sent twice: a request is only retried (by the client)
  where the server cannot have acted on it, and after a started stream breaks the driver
  recovers by reading, never by sending again (a stream lost before its first event, on
  a thread it knows, is followed through the thread's newest run: the 200 says the server
  made one; on a new thread nothing names it, so that is reported as ``"failed"``);
* the text is never lost: until the server has acted (:attr:`Update.kind` ``"accepted"``)
  the caller keeps it, and a failure before that is reported as ``"failed"``.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from threadline.api import (
    TERMINAL_RUN_STATUSES,
    AnyEvent,
    APIConnectionError,
    APIError,
    APIStatusError,
    AssistantsClient,
    DoneEvent,
    EventStream,
    RequiredToolCall,
    StreamInterruptedError,
    ThreadEvent,
)
from threadline.config import ToolHandler

from .capture import RawEvent
from .run_options import RunOptions
from .run_state import Change, RunState
from .sanitize import clean_line
from .store import CapturedEvent, ClientStore, ThreadEntry
from .subscribers import Subscribers
from .tool_round import ToolRound

UpdateKind = Literal["accepted", "event", "reconnecting", "recovered", "finished", "failed"]
RESTING = TERMINAL_RUN_STATUSES | {"requires_action"}
TITLE_LENGTH = 60
RUN_ONLY_FIELDS = frozenset({"additional_instructions", "reasoning_effort"})
"""Run options that create-thread-and-run does not take (only create-run does)."""


@dataclass(frozen=True, slots=True)
class Update:
    """One thing that happened to a conversation; subscribers get every one, in order."""

    kind: UpdateKind
    change: Change | None = None
    event: AnyEvent | None = None
    status: str | None = None
    error: str | None = None
    raw: RawEvent | None = None
    """For ``"event"``: the event as captured (name, raw data, arrival offset)."""


@dataclass(frozen=True, slots=True)
class RunResult:
    """How a send, submit or cancel ended."""

    status: str
    run_id: str | None
    thread_id: str | None
    error: str | None = None
    pending_tool_calls: list[RequiredToolCall] = field(default_factory=list)

    @property
    def completed(self) -> bool:
        return self.status == "completed"


class ConversationBusy(Exception):
    """A run of this conversation is already streaming."""


class RunLostError(APIError):
    """A run's stream was lost and reading the run back failed for good (the server stayed
    away past :attr:`PollPolicy.give_up`, or answered with an error waiting cannot fix).
    The run may still end on the server; nothing was sent again."""

    def __init__(
        self, run_id: str, cause: APIError, waited: float | None, *, stopped: bool = False
    ) -> None:
        if stopped:
            message = (
                f"stopped waiting for run {run_id}: the server did not answer ({cause}); "
                "the run may still end there"
            )
        else:
            how = f"did not answer for {waited:.0f} s" if waited is not None else "refused"
            message = f"lost the stream of run {run_id}, and the server {how}: {cause}"
        super().__init__(message)
        self.run_id = run_id
        self.cause = cause


@dataclass(frozen=True, slots=True)
class PollPolicy:
    """How to poll a run whose stream was lost: backoff from ``first`` up to ``cap`` seconds.

    Polls that fail for a while (the server restarting) are retried; once they have failed
    for ``give_up`` seconds in a row, or fail in a way waiting cannot fix (404, 401, ...),
    :class:`RunLostError` is raised instead of polling forever.
    """

    first: float = 0.5
    cap: float = 5.0
    idle_timeout: float = 60.0
    give_up: float = 120.0


def title_from(text: str) -> str:
    """A thread title from its first message: the first non-empty line, shortened."""
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    line = clean_line(line)
    return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1].rstrip() + "…"


def _transient(error: APIError) -> bool:
    """Whether a failed poll may succeed later: no connection, a timeout, 408/409/429, 5xx."""
    if isinstance(error, APIConnectionError):
        return True
    if isinstance(error, APIStatusError):
        return error.status_code in (408, 409, 429) or error.status_code >= 500
    return False


def _status_mark(status: str | None) -> str:
    if status in ("queued", "in_progress", "cancelling"):
        return "streaming"
    if status == "requires_action":
        return "requires_action"
    if status in ("failed", "expired"):
        return "failed"
    return ""


class Conversation:
    """The runs of one thread (or of a thread still to be created by the first send)."""

    def __init__(
        self,
        client: AssistantsClient,
        *,
        profile: str,
        assistant_id: str | None,
        thread_id: str | None = None,
        store: ClientStore | None = None,
        capture_retention: int = 200,
        poll: PollPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        tool_handlers: Mapping[str, ToolHandler] | None = None,
    ) -> None:
        self.client = client
        self.profile = profile
        self.assistant_id = assistant_id
        self.run_options: RunOptions | None = None
        """Options for every send that passes none (the thread's sticky run options)."""
        self.thread_id = thread_id
        self.store = store
        self.capture_retention = capture_retention
        self.poll = poll or PollPolicy()
        self._sleep = sleep
        self._poll_hint: float | None = None  # the server's openai-poll-after-ms, in seconds
        # Set by a cancel the server could not take while a lost stream is being followed.
        self._following = False  # polling a run whose stream was lost
        self._stop_following: APIError | None = None
        # Set once this drive's run is known (a send's stream named it, or a recovery found
        # it) and whenever nothing is being driven: a cancel waits for it.
        self._run_known = asyncio.Event()
        self._run_known.set()
        self._wake = asyncio.Event()
        self.state = RunState()
        self.run_id: str | None = None
        self.active = False
        self._subscribers: Subscribers[Update] = Subscribers()
        self._mark = ""
        self._capture: list[CapturedEvent] = []
        self._capture_start = 0.0
        self._title: str | None = None
        self.tool_handlers: Mapping[str, ToolHandler] = tool_handlers or {}
        """Handlers for function calls, by function name (``[tools]``); used by tool rounds."""
        self._tool_round: ToolRound | None = None

    # --- subscribers ------------------------------------------------------------------

    def subscribe(self, callback: Callable[[Update], None]) -> Callable[[], None]:
        """Call ``callback`` with every update; returns a function that unsubscribes."""
        return self._subscribers.add(callback)

    def _emit(self, update: Update) -> None:
        self._subscribers.emit(update)

    # --- reading the state ------------------------------------------------------------

    @property
    def run_status(self) -> str | None:
        if self.run_id is None or self.run_id not in self.state.run_ids():
            return None
        return self.state.run(self.run_id).status

    @property
    def pending_tool_calls(self) -> list[RequiredToolCall]:
        if self.run_id is None or self.run_id not in self.state.run_ids():
            return []
        run = self.state.run(self.run_id)
        if run.status != "requires_action" or run.required_action is None:
            return []
        return list(run.required_action.submit_tool_outputs.tool_calls)

    @property
    def tool_round(self) -> ToolRound | None:
        """The answers being prepared for the pending tool calls; None when none are pending.

        Made on first use for each ``requires_action`` pause and kept (with whatever was
        typed into it) until the run moves on, so a UI can leave and come back.
        """
        calls = self.pending_tool_calls
        if not calls or self.run_id is None:
            return None
        key = (self.run_id, tuple(call.id for call in calls))
        if self._tool_round is None or self._tool_round.key != key:
            if self._tool_round is not None:
                self._tool_round.cancel()
            run = self.state.run(self.run_id)
            self._tool_round = ToolRound(
                calls,
                tools=run.tools,
                handlers=self.tool_handlers,
                run_id=run.id,
                expires_at=run.expires_at,
            )
        return self._tool_round

    def result(self) -> RunResult:
        status = self.run_status or "unknown"
        error = None
        if self.run_id is not None and self.run_id in self.state.run_ids():
            run = self.state.run(self.run_id)
            if run.last_error is not None:
                error = f"{run.last_error.code}: {run.last_error.message}"
            elif run.incomplete_details is not None:
                error = f"incomplete: {run.incomplete_details.reason}"
        if error is None and self.state.errors:
            last = self.state.errors[-1]
            error = str(last.get("message") or last.get("code") or "stream error")
        return RunResult(status, self.run_id, self.thread_id, error, self.pending_tool_calls)

    # --- actions ----------------------------------------------------------------------

    async def send(self, text: str, options: RunOptions | None = None) -> RunResult:
        """Send a user message and stream the run it starts to rest."""
        if not text.strip():
            raise ValueError("an empty message cannot be sent")
        options = options if options is not None else self.run_options
        body: dict[str, Any] = options.to_body() if options else {}
        if self.assistant_id is not None:
            body.setdefault("assistant_id", self.assistant_id)
        message = {"role": "user", "content": text}
        if self.thread_id is None and not RUN_ONLY_FIELDS.isdisjoint(body):
            await self._create_thread_first(text)
        if self.thread_id is None:
            self._title = title_from(text)
            thread = {"messages": [message], "metadata": {"title": self._title}}
            stream = self.client.stream_thread_and_run(thread=thread, **body)
        else:
            stream = self.client.stream_run(self.thread_id, additional_messages=[message], **body)
        return await self._drive(stream, sent_text=text, previous_run=self.run_id)

    async def _create_thread_first(self, text: str) -> None:
        """An empty thread for a first message whose options create-thread-and-run lacks.

        The message then goes with the run (one request, as for any thread): if that request
        fails, the thread is known and empty, and sending again cannot duplicate the message.
        """
        if self.active:
            raise ConversationBusy("a run is already streaming in this conversation")
        self._title = title_from(text)
        try:
            thread = await self.client.create_thread(metadata={"title": self._title})
        except APIError as exc:
            self._emit(Update("failed", error=str(exc)))
            raise
        self.thread_id = thread.id

    async def submit_tool_outputs(self, outputs: Mapping[str, str]) -> RunResult:
        """Submit every pending call's output in one streamed request."""
        pending = {call.id for call in self.pending_tool_calls}
        if not pending:
            raise ValueError("the run is not waiting for tool outputs")
        missing = pending - set(outputs)
        if missing:
            raise ValueError(f"no output for tool call(s): {', '.join(sorted(missing))}")
        assert self.thread_id is not None and self.run_id is not None
        tool_outputs = [{"tool_call_id": i, "output": outputs[i]} for i in sorted(pending)]
        stream = self.client.stream_submit_tool_outputs(
            self.thread_id, self.run_id, tool_outputs=tool_outputs
        )
        return await self._drive(stream, sent_text=None, previous_run=None)

    async def submit_tool_round(self) -> RunResult:
        """Submit the tool round's outputs (:meth:`submit_tool_outputs`).

        Raises ``IncompleteRound`` (a ValueError) if a call has no output. If the request
        fails, the round keeps its outputs and says why in ``submit_error``.
        """
        tool_round = self.tool_round
        if tool_round is None:
            raise ValueError("the run is not waiting for tool outputs")
        outputs = tool_round.outputs()
        tool_round.submitting, tool_round.submit_error = True, None
        tool_round.changed()
        try:
            return await self.submit_tool_outputs(outputs)
        except APIError as exc:
            tool_round.submit_error = clean_line(str(exc))
            raise
        finally:
            tool_round.submitting = False
            tool_round.changed()

    async def cancel(self) -> RunResult:
        """Ask the server to cancel the current run; a live stream reports the end."""
        if self._tool_round is not None:
            self._tool_round.cancel()
        # A send on its way whose run is not known yet (``run_id`` is none or the previous,
        # finished run): cancel that run once the stream names it.
        await self._run_known.wait()
        if (
            self.thread_id is None
            or self.run_id is None
            or self.run_status in TERMINAL_RUN_STATUSES
        ):
            return self.result()
        try:
            run = await self.client.cancel_run(self.thread_id, self.run_id)
        except APIError as exc:
            if not self._following:
                raise
            # The stream is lost and the server does not answer: the user can still stop
            # waiting for it (the recovery ends with RunLostError naming this).
            self._stop_following = exc
            self._wake.set()
            return self.result()
        self.state.upsert_run(run.to_dict())
        self._emit(Update("event", Change("run", "cancel", run.id)))
        if not self.active:  # nobody is reading a stream: poll to the end ourselves
            await self._poll_until_rest(terminal_only=True)
            await self._finish()
        return self.result()

    async def refresh(self) -> RunResult:
        """Read where the run stands when no stream says so (a wait for tool output that
        may have expired; a thread opened before its run was known here: then its newest
        run). Publishes ``finished`` when the status changed."""
        if self.active or self.thread_id is None:
            return self.result()
        if self.run_id is None:
            self.run_id = await self._find_new_run(None)
            if self.run_id is None:
                return self.result()
        before = self.run_status
        await self._reconcile()
        if self.run_status != before and not self.active:
            await self._finish()
        return self.result()

    # --- the stream -------------------------------------------------------------------

    async def _drive(
        self, stream: EventStream, *, sent_text: str | None, previous_run: str | None
    ) -> RunResult:
        """Stream to rest. ``previous_run`` is the conversation's run before a send: a
        recovery that finds it has not found the run this send started."""
        if self.active:
            raise ConversationBusy("a run is already streaming in this conversation")
        self.active = True
        if sent_text is not None:
            self._run_known.clear()
        self._capture = []
        self._capture_start = time.monotonic()
        accepted = False
        # A send's run is the one its stream names; a tool-output submit continues this one.
        current_run = self.run_id if sent_text is None else None
        try:
            try:
                async with stream:
                    async for event in self._with_idle_timeout(stream):
                        if not accepted:
                            accepted = True
                            await self._accepted(event, sent_text)
                        self._apply(event)
            except StreamInterruptedError as exc:
                run_id = exc.run_id or current_run
                if not accepted and not exc.events:
                    # The server answered 200, which it does only once it has acted (the
                    # run exists), and then not one event came: find the run, never resend.
                    run_id = run_id or await self._find_lost_run(previous_run)
                    if run_id is None:
                        self._emit(Update("failed", error=str(exc)))
                        raise
                if not accepted:
                    accepted = True
                    await self._accepted(exc.events[0] if exc.events else None, sent_text)
                await self._recover(run_id, previous_run)
            except APIError as exc:
                if not accepted:
                    self._emit(Update("failed", error=str(exc)))
                    raise
                await self._recover(stream.run_id or current_run, previous_run)
            if not accepted:  # a stream with no events at all: nothing was acted on
                error = "the server sent no events"
                self._emit(Update("failed", error=error))
                raise StreamInterruptedError(error, [])
        finally:
            self.active = False
            self._run_known.set()
            await self._flush_capture()
        await self._finish()
        return self.result()

    async def _with_idle_timeout(self, stream: EventStream) -> Any:
        """The stream's events; a silence longer than the idle timeout counts as a drop."""
        iterator = stream.__aiter__()
        while True:
            try:
                async with asyncio.timeout(self.poll.idle_timeout):
                    event = await anext(iterator)
            except StopAsyncIteration:
                return
            except TimeoutError:
                await stream.aclose()
                raise StreamInterruptedError(
                    "no data within the idle timeout",
                    stream.events,
                    run_id=stream.run_id,
                    run_status=stream.run_status,
                    thread_id=stream.thread_id,
                ) from None
            yield event

    async def _accepted(self, first: AnyEvent | None, sent_text: str | None) -> None:
        """The server acted on the request: record the thread, tell the caller."""
        if isinstance(first, ThreadEvent):
            self.thread_id = first.data.id
        elif self.thread_id is None and first is not None:
            thread_id = (first.data_dict() or {}).get("thread_id")
            if isinstance(thread_id, str):
                self.thread_id = thread_id
        if self.store is not None and self.thread_id is not None:
            now = time.time()
            existing = await self.store.get_thread(self.profile, self.thread_id)
            if existing is None:
                title = self._title or (title_from(sent_text) if sent_text else "")
                await self.store.upsert_thread(
                    ThreadEntry(
                        self.profile,
                        self.thread_id,
                        title,
                        now,
                        now,
                        "streaming",
                        self.assistant_id,
                    )
                )
            else:
                await self.store.touch_thread(self.profile, self.thread_id, "streaming")
            self._mark = "streaming"
            if sent_text is not None:
                await self.store.record_sent(self.profile, self.thread_id, sent_text)
        self._emit(Update("accepted"))

    def _apply(self, event: AnyEvent) -> None:
        raw = None
        if not isinstance(event, DoneEvent):
            data = json.dumps(event.data_dict(), ensure_ascii=False, separators=(",", ":"))
            raw = CapturedEvent(
                time.monotonic() - self._capture_start,
                event.event,
                # A server may echo the key (in instructions, an error): never to disk.
                self.client.redact(data),
            )
            self._capture.append(raw)
        change = self.state.apply(event)
        if change.kind == "run" and change.object_id is not None:
            self.run_id = change.object_id
            self._run_known.set()
            if self.thread_id is None:
                self.thread_id = self.state.run(change.object_id).thread_id or None
        elif change.kind == "thread" and change.object_id is not None:
            self.thread_id = change.object_id
        self._emit(Update("event", change, event, raw=raw))

    # --- recovery ---------------------------------------------------------------------

    async def _recover(self, run_id: str | None, previous_run: str | None) -> None:
        """The stream broke after the server acted: read the run's fate instead."""
        if run_id is None:
            run_id = await self._find_new_run(previous_run)
        if run_id is None or self.thread_id is None:
            self.state.errors.append(
                {"event": "stream", "message": "the stream was lost before the run started"}
            )
            return
        self.run_id = run_id
        self._run_known.set()
        self._stop_following = None
        self._wake.clear()
        self._following = True
        try:
            self._emit(Update("reconnecting"))
            await self._mark_thread("reconnecting")
            await self._poll_until_rest(terminal_only=False)
        finally:
            self._following = False
            self._stop_following = None
        self._emit(Update("recovered"))

    async def _find_new_run(self, previous_run: str | None) -> str | None:
        """The thread's newest run, unless it is the one before this send (so not ours)."""
        if self.thread_id is None:
            return None
        page = await self.client.list_runs(self.thread_id, limit=1, order="desc")
        found = page.data[0].id if page.data else None
        return None if found == previous_run else found

    async def _find_lost_run(self, previous_run: str | None) -> str | None:
        """:meth:`_find_new_run` for a stream lost before its first event; None when the
        thread is not known yet (a new thread: nothing names it) or it cannot be read."""
        try:
            return await self._find_new_run(previous_run)
        except APIError:
            return None

    async def _poll_until_rest(self, *, terminal_only: bool) -> None:
        assert self.thread_id is not None and self.run_id is not None
        delay = self.poll.first
        failing_since: float | None = None
        while True:
            try:
                await self._reconcile()
                failing_since = None
            except APIError as exc:
                if self._stop_following is not None:
                    stopped = self._stop_following
                    raise RunLostError(self.run_id, stopped, None, stopped=True) from None
                # The server may be restarting: keep polling until it answers, for a while.
                now = time.monotonic()
                failing_since = now if failing_since is None else failing_since
                if not _transient(exc):
                    raise RunLostError(self.run_id, exc, None) from None
                if now - failing_since >= self.poll.give_up:
                    raise RunLostError(self.run_id, exc, now - failing_since) from None
            status = self.run_status
            if status in TERMINAL_RUN_STATUSES or (not terminal_only and status in RESTING):
                return
            # The server's openai-poll-after-ms wins over our own backoff when it sends one.
            hint, self._poll_hint = self._poll_hint, None
            await self._pause(min(hint, self.poll.cap) if hint is not None else delay)
            if self._stop_following is not None:
                raise RunLostError(self.run_id, self._stop_following, None, stopped=True)
            delay = min(delay * 2, self.poll.cap)

    async def _pause(self, seconds: float) -> None:
        """Sleep between polls; a cancel the server could not take ends it at once."""
        sleeper = asyncio.ensure_future(self._sleep(seconds))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            waker.cancel()

    async def _reconcile(self) -> None:
        """Read the run, its steps and its messages, and make them the state."""
        assert self.thread_id is not None and self.run_id is not None
        run, self._poll_hint = await self.client.poll_run(self.thread_id, self.run_id)
        async for step in self.client.iter_steps(self.thread_id, self.run_id, order="asc"):
            self.state.upsert_step(step.to_dict())
            self._emit(Update("event", Change("step", "poll", step.id)))
        async for message in self.client.iter_messages(
            self.thread_id, run_id=self.run_id, order="asc"
        ):
            self.state.upsert_message(message.to_dict())
            self._emit(Update("event", Change("message", "poll", message.id)))
        self.state.upsert_run(run.to_dict())
        self._emit(Update("event", Change("run", "poll", run.id)))

    # --- bookkeeping ------------------------------------------------------------------

    async def _finish(self) -> None:
        result = self.result()
        await self._mark_thread(_status_mark(result.status))
        await self._cache_messages()
        self._emit(Update("finished", status=result.status, error=result.error))

    async def _mark_thread(self, mark: str) -> None:
        if self.store is None or self.thread_id is None or mark == self._mark:
            return
        self._mark = mark
        await self.store.touch_thread(self.profile, self.thread_id, mark)

    async def _cache_messages(self) -> None:
        """Refresh the thread's newest messages in the local cache (best effort)."""
        if self.store is None or self.thread_id is None:
            return
        try:
            page = await self.client.list_messages(self.thread_id, limit=20, order="desc")
        except APIError:
            return
        await self.store.cache_messages(self.profile, self.thread_id, reversed(page.data))

    async def _flush_capture(self) -> None:
        events, self._capture = self._capture, []
        if self.store is None or not events or self.run_id is None:
            return
        await self.store.capture(
            self.profile, self.thread_id, self.run_id, events, keep_runs=self.capture_retention
        )
