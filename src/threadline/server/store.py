"""The server's SQLite store: API objects as JSON, written by one thread, read by another.

The event loop never waits on the disk. Writes go to a single writer thread in order and
are committed in batches (group commit); each returns a future that resolves once the write
is committed, which request handlers await (so a read that follows sees it) and the run
machinery usually does not. Reads run on a reader thread with its own connection (WAL lets
it read while the writer writes).

The file is created 0600, in WAL mode with a busy timeout, and migrated with
``PRAGMA user_version`` (:mod:`.schema`). A file that is not a readable database is moved
aside (never deleted) and a fresh store started; :attr:`Store.moved_aside` says where it went.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from threadline.errors import UserError
from threadline.sqlite_files import (
    connect_private,
    is_corrupt,
    migrate,
    move_aside,
    protect,
    unavailable_reason,
)

from .schema import MIGRATIONS

log = logging.getLogger(__name__)

Kind = Literal["assistant", "thread", "message", "run", "step"]
Order = Literal["asc", "desc"]
T = TypeVar("T")

# Table and the extra indexed columns (copied from the object's fields) of each kind.
_TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "assistant": ("assistants", ()),
    "thread": ("threads", ()),
    "message": ("messages", ("thread_id", "run_id")),
    "run": ("runs", ("thread_id", "status", "owner_pid")),
    "step": ("steps", ("thread_id", "run_id")),
}
_BATCH = 256  # writes committed together at most


def encode(obj: Any) -> str:
    """Compact JSON, as the API sends it. Turn it into bytes with :func:`utf8`."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def utf8(json_text: str) -> bytes:
    """JSON text as UTF-8. A lone surrogate (JSON allows ``"\\ud800"``, UTF-8 has no such
    character) can only sit inside a string literal, so it goes back to its JSON escape."""
    return json_text.encode("utf-8", "backslashreplace")


class CursorNotFoundError(Exception):
    """A list's ``after``/``before`` id is not in that list."""

    def __init__(self, param: str, object_id: str) -> None:
        super().__init__(f"{param}={object_id}")
        self.param = param
        self.object_id = object_id


@dataclass(frozen=True, slots=True)
class Page:
    items: list[dict[str, Any]]
    has_more: bool


class StoreUnavailableError(UserError):
    """The store's file cannot be opened: locked past the busy timeout, unreadable, or not a
    file. Unlike a damaged file it is not moved aside: that would split the data."""

    def __init__(self, path: Path, exc: Exception) -> None:
        why = unavailable_reason(path, exc, "server store")
        super().__init__(f"{path}: cannot open the server store: {why}")


class _Job:
    __slots__ = ("fn", "future", "loop")

    def __init__(
        self,
        fn: Callable[[sqlite3.Connection], Any],
        loop: asyncio.AbstractEventLoop,
        future: asyncio.Future[Any],
    ) -> None:
        self.fn = fn
        self.loop = loop
        self.future = future


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class _Writer(threading.Thread):
    """The one thread that writes: takes jobs in order, commits them in batches."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        super().__init__(name="threadline-store-writer", daemon=True)
        self.conn = conn
        self.jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()

    def run(self) -> None:
        stop = False
        while not stop:
            job = self.jobs.get()
            if job is None:
                break
            batch = [job]
            while len(batch) < _BATCH:
                try:
                    more = self.jobs.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                batch.append(more)
            self._commit(batch)
        self.conn.close()

    def _commit(self, batch: list[_Job]) -> None:
        results: list[tuple[Any, BaseException | None]] = []
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            for job in batch:
                # A savepoint per job: one bad write does not undo the others.
                self.conn.execute("SAVEPOINT job")
                try:
                    results.append((job.fn(self.conn), None))
                    self.conn.execute("RELEASE job")
                except Exception as exc:
                    self.conn.execute("ROLLBACK TO job")
                    self.conn.execute("RELEASE job")
                    results.append((None, exc))
            self.conn.execute("COMMIT")
        except Exception as exc:  # the commit itself failed (disk full, I/O error)
            if self.conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    self.conn.execute("ROLLBACK")
            results = [(None, exc)] * len(batch)
        for job, (result, error) in zip(batch, results, strict=True):
            with contextlib.suppress(RuntimeError):  # the loop has closed
                job.loop.call_soon_threadsafe(_settle, job.future, result, error)


def _log_failure(future: asyncio.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("store write failed", exc_info=future.exception())


class Store:
    """Assistants, threads, messages, runs and steps in one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.moved_aside: Path | None = None
        self._writer: _Writer | None = None
        self._reader = ThreadPoolExecutor(1, thread_name_prefix="threadline-store-reader")
        self._local = threading.local()

    # --- life cycle -------------------------------------------------------------------

    @classmethod
    async def open(cls, path: Path | str) -> Store:
        """Open (creating and migrating as needed) the store at ``path``."""
        store = cls(Path(path))
        conn = await asyncio.to_thread(store._open_connection)
        store._writer = _Writer(conn)
        store._writer.start()
        return store

    def _open_connection(self) -> sqlite3.Connection:
        try:
            try:
                return self._try_open()
            except sqlite3.DatabaseError as exc:
                if not is_corrupt(exc):
                    raise
                aside = move_aside(self.path)
                log.warning("%s is not a usable store (%s); moved to %s", self.path, exc, aside)
                self.moved_aside = aside
                return self._try_open()
        except (sqlite3.Error, OSError) as exc:
            raise StoreUnavailableError(self.path, exc) from None

    def _try_open(self) -> sqlite3.Connection:
        conn = connect_private(self.path)
        try:
            migrate(conn, MIGRATIONS, "server store")
        except BaseException:
            conn.close()
            raise
        protect(self.path)  # the -wal and -shm files exist now
        return conn

    async def close(self) -> None:
        """Finish pending writes, then close both connections."""
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.jobs.put(None)
            await asyncio.to_thread(writer.join)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._reader, self._close_reader)
        self._reader.shutdown(wait=True)

    def _close_reader(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # --- plumbing ---------------------------------------------------------------------

    def write(self, fn: Callable[[sqlite3.Connection], T]) -> asyncio.Future[T]:
        """Queue ``fn(conn)`` for the writer thread; the future resolves once committed.

        Writes run in the order they were queued. Nobody has to await the future: a failure
        nobody awaits is logged.
        """
        if self._writer is None:
            raise RuntimeError("the store is closed")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        future.add_done_callback(_log_failure)
        self._writer.jobs.put(_Job(fn, loop, future))
        return future

    async def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(conn)`` on the reader thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._reader, self._read, fn)

    def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = connect_private(self.path)
        return fn(conn)

    # --- writes -----------------------------------------------------------------------

    def sync(self) -> asyncio.Future[None]:
        """Resolves once every write queued before it is committed (a read barrier)."""
        return self.write(_nothing)

    def put(self, kind: Kind, obj: dict[str, Any]) -> asyncio.Future[None]:
        """Insert or replace an object (by id). It is encoded now, so later changes to
        ``obj`` do not leak into the write."""
        return self.put_many([(kind, obj)])

    def put_many(self, objects: Iterable[tuple[Kind, dict[str, Any]]]) -> asyncio.Future[None]:
        """Insert or replace several objects in one transaction, in order."""
        rows = [(_TABLES[kind], _row(kind, obj)) for kind, obj in objects]

        def apply(conn: sqlite3.Connection) -> None:
            for (table, extra), row in rows:
                columns = ("id", "created_at", "data", *extra)
                updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
                conn.execute(
                    f"INSERT INTO {table} ({', '.join(columns)}) "
                    f"VALUES ({', '.join('?' * len(columns))}) "
                    f"ON CONFLICT(id) DO UPDATE SET {updates}",
                    row,
                )

        return self.write(apply)

    def delete(self, kind: Kind, object_id: str) -> asyncio.Future[bool]:
        table = _TABLES[kind][0]

        def apply(conn: sqlite3.Connection) -> bool:
            return conn.execute(f"DELETE FROM {table} WHERE id = ?", (object_id,)).rowcount > 0

        return self.write(apply)

    def delete_thread(self, thread_id: str) -> asyncio.Future[bool]:
        """Delete a thread with its messages, runs and steps."""

        def apply(conn: sqlite3.Connection) -> bool:
            for table in ("messages", "runs", "steps"):
                conn.execute(f"DELETE FROM {table} WHERE thread_id = ?", (thread_id,))
            return conn.execute("DELETE FROM threads WHERE id = ?", (thread_id,)).rowcount > 0

        return self.write(apply)

    def set_meta(self, key: str, value: str) -> asyncio.Future[None]:
        def apply(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

        return self.write(apply)

    # --- reads ------------------------------------------------------------------------

    async def get(self, kind: Kind, object_id: str) -> dict[str, Any] | None:
        table = _TABLES[kind][0]

        def fetch(conn: sqlite3.Connection) -> dict[str, Any] | None:
            row = conn.execute(f"SELECT data FROM {table} WHERE id = ?", (object_id,)).fetchone()
            return json.loads(row[0]) if row else None

        return await self.read(fetch)

    async def get_meta(self, key: str) -> str | None:
        def fetch(conn: sqlite3.Connection) -> str | None:
            row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            return row[0] if row else None

        return await self.read(fetch)

    async def page(
        self,
        kind: Kind,
        *,
        scope: dict[str, str] | None = None,
        limit: int = 20,
        order: Order = "desc",
        after: str | None = None,
        before: str | None = None,
    ) -> Page:
        """One page of a list, by insertion order. ``scope`` filters on indexed columns
        (``thread_id``, ``run_id``). ``after``/``before`` are ids in that list; ``before``
        gives the page just before the cursor, still in ``order``."""
        table = _TABLES[kind][0]
        scope = scope or {}

        def fetch(conn: sqlite3.Connection) -> Page:
            where = [f"{column} = ?" for column in scope]
            args: list[Any] = list(scope.values())
            forward = order == "asc"
            for param, cursor in (("after", after), ("before", before)):
                if cursor is None:
                    continue
                row = conn.execute(
                    f"SELECT seq FROM {table} WHERE id = ? "
                    + "".join(f"AND {column} = ? " for column in scope),
                    (cursor, *scope.values()),
                ).fetchone()
                if row is None:
                    raise CursorNotFoundError(param, cursor)
                later = (param == "after") == forward
                where.append("seq > ?" if later else "seq < ?")
                args.append(row[0])
            # With only `before`, walk away from the cursor, then put the page back in order.
            reverse = before is not None and after is None
            ascending = forward != reverse
            sql = (
                f"SELECT data FROM {table}"
                + (f" WHERE {' AND '.join(where)}" if where else "")
                + f" ORDER BY seq {'ASC' if ascending else 'DESC'} LIMIT ?"
            )
            rows = conn.execute(sql, (*args, limit + 1)).fetchall()
            items = [json.loads(r[0]) for r in rows[:limit]]
            if reverse:
                items.reverse()
            return Page(items, len(rows) > limit)

        return await self.read(fetch)

    async def thread_messages(
        self, thread_id: str, last: int | None = None
    ) -> list[dict[str, Any]]:
        """A thread's messages, oldest first; only the ``last`` ones if given."""

        def fetch(conn: sqlite3.Connection) -> list[dict[str, Any]]:
            sql = "SELECT data FROM messages WHERE thread_id = ? ORDER BY seq DESC"
            args: tuple[Any, ...] = (thread_id,)
            if last is not None:
                sql += " LIMIT ?"
                args = (thread_id, last)
            rows = conn.execute(sql, args).fetchall()
            return [json.loads(r[0]) for r in reversed(rows)]

        return await self.read(fetch)

    async def orphaned_runs(self, statuses: Iterable[str]) -> list[dict[str, Any]]:
        """Runs in one of ``statuses`` that no running server drives: written by this
        process (a previous server in it) or by a process that has exited."""
        wanted = tuple(statuses)
        me = os.getpid()

        def fetch(conn: sqlite3.Connection) -> list[dict[str, Any]]:
            marks = ", ".join("?" * len(wanted))
            rows = conn.execute(
                f"SELECT data, owner_pid FROM runs WHERE status IN ({marks}) ORDER BY seq", wanted
            ).fetchall()
            return [
                json.loads(data)
                for data, pid in rows
                if pid is None or pid == me or not _process_alive(pid)
            ]

        return await self.read(fetch)

    async def run_steps(self, run_id: str) -> list[dict[str, Any]]:
        def fetch(conn: sqlite3.Connection) -> list[dict[str, Any]]:
            rows = conn.execute(
                "SELECT data FROM steps WHERE run_id = ? ORDER BY seq", (run_id,)
            ).fetchall()
            return [json.loads(r[0]) for r in rows]

        return await self.read(fetch)

    async def run_messages(self, thread_id: str, run_id: str) -> list[dict[str, Any]]:
        def fetch(conn: sqlite3.Connection) -> list[dict[str, Any]]:
            rows = conn.execute(
                "SELECT data FROM messages WHERE thread_id = ? AND run_id = ? ORDER BY seq",
                (thread_id, run_id),
            ).fetchall()
            return [json.loads(r[0]) for r in rows]

        return await self.read(fetch)


def _nothing(conn: sqlite3.Connection) -> None:
    return None


def _row(kind: Kind, obj: dict[str, Any]) -> tuple[Any, ...]:
    extra = _TABLES[kind][1]
    values = (os.getpid() if c == "owner_pid" else obj.get(c) for c in extra)
    data = encode(obj)
    if not data.isascii():
        data = utf8(data).decode()  # SQLite text must be valid UTF-8
    return (obj["id"], int(obj.get("created_at") or 0), data, *values)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
