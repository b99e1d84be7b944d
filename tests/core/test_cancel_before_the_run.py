"""Cancel asked for while a send is on its way, before the stream has named its run.

Over the embedded demo server at 100 tokens/s, reached in-process: a 2,000-token reply
would take 20 s, so a cancel that is lost shows as a timeout.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from threadline.core.driver import Conversation
from threadline.core.session import Session

from .demo_session import demo_session

KEY = "sk-test-cancel-0123456789"
LONG = "stream 2000 tokens"


@dataclass
class Served:
    session: Session
    posted: asyncio.Event  # set when the client posts a request (a send's starts its run)


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    posted = asyncio.Event()

    async def on_request(request: httpx.Request) -> None:
        if request.method == "POST":
            posted.set()

    async with demo_session(tmp_path, key=KEY, speed=100, on_request=on_request) as session:
        yield Served(session, posted)


async def send_and_cancel_at_once(served: Served, conversation: Conversation, text: str) -> str:
    """Send ``text`` and cancel as soon as its request is posted (no event read yet); the
    run's final status."""
    served.posted.clear()
    sending = asyncio.create_task(conversation.send(text))
    async with asyncio.timeout(10):
        await served.posted.wait()
        assert conversation.active and conversation.run_status in {None, "completed"}
        await conversation.cancel()
        result = await sending
    return result.status


async def test_a_cancel_before_a_new_threads_run_is_named_cancels_it(served: Served) -> None:
    conversation = served.session.conversation(None)
    assert await send_and_cancel_at_once(served, conversation, LONG) == "cancelled"


async def test_a_cancel_before_the_next_run_is_named_cancels_it(served: Served) -> None:
    """In a thread whose last run is over, ``run_id`` is that run until the stream names
    the new one: the cancel is for the new one."""
    conversation = served.session.conversation(None)
    await conversation.send("hello")
    finished = conversation.run_id
    assert await send_and_cancel_at_once(served, conversation, LONG) == "cancelled"
    assert conversation.run_id != finished
