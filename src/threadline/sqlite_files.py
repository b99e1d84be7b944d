"""SQLite files as both stores keep them: private, WAL, patient with other processes,
migrated by ``PRAGMA user_version``, and moved aside (never deleted) when damaged.

The client's local store (:mod:`threadline.core.store`) and the server's store
(:mod:`threadline.server.store`) share one data folder and may each be opened by two
processes at once: WAL lets readers and a writer work together, ``busy_timeout`` makes a
writer wait for another's lock instead of failing, and each migration reads the version
inside its own ``BEGIN IMMEDIATE`` so two processes cannot both run it.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path

BUSY_TIMEOUT_MS = 5000
_SIDECARS = ("-wal", "-shm")


class SchemaTooNewError(sqlite3.DatabaseError):
    """The file was written by a newer Threadline: neither migrated nor moved aside."""


def connect_private(path: Path) -> sqlite3.Connection:
    """Open (creating it 0600, in a 0700 folder) a database in WAL mode."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _use_wal(conn)
        # WAL + NORMAL: a commit is atomic and survives a crash of the process; the fsync
        # happens at checkpoints, not on every write.
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
    except BaseException:
        conn.close()
        raise
    protect(path)
    return conn


def protect(path: Path) -> None:
    """Make the database and the WAL files SQLite creates beside it 0600."""
    for suffix in ("", *_SIDECARS):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(f"{path}{suffix}", 0o600)


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
    return not isinstance(exc, SchemaTooNewError) and _code(exc) in (
        sqlite3.SQLITE_CORRUPT,
        sqlite3.SQLITE_NOTADB,
    )


def quick_check(conn: sqlite3.Connection) -> None:
    """Raise the corruption ``PRAGMA quick_check`` finds (damage past the header, which
    opening alone does not read)."""
    problems = [row[0] for row in conn.execute("PRAGMA quick_check").fetchall()]
    if problems != ["ok"]:
        error = sqlite3.DatabaseError(f"database disk image is malformed: {problems[0]}")
        error.sqlite_errorcode = sqlite3.SQLITE_CORRUPT
        raise error


def migrate(conn: sqlite3.Connection, migrations: Sequence[str], what: str = "store") -> None:
    """Apply the migrations past ``PRAGMA user_version``, one transaction each.

    The version is read inside each migration's ``BEGIN IMMEDIATE``: another process may be
    migrating the same file, and a version read before it finished would run its migration
    a second time ("table already exists").
    """
    for number in range(1, len(migrations) + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            (version,) = conn.execute("PRAGMA user_version").fetchone()
            if version > len(migrations):
                raise SchemaTooNewError(
                    f"{what} schema version {version} is newer than this Threadline "
                    f"({len(migrations)})"
                )
            if version < number:
                for statement in migrations[number - 1].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


def move_aside(path: Path) -> Path:
    """Rename a damaged database (and its WAL files) out of the way; never delete it."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():  # damaged twice in one second: keep both
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    os.replace(path, target)
    for suffix in _SIDECARS:
        with contextlib.suppress(FileNotFoundError):
            os.replace(f"{path}{suffix}", f"{target}{suffix}")
    return target


def unavailable_reason(path: Path, exc: Exception, what: str) -> str:
    """Why the ``what`` (e.g. "local store") cannot be opened, for a one-line error."""
    if path.is_dir():
        return f"it is a folder; the {what} must be a file"
    if isinstance(exc, sqlite3.Error) and is_busy(exc):
        return "another process holds it locked; try again"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc)
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        return "permission denied"
    return str(exc)
