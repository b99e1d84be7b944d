"""The store's SQLite schema, as numbered migrations (``PRAGMA user_version``).

Objects are kept as JSON text in the API's own shape; the other columns exist to find and
order them. ``seq`` is the insertion order: lists page by it, so objects created in the
same second keep their order. A run's ``owner_pid`` is the process whose server drives it:
a server starting on a shared file ends only the runs whose process is gone.
"""

from __future__ import annotations

_OBJECT_COLUMNS = """
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    data TEXT NOT NULL
"""

MIGRATIONS: tuple[str, ...] = (
    # 1: the five object kinds and a key-value table for one-off facts (seeding).
    f"""
    CREATE TABLE assistants ({_OBJECT_COLUMNS});
    CREATE TABLE threads ({_OBJECT_COLUMNS});
    CREATE TABLE messages ({_OBJECT_COLUMNS}, thread_id TEXT NOT NULL, run_id TEXT);
    CREATE INDEX messages_thread ON messages (thread_id, seq);
    CREATE INDEX messages_run ON messages (thread_id, run_id, seq);
    CREATE TABLE runs ({_OBJECT_COLUMNS}, thread_id TEXT NOT NULL, status TEXT NOT NULL,
        owner_pid INTEGER);
    CREATE INDEX runs_thread ON runs (thread_id, seq);
    CREATE INDEX runs_status ON runs (status);
    CREATE TABLE steps ({_OBJECT_COLUMNS}, thread_id TEXT NOT NULL, run_id TEXT NOT NULL);
    CREATE INDEX steps_run ON steps (run_id, seq);
    CREATE INDEX steps_thread ON steps (thread_id);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)
