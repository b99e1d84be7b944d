"""The inspector's event book: each stream event filed under its run, in arrival order."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from threadline.api import parse_event
from threadline.core.driver import Update
from threadline.core.run_state import RunState
from threadline.core.store import CapturedEvent
from threadline.tui.widgets.inspector.records import KEEP_RUNS, EventBook


class Conversation:
    def __init__(self) -> None:
        self.state = RunState()
        self.run_id: str | None = None
        self.callbacks: list[Callable[[Update], None]] = []

    def subscribe(self, callback: Callable[[Update], None]) -> Callable[[], None]:
        self.callbacks.append(callback)
        return lambda: self.callbacks.remove(callback)

    def emit(self, kind: str, name: str = "", data: Any = None, at: float | None = None) -> None:
        if kind != "event":
            update = Update(kind)  # type: ignore[arg-type]
        else:
            text = data if isinstance(data, str) else json.dumps(data)
            event = parse_event(name, text)
            change = self.state.apply(event)
            raw = CapturedEvent(at, name, text) if at is not None else None
            update = Update("event", change, event, raw=raw)
        for callback in self.callbacks:
            callback(update)


def run(run_id: str, status: str = "queued") -> dict[str, Any]:
    return {"id": run_id, "object": "thread.run", "thread_id": "t", "status": status}


def test_streams_are_filed_under_their_run_with_their_arrival_times() -> None:
    conversation = Conversation()
    book = EventBook(conversation, clock=lambda: 100.0)
    conversation.emit("accepted")
    conversation.emit("event", "thread.created", {"id": "t", "object": "thread"}, at=0.0)
    conversation.emit("event", "thread.run.created", run("run_1"), at=0.01)
    conversation.emit(
        "event", "thread.run.requires_action", run("run_1", "requires_action"), at=0.2
    )
    conversation.emit("event", "done", "[DONE]")
    conversation.emit("finished")
    # The tool outputs' stream continues the same run; its first event names no run.
    conversation.emit("accepted")
    delta = {
        "id": "m",
        "object": "thread.message.delta",
        "delta": {"content": [{"index": 0, "type": "text", "text": {"value": "Hi"}}]},
    }
    conversation.emit("event", "thread.message.delta", delta, at=0.001)
    conversation.emit("event", "thread.run.completed", run("run_1", "completed"), at=0.002)
    records = book.events("run_1")
    assert records is not None
    assert [(r.name, r.at) for r in records] == [
        ("thread.created", 0.0),
        ("thread.run.created", 0.01),
        ("thread.run.requires_action", 0.2),
        ("thread.message.delta", 0.001),
        ("thread.run.completed", 0.002),
    ]
    assert records[3].object_id == "m" and records[3].preview() == "Hi"
    assert json.loads(records[1].data) == run("run_1")


def test_a_book_keeps_the_newest_runs_and_can_be_refiled() -> None:
    conversation = Conversation()
    book = EventBook(conversation, clock=lambda: 0.0)
    for index in range(KEEP_RUNS + 3):
        conversation.emit("accepted")
        conversation.emit("event", "thread.run.created", run(f"run_{index}"))
    assert len(book.runs) == KEEP_RUNS and "run_0" not in book.runs
    assert f"run_{KEEP_RUNS + 2}" in book.runs
    event = parse_event("thread.run.created", json.dumps(run("run_x")))
    book.refile([(event, CapturedEvent(1.5, "thread.run.created", "{}"))])
    assert list(book.runs) == ["run_x"] and book.runs["run_x"][0].at == 1.5
    book.close()
    assert conversation.callbacks == []
