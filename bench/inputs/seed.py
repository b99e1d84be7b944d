"""Seed a data folder with threads, as if they had been used: on the embedded server (its
SQLite store) and in the client's store (the sidebar's index and the message cache).

Objects are built by the server's own constructors and written through both stores' own
APIs, so they are exactly what the app would have written itself.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.inputs.thread import messages as thread_messages

PROFILE = "bench"  # the profile of bench.support.env.demo_config


@dataclass(frozen=True)
class SeededThread:
    thread_id: str
    title: str
    last_message_id: str | None


async def _seed(data: Path, threads: list[tuple[str, int]]) -> list[SeededThread]:
    from threadline.api import Message
    from threadline.cli.embedded import SERVER_STORE
    from threadline.core.store import STORE_FILE, ClientStore, ThreadEntry
    from threadline.server import objects
    from threadline.server.store import Store

    server = await Store.open(data / SERVER_STORE)
    client = await ClientStore.open(data / STORE_FILE)
    seeded: list[SeededThread] = []
    try:
        base = int(time.time()) - 10 * 86_400
        for order, (title, count) in enumerate(threads):
            created = base + order * 60_000
            thread = objects.thread({"metadata": {"title": title}}, created)
            rows: list[tuple[str, dict[str, Any]]] = [("thread", thread)]
            for index, (role, text) in enumerate(thread_messages(count)):
                message = objects.message(
                    thread["id"],
                    created + index,
                    role=role,
                    content=[objects.text_block(text)],
                )
                rows.append(("message", message))
            await server.put_many(rows)  # type: ignore[arg-type]
            models = [Message.model_validate(obj) for kind, obj in rows if kind == "message"]
            last_activity = float(created + count)
            await client.upsert_thread(
                ThreadEntry(PROFILE, thread["id"], title, float(created), last_activity)
            )
            await client.cache_messages(PROFILE, thread["id"], models)
            seeded.append(SeededThread(thread["id"], title, models[-1].id if models else None))
        await server.sync()
    finally:
        await client.close()
        await server.close()
    return seeded


def seed(data: Path, threads: list[tuple[str, int]]) -> list[SeededThread]:
    """Create ``(title, message count)`` threads, the last one the most recently active."""
    data.mkdir(parents=True, exist_ok=True, mode=0o700)
    return asyncio.run(_seed(data, threads))
