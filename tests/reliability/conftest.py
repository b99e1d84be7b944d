"""Fixtures for the reliability suite: ``threadline serve``'s server on a loopback port, a
fault proxy in front of it, a remote profile pointing at the proxy, and ``send`` in-process.
"""

from __future__ import annotations

import io
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from threadline.cli.embedded import SERVER_STORE, build_engine
from threadline.cli.send_run import send
from threadline.cli.serve import _bind
from threadline.core.store import STORE_FILE, ClientStore
from threadline.locations import config_path, data_dir, ensure_private_dir
from threadline.server.app import create_app
from threadline.server.engines.base import Engine
from threadline.server.store import Store

from .proxy import Canned, Fault, FaultProxy

TOKEN = "tl-reliability-token-3f9a2c"
IDLE = 0.3  # the profile's stream_idle_timeout, seconds
PROFILE = "rel"


@dataclass
class Served:
    """``threadline serve`` running in this process."""

    port: int
    store: Store
    folder: Path
    token: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def http(self) -> httpx.AsyncClient:
        """A plain client straight to the server (not through any proxy)."""
        return httpx.AsyncClient(
            base_url=self.url,
            headers={"Authorization": f"Bearer {self.token}", "OpenAI-Beta": "assistants=v2"},
            timeout=10,
        )


@asynccontextmanager
async def serving(
    folder: Path,
    *,
    token: str = TOKEN,
    speed: float = 0.0,
    sock: socket.socket | None = None,
    engine: Engine | None = None,
    send_buffer: int | None = None,
) -> AsyncIterator[Served]:
    """The server ``threadline serve --port 0 --token T --demo-speed S`` runs, built from
    the same parts (engine, store in the data folder, app with the token, uvicorn on a
    socket bound by serve's own ``_bind``), without its signal handling. ``sock``: serve
    on this bound socket instead (a port a test reserved); ``engine``: instead of the demo;
    ``send_buffer``: a fixed kernel send buffer for its connections (no autotuning to
    megabytes), so that a client that stops reading pushes back on the server at once."""
    ensure_private_dir(folder)
    engine = engine or build_engine("demo", None, speed)
    store = await Store.open(folder / SERVER_STORE)
    app = create_app(store, engine, token=token)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="warning", lifespan="on",
        timeout_graceful_shutdown=2,
    )  # fmt: skip
    server = uvicorn.Server(config)
    sock = sock or _bind("127.0.0.1", 0)
    if send_buffer is not None:  # accepted connections inherit it
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
    config.load()
    server.lifespan = config.lifespan_class(config)
    try:
        await server.startup(sockets=[sock])
        assert server.started
        try:
            yield Served(sock.getsockname()[1], store, folder, token)
        finally:
            await server.shutdown(sockets=[sock])
    finally:
        sock.close()
        await store.close()


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    async with serving(tmp_path / "server-data") as server:
        yield server


def write_config(
    port: int,
    *,
    key: str = TOKEN,
    idle: float = IDLE,
    max_retries: int = 2,
    extra: str = "",
) -> Path:
    """A remote profile (the default) for the server or proxy on ``port``; 0600."""
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    text = (
        f'default_profile = "{PROFILE}"\n\n'
        f"[profiles.{PROFILE}]\n"
        'backend = "remote"\n'
        f'base_url = "http://127.0.0.1:{port}/v1"\n'
        f'api_key = "{key}"\n'
        f"stream_idle_timeout = {idle}\n"
        f"max_retries = {max_retries}\n"
        "timeout = 10\n" + extra
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    return path


@asynccontextmanager
async def proxied(
    served: Served,
    fault: Fault | None = None,
    canned: list[Canned] | None = None,
    **config: Any,
) -> AsyncIterator[FaultProxy]:
    """A fault proxy in front of ``served``, with the profile pointing at it."""
    async with FaultProxy(served.port, fault, canned) as proxy:
        write_config(proxy.port, **config)
        yield proxy


@dataclass
class Sent:
    code: int
    out: str
    err: str


async def run_send(text: str, profile: str | None = None, **kwargs: Any) -> Sent:
    """``threadline send TEXT`` in this process."""
    out, err = io.StringIO(), io.StringIO()
    code = await send(text, profile_name=profile, out=out, err=err, **kwargs)
    return Sent(code, out.getvalue(), err.getvalue())


async def local_threads() -> list[str]:
    """The thread ids in the client's index for the profile, newest first."""
    store = await ClientStore.open(data_dir() / STORE_FILE)
    try:
        return [entry.id for entry in await store.list_threads(PROFILE)]
    finally:
        await store.close()


@dataclass
class ThreadContents:
    messages: list[dict[str, Any]]
    runs: list[dict[str, Any]]

    def roles(self) -> list[str]:
        return [m["role"] for m in self.messages]

    def text(self, role: str = "assistant") -> str:
        texts = [
            "".join(b["text"]["value"] for b in m["content"] if b["type"] == "text")
            for m in self.messages
            if m["role"] == role
        ]
        assert len(texts) == 1, texts
        return texts[0]


async def thread_contents(served: Served, thread_id: str) -> ThreadContents:
    """The thread's messages and runs, oldest first, listed through the API."""
    async with served.http() as http:
        messages = await http.get(f"/threads/{thread_id}/messages", params={"order": "asc"})
        runs = await http.get(f"/threads/{thread_id}/runs", params={"order": "asc"})
    messages.raise_for_status()
    runs.raise_for_status()
    return ThreadContents(messages.json()["data"], runs.json()["data"])


async def count_rows(served: Served, table: str) -> int:
    """Rows in a server store table, across every thread (after pending writes)."""
    await served.store.sync()
    count = await served.store.read(
        lambda conn: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    )
    return int(count)
