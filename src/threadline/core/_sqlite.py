"""SQLite plumbing shared by the local store: private files, WAL, migrations, one I/O thread.

Every statement runs on one dedicated thread, so the event loop (the TUI's UI loop) never
waits on the disk. Two processes may share a database: WAL lets readers and a writer work
at once, ``busy_timeout`` makes a writer wait for another's lock instead of failing, and
read-then-write sequences use ``BEGIN IMMEDIATE`` so they cannot interleave.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

BUSY_TIMEOUT_MS = 5000


def connect_private(path: Path) -> sqlite3.Connection:
    """Open (creating 0600, in a 0700 folder) a database in WAL mode."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _use_wal(conn)
    except BaseException:
        conn.close()
        raise
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    for suffix in ("-wal", "-shm"):
        sidecar = path.with_name(path.name + suffix)
        if sidecar.exists():
            os.chmod(sidecar, 0o600)
    return conn


def _use_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL. Two processes creating the file at once can find the switch locked,
    and SQLite answers that at once instead of waiting: retry for the busy timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if not is_busy(exc) or time.monotonic() > deadline:
                raise
        time.sleep(0.01)


def _code(exc: sqlite3.Error) -> int:
    return int(getattr(exc, "sqlite_errorcode", -1)) & 0xFF


def is_busy(exc: sqlite3.Error) -> bool:
    """Another connection holds the lock (after the busy timeout, where SQLite waits)."""
    return _code(exc) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def is_corrupt(exc: sqlite3.Error) -> bool:
    """The file is damaged or not a database: the only errors that move a store aside (a
    busy or unreadable file is the user's to fix, and moving it would split the data)."""
    return _code(exc) in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def quick_check(conn: sqlite3.Connection) -> None:
    """Raise the corruption ``PRAGMA quick_check`` finds (damage past the header, which
    opening alone does not read)."""
    problems = [row[0] for row in conn.execute("PRAGMA quick_check").fetchall()]
    if problems != ["ok"]:
        error = sqlite3.DatabaseError(f"database disk image is malformed: {problems[0]}")
        error.sqlite_errorcode = sqlite3.SQLITE_CORRUPT
        raise error


def migrate(conn: sqlite3.Connection, migrations: Sequence[str]) -> None:
    """Apply the migrations past ``PRAGMA user_version``, each in its own transaction."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for number, script in enumerate(migrations[version:], start=version + 1):
            for statement in script.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def move_aside(path: Path) -> Path:
    """Rename a damaged database (and its WAL files) out of the way; never delete it."""
    target = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
    os.replace(path, target)
    for suffix in ("-wal", "-shm"):
        sidecar = path.with_name(path.name + suffix)
        if sidecar.exists():
            os.replace(sidecar, target.with_name(target.name + suffix))
    return target


class SQLiteThread:
    """Runs every call on one thread that owns the connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="threadline-db")

    async def call(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, fn, self.conn)

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        await self.call(lambda c: c.execute(sql, params))

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return await self.call(lambda c: c.execute(sql, params).fetchall())

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        row: tuple[Any, ...] | None = await self.call(lambda c: c.execute(sql, params).fetchone())
        return row

    async def transaction(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """``fn`` inside ``BEGIN IMMEDIATE``: reads and writes that must not interleave."""

        def run(conn: sqlite3.Connection) -> T:
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = fn(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return result

        return await self.call(run)

    async def close(self) -> None:
        await self.call(lambda c: c.close())
        self._executor.shutdown(wait=True)
