"""The local store: thread index, drafts, sent history, cache, captures, damage recovery."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest

from threadline.api import Message
from threadline.core.store import CapturedEvent, ClientStore, ThreadEntry


@pytest.fixture
async def store(tmp_path: Path) -> Any:
    store = await ClientStore.open(tmp_path / "data" / "client.db")
    yield store
    await store.close()


def entry(id_: str, activity: float, title: str = "t", profile: str = "p") -> ThreadEntry:
    return ThreadEntry(profile, id_, title, 1.0, activity)


async def test_files_are_private(store: ClientStore) -> None:
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(store.path.parent).st_mode) == 0o700


async def test_threads_newest_activity_first_per_profile_and_filtered(store: ClientStore) -> None:
    await store.upsert_thread(entry("a", 1, "Trip plan"))
    await store.upsert_thread(entry("b", 3, "Refactor"))
    await store.upsert_thread(entry("c", 2, "trip budget"))
    await store.upsert_thread(entry("x", 9, "other profile", profile="q"))
    assert [t.id for t in await store.list_threads("p")] == ["b", "c", "a"]
    assert [t.id for t in await store.list_threads("p", "TRIP")] == ["c", "a"]
    await store.touch_thread("p", "a", "streaming")
    (first, *_) = await store.list_threads("p")
    assert (first.id, first.status) == ("a", "streaming")


async def test_a_renamed_title_survives_later_upserts(store: ClientStore) -> None:
    await store.upsert_thread(entry("a", 1, "from first message"))
    await store.rename_thread("p", "a", "My name")
    await store.upsert_thread(entry("a", 2, "from first message"))
    (thread,) = await store.list_threads("p")
    assert (thread.title, thread.renamed, thread.last_activity) == ("My name", True, 2)


async def test_drafts_save_move_and_clear(store: ClientStore) -> None:
    await store.save_draft("p", "new", "half a thought")
    assert await store.get_draft("p", "new") == "half a thought"
    await store.move_draft("p", "new", "thread_1")
    assert await store.get_draft("p", "new") == ""
    assert await store.get_draft("p", "thread_1") == "half a thought"
    await store.save_draft("p", "thread_1", "")
    assert await store.get_draft("p", "thread_1") == ""


async def test_drafts_survive_reopening(tmp_path: Path) -> None:
    path = tmp_path / "client.db"
    first = await ClientStore.open(path)
    await first.save_draft("p", "t", "unsent words")
    await first.close()
    second = await ClientStore.open(path)
    assert await second.get_draft("p", "t") == "unsent words"
    await second.close()


async def test_last_sent_is_the_newest(store: ClientStore) -> None:
    assert await store.last_sent("p", "t") is None
    await store.record_sent("p", "t", "one")
    await store.record_sent("p", "t", "two")
    assert await store.last_sent("p", "t") == "two"


def message(id_: str, created: int, text: str) -> Message:
    return Message.model_validate(
        {
            "id": id_,
            "created_at": created,
            "thread_id": "t",
            "role": "assistant",
            "content": [{"type": "text", "text": {"value": text, "annotations": []}}],
        }
    )


async def test_message_cache_keeps_order_pages_and_search(store: ClientStore) -> None:
    await store.cache_messages(
        "p",
        "t",
        [message("m1", 10, "alpha"), message("m2", 10, "beta"), message("m3", 11, "gamma")],
    )
    await store.cache_messages("p", "t", [message("m2", 10, "beta edited")])
    assert [m.id for m in await store.cached_messages("p", "t")] == ["m1", "m2", "m3"]
    assert [m.text for m in await store.cached_messages("p", "t", limit=2)] == [
        "beta edited",
        "gamma",
    ]
    assert [m.id for m in await store.cached_messages("p", "t", before="m3")] == ["m1", "m2"]
    assert await store.search_messages("p", "EDIT") == [("t", "m2", "beta edited")]


async def test_message_cache_pages_from_the_start_or_after_any_message(store: ClientStore) -> None:
    await store.cache_messages("p", "t", [message(f"m{i}", 10 + i, f"text {i}") for i in range(5)])
    await store.cache_messages("p", "other", [message("x", 1, "another thread")])
    first = await store.cached_messages_after("p", "t", None, limit=2)
    assert [m.id for m in first] == ["m0", "m1"]
    assert [m.id for m in await store.cached_messages_after("p", "t", "m1", 10)] == [
        "m2",
        "m3",
        "m4",
    ]
    assert await store.cached_messages_after("p", "t", "m4") == []
    found = await store.cached_message("p", "t", "m3")
    assert found is not None and found.text == "text 3"
    assert await store.cached_message("p", "t", "x") is None  # another thread's


async def test_captures_append_per_run_and_keep_the_newest_runs(store: ClientStore) -> None:
    for run in ("r1", "r2", "r3"):
        await store.capture(
            "p", "t", run, [CapturedEvent(0.0, "thread.run.created", "{}")], keep_runs=2
        )
    await store.capture(
        "p", "t", "r3", [CapturedEvent(1.5, "thread.run.completed", "{}")], keep_runs=2
    )
    assert sorted(await store.captured_runs("p")) == ["r2", "r3"]
    assert await store.captured_events("r1") == []
    assert [e.event for e in await store.captured_events("r3")] == [
        "thread.run.created",
        "thread.run.completed",
    ]


async def test_a_retention_of_zero_keeps_no_capture_and_clears_older_ones(
    store: ClientStore,
) -> None:
    event = [CapturedEvent(0.0, "thread.run.created", "{}")]
    await store.capture("p", "t", "r1", event, keep_runs=5)
    await store.capture("p", "t", "r2", event, keep_runs=0)
    assert await store.captured_runs("p") == []
    assert await store.captured_events("r1") == await store.captured_events("r2") == []


async def test_a_corrupt_store_is_moved_aside_not_deleted(tmp_path: Path) -> None:
    path = tmp_path / "client.db"
    path.write_bytes(b"this is not a database" * 100)
    store = await ClientStore.open(path)
    try:
        (warning,) = store.warnings
        assert "moved it to" in warning
        aside = [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]
        assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not a database")
        await store.save_draft("p", "k", "works")
        assert await store.get_draft("p", "k") == "works"
    finally:
        await store.close()
