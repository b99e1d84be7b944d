"""The server's SQLite store: private file, WAL, migrations, ordered writes, corruption."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from threadline.server.schema import SCHEMA_VERSION
from threadline.server.store import CursorNotFoundError, Store, StoreUnavailableError


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_the_file_is_private_wal_and_migrated(tmp_path: Path) -> None:
    path = tmp_path / "server.sqlite3"
    store = await Store.open(path)
    await store.put("thread", {"id": "thread_1", "created_at": 1})
    for suffix in ("", "-wal", "-shm"):
        assert mode(Path(f"{path}{suffix}")) == 0o600, suffix
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    await store.close()


async def test_objects_survive_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "server.sqlite3"
    store = await Store.open(path)
    await store.put_many(
        [
            ("thread", {"id": "thread_1", "created_at": 1, "metadata": {"a": "1"}}),
            ("message", {"id": "msg_1", "created_at": 1, "thread_id": "thread_1"}),
        ]
    )
    await store.close()
    store = await Store.open(path)
    assert await store.get("thread", "thread_1") == {
        "id": "thread_1",
        "created_at": 1,
        "metadata": {"a": "1"},
    }
    assert [m["id"] for m in await store.thread_messages("thread_1")] == ["msg_1"]
    assert await store.delete_thread("thread_1") is True
    assert await store.get("message", "msg_1") is None
    await store.close()


async def test_writes_apply_in_order_and_one_failure_spares_the_others(
    store: Store,
) -> None:
    first = store.put("run", {"id": "run_1", "created_at": 1, "thread_id": "t", "status": "queued"})

    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO runs (id) VALUES ('run_bad')")  # misses NOT NULL columns

    bad = store.write(broken)
    last = store.put(
        "run", {"id": "run_1", "created_at": 1, "thread_id": "t", "status": "completed"}
    )
    await first
    with pytest.raises(sqlite3.IntegrityError):
        await bad
    await last
    run = await store.get("run", "run_1")
    assert run is not None and run["status"] == "completed"


async def test_pages_keep_insertion_order_within_a_second(store: Store) -> None:
    await store.put_many(
        [("message", {"id": f"msg_{i}", "created_at": 5, "thread_id": "t"}) for i in range(7)]
    )
    scope = {"thread_id": "t"}
    page = await store.page("message", scope=scope, limit=3, order="asc")
    assert [m["id"] for m in page.items] == ["msg_0", "msg_1", "msg_2"] and page.has_more
    page = await store.page("message", scope=scope, limit=3, order="desc", before="msg_2")
    assert [m["id"] for m in page.items] == ["msg_5", "msg_4", "msg_3"] and page.has_more
    page = await store.page("message", scope=scope, order="asc", after="msg_1", before="msg_5")
    assert [m["id"] for m in page.items] == ["msg_2", "msg_3", "msg_4"]
    with pytest.raises(CursorNotFoundError):
        await store.page("message", scope={"thread_id": "other"}, after="msg_1")


async def test_a_corrupt_file_is_moved_aside_not_deleted(tmp_path: Path) -> None:
    path = tmp_path / "server.sqlite3"
    garbage = b"this is not a database" * 100
    path.write_bytes(garbage)
    store = await Store.open(path)
    assert store.moved_aside is not None
    assert store.moved_aside.read_bytes() == garbage
    await store.put("thread", {"id": "thread_1", "created_at": 1})
    assert await store.get("thread", "thread_1") is not None
    await store.close()


async def test_a_store_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "server.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreUnavailableError, match="schema version 2 is newer than this"):
        await Store.open(path)
    assert path.exists()  # neither migrated nor moved aside
    assert list(tmp_path.glob("*.corrupt-*")) == []
