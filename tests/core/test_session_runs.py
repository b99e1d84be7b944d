"""What the inspector reads through the session: runs, steps, captures, and key redaction.

Over the embedded demo server (speed 0), reached in-process with an API key, so the key
redaction is tested against a server that really received it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from threadline.api import CodeInterpreterToolCall
from threadline.config import Config
from threadline.core.capture import read_capture, write_capture
from threadline.core.replay import Replay
from threadline.core.run_options import RunOptions
from threadline.core.session import Session

from .demo_session import demo_session

KEY = "sk-test-inspector-0123456789"
FILE_SEARCH_CONTENT = "step_details.tool_calls[*].file_search.results[*].content"


@pytest.fixture
async def session(tmp_path: Path) -> AsyncIterator[Session]:
    config = Config.model_validate({"capture_retention": 2})
    async with demo_session(tmp_path, key=KEY, config=config) as session:
        yield session


async def test_runs_newest_first_and_steps_in_order(session: Session) -> None:
    conversation = session.conversation(None)
    await conversation.send("hello")
    await conversation.send("run some code please")
    assert conversation.thread_id is not None
    runs = await session.runs(conversation.thread_id)
    assert len(runs) == 2 and runs[0].id == conversation.run_id
    steps = await session.steps(conversation.thread_id, runs[0].id, include=[FILE_SEARCH_CONTENT])
    assert [s.type for s in steps] == ["tool_calls", "message_creation"]
    details = steps[0].step_details
    assert details is not None and isinstance(details.tool_calls[0], CodeInterpreterToolCall)  # type: ignore[union-attr]
    again = await session.step(conversation.thread_id, runs[0].id, steps[1].id)
    assert again.to_dict() == steps[1].to_dict()


async def test_captures_follow_the_configured_retention(session: Session) -> None:
    conversation = session.conversation(None)
    for text in ("one", "two", "three"):
        await conversation.send(text)
    kept = await session.store.captured_runs(session.profile_name)
    assert len(kept) == 2 and kept[0] == conversation.run_id  # capture_retention = 2


async def test_a_saved_capture_replays_to_the_live_state(session: Session) -> None:
    conversation = session.conversation(None)
    await conversation.send("search the docs and run code")
    run_id = conversation.run_id
    assert run_id is not None
    events = await session.captured_events(run_id)
    saved = write_capture(events)
    back = read_capture(saved)
    assert [e.at for e in back] == pytest.approx([e.at for e in events], abs=1e-6)
    player = Replay(back)
    player.seek(len(player))
    live = conversation.state
    assert player.state.run_dict(run_id) == live.run_dict(run_id)
    assert [player.state.step_dict(i) for i in player.state.step_ids()] == [
        s.to_dict() for s in live.steps(run_id)
    ]
    assert player.state.to_json()["messages"] == [
        live.message_dict(i) for i in live.message_ids() if live.message(i).run_id == run_id
    ]


async def test_the_key_is_redacted_from_what_a_server_echoes(session: Session) -> None:
    conversation = session.conversation(None)
    await conversation.send("hello", RunOptions(metadata={"echo": KEY}))
    assert conversation.thread_id is not None
    (run,) = await session.runs(conversation.thread_id)
    text = run.model_dump_json()
    assert KEY in text  # the server did echo it
    assert KEY not in session.redact(text) and "[redacted]" in session.redact(text)
