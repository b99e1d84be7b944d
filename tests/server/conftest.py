"""Fixtures for the server: a store in tmp_path, the app with the demo engine at full speed,
an in-process client whose every JSON response is checked against the spec, and the app
served by uvicorn on a loopback port for the official SDK."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from threadline.api import ASGIStreamingTransport
from threadline.server.app import create_app
from threadline.server.engines.demo import DemoEngine
from threadline.server.store import Store

from .support import validate_response

TOKEN = "test-token-8d1f"
BASE = "http://threadline.test/v1"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    store = await Store.open(tmp_path / "server.sqlite3")
    yield store
    await store.close()


@pytest.fixture
def engine() -> DemoEngine:
    return DemoEngine(speed=0)


@pytest.fixture
async def app(store: Store, engine: DemoEngine) -> AsyncIterator[Starlette]:
    app = create_app(store, engine, token=None)
    yield app
    await app.state.server.shutdown()


def client_for(app: Starlette, **kwargs: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=ASGIStreamingTransport(app),
        base_url=BASE,
        event_hooks={"response": [validate_response]},
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """The in-process client; every JSON response it gets is validated against the spec."""
    async with client_for(app) as client:
        yield client


@pytest.fixture
async def assistant_id(http: httpx.AsyncClient) -> str:
    """The seeded "Threadline Demo" assistant."""
    response = await http.get("/assistants")
    return str(response.json()["data"][0]["id"])


@pytest.fixture
async def live_server(store: Store, engine: DemoEngine) -> AsyncIterator[str]:
    """The app on a loopback port with a token; yields the base URL."""
    app = create_app(store, engine, token=TOKEN)
    config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    task = asyncio.create_task(server.serve(sockets=[sock]))
    for _ in range(2000):  # startup takes a few loop turns, bounded at about 2 s
        if server.started or task.done():
            break
        await asyncio.sleep(0.001)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}/v1"
    server.should_exit = True
    await task
    sock.close()
