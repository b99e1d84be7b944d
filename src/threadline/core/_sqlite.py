"""The local store's I/O thread: every statement runs on one dedicated thread, so the
event loop (the TUI's UI loop) never waits on the disk. Read-then-write sequences use
``BEGIN IMMEDIATE`` so that another process cannot interleave. Opening, WAL, migrations
and damaged files are :mod:`threadline.sqlite_files`.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


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
