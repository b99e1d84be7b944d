"""A core ``Session`` on the embedded demo server, reached in-process (no port)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from pydantic import SecretStr

from threadline.api import ASGIStreamingTransport, AssistantsClient
from threadline.cli.backend import EMBEDDED_BASE_URL, ClientBackend
from threadline.config import Config, Profile
from threadline.core.session import Session
from threadline.core.store import ClientStore


@asynccontextmanager
async def demo_session(
    folder: Path,
    *,
    key: str,
    speed: float = 0.0,
    config: Config | None = None,
    on_request: Callable[[httpx.Request], Awaitable[None]] | None = None,
) -> AsyncIterator[Session]:
    """A connected session whose backend is the demo engine at ``speed`` tokens/s (0: at
    once), the server and client stores in ``folder``; ``on_request`` sees each request."""
    from threadline.server.app import create_app
    from threadline.server.engines.demo import DemoEngine
    from threadline.server.store import Store

    server_store = await Store.open(folder / "server.sqlite3")
    app = create_app(server_store, DemoEngine(speed), token=key)
    await app.state.server.startup()
    hooks = {"request": [on_request]} if on_request is not None else {}
    http = httpx.AsyncClient(transport=ASGIStreamingTransport(app), event_hooks=hooks)

    async def backend(profile: Profile) -> ClientBackend:
        client = AssistantsClient(
            base_url=EMBEDDED_BASE_URL, api_key=SecretStr(key), max_retries=0, http_client=http
        )
        return ClientBackend(client, "test · demo")

    store = await ClientStore.open(folder / "client.db")
    session = Session(config or Config(), None, store, backend)
    await session.connect()
    try:
        yield session
    finally:
        await session.aclose()
        await http.aclose()
        await store.close()
        await app.state.server.shutdown()
        await server_store.close()
