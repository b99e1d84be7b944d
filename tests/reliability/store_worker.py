"""One of several processes writing the same client store at once (run as a script).

    python store_worker.py STORE_PATH WORKER_ID ROUNDS

Prints "ready" once imported, waits for a line on stdin (so every worker starts writing
together, racing even to create the file), then writes ROUNDS rounds of: its own draft,
the shared draft, a thread of its own, the shared thread's title, a sent record and a run's
captured events (appended to a shared run too). Prints "done" at the end.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from threadline.core.store import CapturedEvent, ClientStore, ThreadEntry

PROFILE = "p"
SHARED = "shared"


async def work(path: Path, worker: int, rounds: int) -> None:
    store = await ClientStore.open(path)
    try:
        if store.warnings:  # a healthy store must never be moved aside
            raise SystemExit(f"worker {worker}: {store.warnings}")
        await store.upsert_thread(ThreadEntry(PROFILE, SHARED, "shared", 0.0, 0.0))
        for i in range(rounds):
            await store.save_draft(PROFILE, f"w{worker}-{i}", f"draft {worker} {i}")
            await store.save_draft(PROFILE, SHARED, f"shared draft {worker} {i}")
            await store.upsert_thread(
                ThreadEntry(PROFILE, f"t{worker}-{i}", f"title {worker} {i}", i, i)
            )
            await store.rename_thread(PROFILE, SHARED, f"renamed by {worker} at {i}")
            await store.record_sent(PROFILE, SHARED, f"sent {worker} {i}")
            events = [CapturedEvent(j / 10, "thread.message.delta", f'{{"n":{j}}}') for j in (0, 1)]
            await store.capture(PROFILE, SHARED, f"run-{worker}-{i}", events, keep_runs=100_000)
            await store.capture(PROFILE, SHARED, "run-shared", events[:1], keep_runs=100_000)
    finally:
        await store.close()


def main() -> None:
    path, worker, rounds = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    print("ready", flush=True)
    sys.stdin.readline()
    asyncio.run(work(path, worker, rounds))
    print("done", flush=True)


if __name__ == "__main__":
    main()
