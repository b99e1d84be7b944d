"""The client's local store: thread index, drafts, sent history, message cache, captures.

The Assistants API has no "list threads" call, so the sidebar is this index: threads
created here (by the TUI or ``threadline send``) plus threads imported by id, per profile.
One SQLite file in the data folder (0600, WAL, versioned migrations). A file that is not a
database is moved aside, never deleted, and a fresh one is started; ``store.warnings`` says so.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from threadline.errors import UserError
from threadline.locations import display_path
from threadline.sqlite_files import (
    connect_private,
    is_corrupt,
    migrate,
    move_aside,
    quick_check,
    unavailable_reason,
)

from ._sqlite import SQLiteThread

if TYPE_CHECKING:
    # Loaded when a cached message is first read: the store opens before the api models
    # are needed (the app's first frame reads its state with neither).
    from threadline.api import Message

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE threads (
        profile TEXT NOT NULL,
        id TEXT NOT NULL,
        title TEXT NOT NULL DEFAULT '',
        renamed INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL,
        last_activity REAL NOT NULL,
        status TEXT NOT NULL DEFAULT '',
        assistant_id TEXT,
        PRIMARY KEY (profile, id)
    );
    CREATE INDEX threads_by_activity ON threads (profile, last_activity DESC);
    CREATE TABLE drafts (
        profile TEXT NOT NULL,
        key TEXT NOT NULL,
        text TEXT NOT NULL,
        updated_at REAL NOT NULL,
        PRIMARY KEY (profile, key)
    );
    CREATE TABLE sent (
        profile TEXT NOT NULL,
        key TEXT NOT NULL,
        text TEXT NOT NULL,
        sent_at REAL NOT NULL
    );
    CREATE INDEX sent_by_time ON sent (profile, key, sent_at DESC);
    CREATE TABLE messages (
        profile TEXT NOT NULL,
        thread_id TEXT NOT NULL,
        id TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        role TEXT NOT NULL,
        text TEXT NOT NULL,
        json TEXT NOT NULL,
        PRIMARY KEY (profile, thread_id, id)
    );
    CREATE INDEX messages_in_order ON messages (profile, thread_id, created_at);
    CREATE TABLE state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    CREATE TABLE capture_runs (
        run_id TEXT PRIMARY KEY,
        profile TEXT NOT NULL,
        thread_id TEXT,
        started_at REAL NOT NULL
    );
    CREATE TABLE capture_events (
        run_id TEXT NOT NULL REFERENCES capture_runs (run_id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        at REAL NOT NULL,
        event TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (run_id, seq)
    );
    """,
)

STORE_FILE = "client.db"
"""The local store's file name in the data folder."""

STATUS_MARKS = ("", "streaming", "requires_action", "failed", "reconnecting")


@dataclass(frozen=True, slots=True)
class ThreadEntry:
    """One thread in the sidebar."""

    profile: str
    id: str
    title: str
    created_at: float
    last_activity: float
    status: str = ""
    assistant_id: str | None = None
    renamed: bool = False


@dataclass(frozen=True, slots=True)
class CapturedEvent:
    """One raw stream event as it arrived: ``at`` is seconds since the capture began."""

    at: float
    event: str
    data: str


class StoreError(UserError):
    """The local store cannot be opened (locked, unreadable, not a file); one line naming it."""

    def __init__(self, path: Path, exc: Exception) -> None:
        why = unavailable_reason(path, exc, "local store")
        super().__init__(f"{display_path(path)}: cannot open the local store: {why}")


def _open_checked(path: Path) -> sqlite3.Connection:
    conn = connect_private(path)
    try:
        migrate(conn, MIGRATIONS, "local store")
        quick_check(conn)
    except BaseException:
        conn.close()
        raise
    return conn


def _open(path: Path) -> tuple[sqlite3.Connection, list[str]]:
    warnings: list[str] = []
    try:
        try:
            conn = _open_checked(path)
        except sqlite3.DatabaseError as exc:
            if not is_corrupt(exc):
                raise
            moved = move_aside(path)
            warnings.append(
                f"{display_path(path)} was damaged ({exc}); moved it to {moved.name} "
                "and started a fresh store"
            )
            conn = _open_checked(path)
    except (sqlite3.Error, OSError) as exc:
        raise StoreError(path, exc) from None
    return conn, warnings


def _messages(texts: Iterable[str]) -> list[Message]:
    from threadline.api import Message

    return [Message.model_validate_json(text) for text in texts]


def _entry(row: Sequence[Any]) -> ThreadEntry:
    profile, id_, title, renamed, created, activity, status, assistant = row
    return ThreadEntry(profile, id_, title, created, activity, status, assistant, bool(renamed))


_THREAD_COLUMNS = "profile, id, title, renamed, created_at, last_activity, status, assistant_id"


class ClientStore:
    """Async access to the local store; every call runs on the store's own thread."""

    def __init__(self, db: SQLiteThread, path: Path, warnings: list[str]) -> None:
        self._db = db
        self.path = path
        self.warnings = warnings

    @classmethod
    async def open(cls, path: Path) -> ClientStore:
        conn, warnings = await asyncio.to_thread(_open, path)
        return cls(SQLiteThread(conn), path, warnings)

    async def close(self) -> None:
        await self._db.close()

    # --- threads ----------------------------------------------------------------------

    async def list_threads(self, profile: str, query: str = "") -> list[ThreadEntry]:
        sql = f"SELECT {_THREAD_COLUMNS} FROM threads WHERE profile = ?"
        params: list[Any] = [profile]
        if query:
            sql += " AND instr(lower(title), lower(?)) > 0"
            params.append(query)
        rows = await self._db.fetchall(sql + " ORDER BY last_activity DESC, rowid DESC", params)
        return [_entry(r) for r in rows]

    async def get_thread(self, profile: str, thread_id: str) -> ThreadEntry | None:
        row = await self._db.fetchone(
            f"SELECT {_THREAD_COLUMNS} FROM threads WHERE profile = ? AND id = ?",
            (profile, thread_id),
        )
        return _entry(row) if row else None

    async def upsert_thread(self, entry: ThreadEntry) -> None:
        """Insert, or update everything but a title the user chose by renaming."""
        await self._db.execute(
            f"INSERT INTO threads ({_THREAD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (profile, id) DO UPDATE SET "
            "title = CASE WHEN threads.renamed THEN threads.title ELSE excluded.title END, "
            "last_activity = max(threads.last_activity, excluded.last_activity), "
            "status = excluded.status, "
            "assistant_id = coalesce(excluded.assistant_id, threads.assistant_id)",
            (
                entry.profile,
                entry.id,
                entry.title,
                int(entry.renamed),
                entry.created_at,
                entry.last_activity,
                entry.status,
                entry.assistant_id,
            ),
        )

    async def touch_thread(
        self, profile: str, thread_id: str, status: str | None = None, *, activity: bool = True
    ) -> None:
        """Mark activity now and, if given, the thread's status mark."""
        sets: list[str] = []
        params: list[Any] = []
        if activity:
            sets.append("last_activity = ?")
            params.append(time.time())
        if status is not None:
            sets.append("status = ?")
            params.append(status)
        if sets:
            await self._db.execute(
                f"UPDATE threads SET {', '.join(sets)} WHERE profile = ? AND id = ?",
                [*params, profile, thread_id],
            )

    async def rename_thread(self, profile: str, thread_id: str, title: str) -> None:
        await self._db.execute(
            "UPDATE threads SET title = ?, renamed = 1 WHERE profile = ? AND id = ?",
            (title, profile, thread_id),
        )

    async def remove_thread(self, profile: str, thread_id: str) -> None:
        def run(conn: sqlite3.Connection) -> None:
            for table, column in (("threads", "id"), ("messages", "thread_id"), ("drafts", "key")):
                conn.execute(
                    f"DELETE FROM {table} WHERE profile = ? AND {column} = ?", (profile, thread_id)
                )

        await self._db.transaction(run)

    # --- drafts and sent history ------------------------------------------------------

    async def get_draft(self, profile: str, key: str) -> str:
        row = await self._db.fetchone(
            "SELECT text FROM drafts WHERE profile = ? AND key = ?", (profile, key)
        )
        return str(row[0]) if row else ""

    async def save_draft(self, profile: str, key: str, text: str) -> None:
        """Save a draft; empty text removes it."""
        if text:
            await self._db.execute(
                "INSERT INTO drafts (profile, key, text, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (profile, key) DO UPDATE SET text = excluded.text, "
                "updated_at = excluded.updated_at",
                (profile, key, text, time.time()),
            )
        else:
            await self._db.execute(
                "DELETE FROM drafts WHERE profile = ? AND key = ?", (profile, key)
            )

    async def move_draft(self, profile: str, old_key: str, new_key: str) -> None:
        """A new thread got its id: its draft follows it."""
        await self._db.execute(
            "UPDATE OR REPLACE drafts SET key = ? WHERE profile = ? AND key = ?",
            (new_key, profile, old_key),
        )

    async def record_sent(self, profile: str, key: str, text: str) -> None:
        await self._db.execute(
            "INSERT INTO sent (profile, key, text, sent_at) VALUES (?, ?, ?, ?)",
            (profile, key, text, time.time()),
        )

    async def last_sent(self, profile: str, key: str) -> str | None:
        row = await self._db.fetchone(
            "SELECT text FROM sent WHERE profile = ? AND key = ? ORDER BY sent_at DESC, rowid DESC",
            (profile, key),
        )
        return str(row[0]) if row else None

    # --- message cache ----------------------------------------------------------------

    async def cache_messages(
        self, profile: str, thread_id: str, messages: Iterable[Message]
    ) -> None:
        rows = [
            (
                profile,
                thread_id,
                m.id,
                m.created_at,
                m.role,
                m.text,
                m.model_dump_json(exclude_unset=True),
            )
            for m in messages
        ]
        if not rows:
            return

        def run(conn: sqlite3.Connection) -> None:
            conn.executemany(
                "INSERT INTO messages (profile, thread_id, id, created_at, role, text, json) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (profile, thread_id, id) DO UPDATE SET "
                "created_at = excluded.created_at, role = excluded.role, text = excluded.text, "
                "json = excluded.json",
                rows,
            )

        await self._db.transaction(run)

    async def cached_messages(
        self, profile: str, thread_id: str, limit: int = 50, before: str | None = None
    ) -> list[Message]:
        """The newest ``limit`` cached messages (older than ``before``), oldest first."""
        rows = await self._page(profile, thread_id, before, "<", limit)
        return _messages(r[0] for r in reversed(rows))

    async def cached_messages_after(
        self, profile: str, thread_id: str, after: str | None, limit: int = 50
    ) -> list[Message]:
        """The oldest ``limit`` cached messages newer than ``after`` (``None``: from the
        thread's first), oldest first. With ``before`` above, a long thread is read a page
        at a time from either end or from any message."""
        return _messages(r[0] for r in await self._page(profile, thread_id, after, ">", limit))

    async def _page(
        self, profile: str, thread_id: str, anchor: str | None, side: Literal["<", ">"], limit: int
    ) -> list[tuple[Any, ...]]:
        """Up to ``limit`` messages on ``side`` ("<" older, ">" newer) of ``anchor``, nearest
        first (``None``: from the newest or the first)."""
        sql = "SELECT json FROM messages WHERE profile = ? AND thread_id = ?"
        params: list[Any] = [profile, thread_id]
        if anchor is not None:
            sql += (
                f" AND (created_at, rowid) {side} (SELECT created_at, rowid FROM messages "
                "WHERE profile = ? AND thread_id = ? AND id = ?)"
            )
            params += [profile, thread_id, anchor]
        order = "DESC" if side == "<" else "ASC"
        sql += f" ORDER BY created_at {order}, rowid {order} LIMIT ?"
        return await self._db.fetchall(sql, [*params, limit])

    async def cached_message(self, profile: str, thread_id: str, message_id: str) -> Message | None:
        row = await self._db.fetchone(
            "SELECT json FROM messages WHERE profile = ? AND thread_id = ? AND id = ?",
            (profile, thread_id, message_id),
        )
        return _messages([row[0]])[0] if row else None

    async def search_messages(
        self, profile: str, query: str, limit: int = 50
    ) -> list[tuple[str, str, str]]:
        """(thread id, message id, text) of cached messages containing ``query``."""
        rows = await self._db.fetchall(
            "SELECT thread_id, id, text FROM messages WHERE profile = ? "
            "AND instr(lower(text), lower(?)) > 0 ORDER BY created_at DESC LIMIT ?",
            (profile, query, limit),
        )
        return [(str(t), str(i), str(x)) for t, i, x in rows]

    # --- app state --------------------------------------------------------------------

    async def get_state(self, key: str, default: Any = None) -> Any:
        row = await self._db.fetchone("SELECT value FROM state WHERE key = ?", (key,))
        return json.loads(row[0]) if row else default

    async def set_state(self, key: str, value: Any) -> None:
        await self._db.execute(
            "INSERT INTO state (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, json.dumps(value)),
        )

    # --- event captures ---------------------------------------------------------------

    async def capture(
        self,
        profile: str,
        thread_id: str | None,
        run_id: str,
        events: Sequence[CapturedEvent],
        keep_runs: int = 200,
    ) -> None:
        """Append a run's events (a run may span several streams) and apply retention.

        ``keep_runs=0`` keeps nothing: it is how a user says no event bodies on disk, and it
        also clears what earlier settings kept.
        """

        def run(conn: sqlite3.Connection) -> None:
            if keep_runs <= 0:
                conn.execute("DELETE FROM capture_runs")
                return
            conn.execute(
                "INSERT INTO capture_runs (run_id, profile, thread_id, started_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (run_id) DO UPDATE SET "
                "thread_id = coalesce(excluded.thread_id, capture_runs.thread_id)",
                (run_id, profile, thread_id, time.time()),
            )
            start = conn.execute(
                "SELECT coalesce(max(seq) + 1, 0) FROM capture_events WHERE run_id = ?", (run_id,)
            ).fetchone()[0]
            conn.executemany(
                "INSERT INTO capture_events (run_id, seq, at, event, data) VALUES (?, ?, ?, ?, ?)",
                [(run_id, start + i, e.at, e.event, e.data) for i, e in enumerate(events)],
            )
            conn.execute(
                "DELETE FROM capture_runs WHERE run_id NOT IN "
                "(SELECT run_id FROM capture_runs ORDER BY started_at DESC LIMIT ?)",
                (keep_runs,),
            )

        await self._db.transaction(run)

    async def captured_events(self, run_id: str) -> list[CapturedEvent]:
        rows = await self._db.fetchall(
            "SELECT at, event, data FROM capture_events WHERE run_id = ? ORDER BY seq", (run_id,)
        )
        return [CapturedEvent(float(a), str(e), str(d)) for a, e, d in rows]

    async def captured_runs(self, profile: str, thread_id: str | None = None) -> list[str]:
        sql = "SELECT run_id FROM capture_runs WHERE profile = ?"
        params: list[Any] = [profile]
        if thread_id is not None:
            sql += " AND thread_id = ?"
            params.append(thread_id)
        rows = await self._db.fetchall(sql + " ORDER BY started_at DESC", params)
        return [str(r[0]) for r in rows]
