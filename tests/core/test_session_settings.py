"""A session's per-thread settings: a new thread keeps what it was created with, settings
survive a restart, and a deleted thread's settings go with it."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from threadline.cli.backend import open_backend
from threadline.config import Config
from threadline.core.run_options import RunOptions
from threadline.core.session import Session
from threadline.core.store import STORE_FILE, ClientStore
from threadline.core.thread_settings import AssistantChoice, ThreadSettings

CONFIG = Config.model_validate({"profiles": {"local": {"demo_speed": 0}}})


async def open_session(folder: Path) -> Session:
    store = await ClientStore.open(folder / STORE_FILE)
    session = Session(CONFIG, None, store, partial(open_backend, server_dir=folder))
    await session.connect()
    return session


async def close(session: Session) -> None:
    await session.aclose()
    await session.store.close()


async def test_a_new_threads_settings_follow_it_and_survive_a_restart(tmp_path: Path) -> None:
    session = await open_session(tmp_path)
    try:
        other = await session.client.create_assistant(model="other-model", name="Other")
        conversation = session.conversation(None)
        chosen = ThreadSettings(
            assistant=AssistantChoice.of(other), options=RunOptions.build(temperature=0.1)
        )
        await session.set_thread_settings(conversation, chosen)
        assert session.thread_settings(None) == chosen
        assert session.assistant_for(None) == AssistantChoice.of(other)
        result = await conversation.send("hello")
        assert result.completed and result.thread_id is not None
        await session.adopt_thread_settings(conversation)
        run = await session.client.get_run(result.thread_id, result.run_id or "")
        assert (run.assistant_id, run.temperature) == (other.id, 0.1)
        assert session.thread_settings(None) == ThreadSettings()  # the next new thread
        thread_id = result.thread_id
    finally:
        await close(session)
    again = await open_session(tmp_path)
    try:
        assert again.thread_settings(thread_id) == chosen
        assert again.conversation(thread_id).assistant_id == other.id
        assert again.conversation(thread_id).run_options == chosen.options
        await again.delete_thread(thread_id)
        assert again.thread_settings(thread_id) == ThreadSettings()
    finally:
        await close(again)
    third = await open_session(tmp_path)
    try:
        assert third.thread_settings(thread_id) == ThreadSettings()
    finally:
        await close(third)
