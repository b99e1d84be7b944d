"""Two processes on one data folder: the client store (drafts, titles, captures) and the
server store (two ``threadline serve`` on the same folder) both keep every write."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from threadline.core.store import STORE_FILE, ClientStore
from threadline.locations import config_path, data_dir

from .conftest import run_send

WORKER = Path(__file__).with_name("store_worker.py")
ROUNDS = 120
WORKERS = 2


def rows(conn: sqlite3.Connection, sql: str) -> list[tuple[object, ...]]:
    return conn.execute(sql).fetchall()


def test_two_processes_writing_the_client_store_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "data" / STORE_FILE  # not there yet: the workers race to create it
    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), str(path), str(n), str(ROUNDS)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=os.environ.copy(),
        )
        for n in range(WORKERS)
    ]
    try:
        for worker in workers:
            assert worker.stdout is not None and worker.stdout.readline() == "ready\n"
        for worker in workers:  # as close together as two processes can be told
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        results = [worker.communicate(timeout=60) for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    for worker, (out, err) in zip(workers, results, strict=True):
        assert (worker.returncode, out, err) == (0, "done\n", "")

    conn = sqlite3.connect(path)
    assert rows(conn, "PRAGMA integrity_check") == [("ok",)]
    assert list(path.parent.glob("*.corrupt-*")) == []
    drafts = dict(rows(conn, "SELECT key, text FROM drafts"))
    for n in range(WORKERS):
        for i in range(ROUNDS):
            assert drafts.pop(f"w{n}-{i}") == f"draft {n} {i}"
    # The shared draft is whichever worker's last write came last, whole.
    assert drafts == {"shared": drafts["shared"]}
    assert drafts["shared"] in {f"shared draft {n} {ROUNDS - 1}" for n in range(WORKERS)}
    titles = dict(rows(conn, "SELECT id, title FROM threads"))
    assert len(titles) == WORKERS * ROUNDS + 1
    assert all(
        titles[f"t{n}-{i}"] == f"title {n} {i}" for n in range(WORKERS) for i in range(ROUNDS)
    )
    assert titles["shared"] in {f"renamed by {n} at {ROUNDS - 1}" for n in range(WORKERS)}
    assert rows(conn, "SELECT count(*) FROM sent") == [(WORKERS * ROUNDS,)]
    assert rows(conn, "SELECT count(*) FROM capture_runs") == [(WORKERS * ROUNDS + 1,)]
    own = rows(conn, "SELECT count(*) FROM capture_events WHERE run_id != 'run-shared'")
    assert own == [(WORKERS * ROUNDS * 2,)]
    # Appends to one run from both sides: read-then-write under BEGIN IMMEDIATE, so the
    # sequence numbers are exactly 0..n-1, none lost or repeated.
    shared = rows(conn, "SELECT seq FROM capture_events WHERE run_id = 'run-shared' ORDER BY seq")
    assert [seq for (seq,) in shared] == list(range(WORKERS * ROUNDS))
    conn.close()


# --- two servers on one data folder ---------------------------------------------------


class ServeProcess:
    """``threadline serve`` in its own process, on a loopback port of its choosing."""

    def __init__(self, data: Path, token: str) -> None:
        self.token = token
        self.process = subprocess.Popen(
            [sys.executable, "-m", "threadline", "serve", "--port", "0", f"--token={token}",
             "--demo-speed", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "THREADLINE_DATA_DIR": str(data)},
        )  # fmt: skip

    def url(self) -> str:
        assert self.process.stdout is not None
        url = self.process.stdout.readline().strip()
        # serve prints the URL once bound, before uvicorn listens: wait until it accepts.
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        for _ in range(500):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    return url
            time.sleep(0.01)
        raise AssertionError(f"{url} never accepted a connection")

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        _, err = self.process.communicate(timeout=15)
        return err


def two_profiles(urls: dict[str, str], tokens: dict[str, str]) -> None:
    text = 'default_profile = "a"\n'
    for name, url in urls.items():
        text += (
            f'\n[profiles.{name}]\nbackend = "remote"\nbase_url = "{url}"\n'
            f'api_key = "{tokens[name]}"\nstream_idle_timeout = 5\n'
        )
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o600)


async def test_two_servers_on_one_data_folder_both_work_and_leave_each_other_alone(
    tmp_path: Path,
) -> None:
    data = tmp_path / "server-data"
    tokens = {"a": "token-for-server-a", "b": "token-for-server-b"}
    first = ServeProcess(data, tokens["a"])
    second: ServeProcess | None = None
    try:
        urls = {"a": first.url()}
        auth = {"Authorization": f"Bearer {tokens['a']}", "OpenAI-Beta": "assistants=v2"}
        async with httpx.AsyncClient(base_url=urls["a"], headers=auth, timeout=10) as a:
            (assistant,) = (await a.get("/assistants")).json()["data"]
            # A run on A that waits for tool output: active until A hears back.
            body = {
                "assistant_id": assistant["id"],
                "thread": {"messages": [{"role": "user", "content": "get_weather Oslo"}]},
                "stream": True,
            }
            run = last_run(await a.post("/threads/runs", json=body))
            assert run["status"] == "requires_action"

            # B starts on the same folder; its first answer means its start-up is done.
            second = ServeProcess(data, tokens["b"])
            urls["b"] = second.url()
            b_auth = {"Authorization": f"Bearer {tokens['b']}", "OpenAI-Beta": "assistants=v2"}
            async with httpx.AsyncClient(base_url=urls["b"], headers=b_auth, timeout=10) as b:
                assert (await b.get("/assistants")).status_code == 200
                seen_by_b = (await b.get(run_path(run))).json()
            assert seen_by_b["status"] == "requires_action"  # not expired by B

            two_profiles(urls, tokens)
            sends = await asyncio.gather(
                *(run_send(f"stream {n} tokens", profile=p) for n, p in enumerate("abab", 5))
            )
            assert [s.code for s in sends] == [0, 0, 0, 0], [s.err for s in sends]

            call = run["required_action"]["submit_tool_outputs"]["tool_calls"][0]
            outputs = [{"tool_call_id": call["id"], "output": "cold"}]
            submitted = await a.post(
                run_path(run) + "/submit_tool_outputs",
                json={"tool_outputs": outputs, "stream": True},
            )
            assert last_run(submitted)["status"] == "completed"
    finally:
        errors = [process.stop() for process in (first, second) if process is not None]
    assert all("Traceback" not in err for err in errors), errors

    conn = sqlite3.connect(data / "server.sqlite3")
    assert rows(conn, "PRAGMA integrity_check") == [("ok",)]
    assert rows(conn, "SELECT status, count(*) FROM runs GROUP BY status") == [("completed", 5)]
    # Each send's thread: its question, then its whole answer.
    threads = await local_threads_of("a") + await local_threads_of("b")
    assert len(threads) == 4
    for thread_id in threads:
        texts = [
            json.loads(data_)["role"]
            for (data_,) in rows(
                conn, f"SELECT data FROM messages WHERE thread_id = '{thread_id}' ORDER BY seq"
            )
        ]
        assert texts == ["user", "assistant"]
    conn.close()


def run_path(run: dict[str, str]) -> str:
    return f"/threads/{run['thread_id']}/runs/{run['id']}"


def last_run(response: httpx.Response) -> dict[str, Any]:
    """The run as the last run event of a streamed answer (read to its end) left it."""
    assert response.status_code == 200, response.text
    runs = [
        json.loads(block.split("\ndata: ", 1)[1])
        for block in response.text.split("\n\n")
        if block.startswith("event: thread.run.") and not block.startswith("event: thread.run.step")
    ]
    return runs[-1]  # type: ignore[no-any-return]


async def local_threads_of(profile: str) -> list[str]:
    store = await ClientStore.open(data_dir() / STORE_FILE)
    try:
        return [entry.id for entry in await store.list_threads(profile)]
    finally:
        await store.close()
