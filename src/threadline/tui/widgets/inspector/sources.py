"""Where the inspector's data comes from, for the conversation on screen.

- runs: the list-runs endpoint (through the session), with the conversation's live state
  on top (fresher while a run streams);
- steps: list-steps, live steps on top, and steps fetched with ``include[]`` over both;
- events: the :class:`~.records.EventBook` recording this conversation's streams, else the
  store's capture of the run;
- messages (for Raw): the live state, else fetched once.

No widget here: the pane calls the ``fetch_*`` coroutines from its workers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .records import EventBook, EventRecord

FILE_SEARCH_CONTENT = "step_details.tool_calls[*].file_search.results[*].content"
"""The ``include[]`` path that asks for file_search result content."""


class RunSources:
    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self.conversation: Any = None
        self._books: dict[int, EventBook] = {}
        self._reset()

    def _reset(self) -> None:
        self.server_runs: dict[str, dict[str, Any]] = {}
        self.server_steps: dict[str, list[dict[str, Any]]] = {}
        self.fetched: dict[str, dict[str, Any]] = {}  # step id -> step with included content
        self.captured: dict[str, list[EventRecord]] = {}
        self.messages: dict[str, dict[str, Any]] = {}

    def use(self, conversation: Any) -> bool:
        """Read from ``conversation`` from now on; True if it is another one."""
        if conversation is self.conversation:
            return False
        self.conversation = conversation
        self._reset()
        if conversation is not None and id(conversation) not in self._books:
            self._books[id(conversation)] = EventBook(conversation, self._clock)
        return True

    def book(self, conversation: Any) -> EventBook | None:
        return self._books.get(id(conversation))

    def forget(self, conversation: Any) -> None:
        """Stop recording ``conversation`` (a replay about to be rebuilt)."""
        book = self._books.pop(id(conversation), None)
        if book is not None:
            book.close()
        if conversation is self.conversation:
            self.conversation = None

    @property
    def state(self) -> Any:
        return getattr(self.conversation, "state", None)

    @property
    def thread_id(self) -> str | None:
        return getattr(self.conversation, "thread_id", None)

    # --- reading ----------------------------------------------------------------------

    def runs(self) -> list[dict[str, Any]]:
        runs = dict(self.server_runs)
        state = self.state
        if state is not None:
            for run_id in state.run_ids():
                runs[run_id] = state.run_dict(run_id)
        return list(runs.values())

    def run(self, run_id: str) -> dict[str, Any] | None:
        state = self.state
        if state is not None and run_id in state.run_ids():
            return dict(state.run_dict(run_id))
        return self.server_runs.get(run_id)

    def steps(self, run_id: str, only: set[str] | None = None) -> list[dict[str, Any]]:
        """The run's steps in order (``only``: just these ids, from the live state)."""
        state = self.state
        if only is not None:
            if state is None:
                return []
            live = (state.step_dict(i) for i in state.step_ids() if i in only)
            return [self.fetched.get(s["id"], s) for s in live if s.get("run_id") == run_id]
        steps = {s["id"]: s for s in self.server_steps.get(run_id, [])}
        if state is not None:
            for step_id in state.step_ids():
                step = state.step_dict(step_id)
                if step.get("run_id") == run_id:
                    steps[step_id] = step
        return [self.fetched.get(step_id, step) for step_id, step in steps.items()]

    def step(self, run_id: str, step_id: str) -> dict[str, Any] | None:
        """One step, as :meth:`steps` has it (without copying every step of the run)."""
        if step_id in self.fetched:
            return self.fetched[step_id]
        state = self.state
        if state is not None and step_id in state.step_ids():
            live = state.step_dict(step_id)
            if live.get("run_id") == run_id:
                return dict(live)
        return next((s for s in self.server_steps.get(run_id, []) if s.get("id") == step_id), None)

    def records(self, run_id: str) -> list[EventRecord] | None:
        book = self._books.get(id(self.conversation))
        recorded = book.events(run_id) if book is not None else None
        return recorded if recorded is not None else self.captured.get(run_id)

    def message(self, message_id: str) -> dict[str, Any] | None:
        state = self.state
        if state is not None and message_id in state.message_ids():
            return dict(state.message_dict(message_id))
        return self.messages.get(message_id)

    # --- fetching (each returns False when the conversation changed meanwhile) --------

    async def fetch_runs(self, session: Any) -> bool:
        conversation, thread_id = self.conversation, self.thread_id
        if not thread_id:
            return False
        runs = await session.runs(thread_id)
        if conversation is not self.conversation:
            return False
        self.server_runs = {run.id: run.to_dict() for run in runs}
        return True

    async def fetch_steps(self, session: Any, run_id: str) -> bool:
        conversation, thread_id = self.conversation, self.thread_id
        if not thread_id:
            return False
        steps = await session.steps(thread_id, run_id)
        if conversation is not self.conversation:
            return False
        self.server_steps[run_id] = [step.to_dict() for step in steps]
        return True

    async def fetch_capture(self, session: Any, run_id: str) -> bool:
        conversation = self.conversation
        captured = await session.captured_events(run_id)
        if conversation is not self.conversation or not captured:
            return False
        self.captured[run_id] = [EventRecord.from_raw(e) for e in captured]
        return True

    async def fetch_message(self, session: Any, message_id: str) -> bool:
        conversation, thread_id = self.conversation, self.thread_id
        if not thread_id:
            return False
        message = await session.message(thread_id, message_id)
        if conversation is not self.conversation:
            return False
        self.messages[message_id] = message.to_dict()
        return True

    async def fetch_step_content(self, session: Any, run_id: str, step_id: str) -> bool:
        """The step again, with its file_search results' content."""
        conversation, thread_id = self.conversation, self.thread_id
        if not thread_id:
            return False
        step = await session.step(thread_id, run_id, step_id, include=[FILE_SEARCH_CONTENT])
        if conversation is not self.conversation:
            return False
        self.fetched[step_id] = step.to_dict()
        return True
