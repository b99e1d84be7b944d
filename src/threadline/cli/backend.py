"""The composition root for backends: a profile in, a connected client out.

``remote`` profiles get an HTTP client for their server. ``local`` profiles run the
embedded Assistants-compatible server in this process, reached through an in-process
transport that streams (no TCP port is opened). Only the CLI imports this module: it is
the one place that knows both the server and the client.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from threadline.api import AssistantsClient, OnRetry, Sleep
from threadline.config import Profile, resolve_api_key
from threadline.locations import data_dir, ensure_private_dir

EMBEDDED_BASE_URL = "http://threadline.embedded/v1"


@dataclass
class ClientBackend:
    """A client and what must be closed with it."""

    client: AssistantsClient
    label: str
    closers: list[Any] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """One line each for the user (a damaged embedded store that was moved aside)."""

    async def aclose(self) -> None:
        await self.client.aclose()
        for close in reversed(self.closers):
            await close()


async def open_backend(
    profile: Profile,
    *,
    server_dir: Path | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    on_retry: OnRetry | None = None,
    sleep: Sleep | None = None,
) -> ClientBackend:
    """Open the profile's backend. Raises ``MissingKeyError`` for an unusable key.

    ``transport`` replaces the network for a remote profile (tests pass an
    ``httpx.MockTransport``); everything else (key, headers, query) is as in real use.
    ``on_retry`` and ``sleep``: the remote client's retry hooks (the TUI shows its waits
    and lets the user cancel them).
    """
    if profile.backend == "remote":
        return await _open_remote(profile, transport, on_retry, sleep)
    return await _open_embedded(profile, server_dir or data_dir())


async def _open_remote(
    profile: Profile,
    transport: httpx.AsyncBaseTransport | None = None,
    on_retry: OnRetry | None = None,
    sleep: Sleep | None = None,
) -> ClientBackend:
    # A key command may take a moment (a password manager): keep it off the event loop.
    key = await asyncio.to_thread(resolve_api_key, profile)
    http = httpx.AsyncClient(transport=transport) if transport is not None else None
    client = AssistantsClient(
        base_url=str(profile.base_url),
        api_key=key,
        api_key_header=profile.api_key_header,
        headers=profile.headers,
        query=profile.query,
        timeout=profile.timeout,
        stream_idle_timeout=profile.stream_idle_timeout,
        max_retries=profile.max_retries,
        http_client=http,  # None: it makes (and so closes) its own httpx client
        on_retry=on_retry,
        sleep=sleep,
    )
    return ClientBackend(client, f"{profile.name} · remote", [http.aclose] if http else [])


async def _open_embedded(profile: Profile, folder: Path) -> ClientBackend:
    from threadline.cli.embedded import open_embedded_server

    ensure_private_dir(folder)
    warnings: list[str] = []
    transport, close_server = await open_embedded_server(profile, folder, warnings)
    http = httpx.AsyncClient(transport=transport)
    client = AssistantsClient(
        base_url=EMBEDDED_BASE_URL,
        timeout=profile.timeout,
        stream_idle_timeout=profile.stream_idle_timeout,
        max_retries=0,  # in-process: a failure is not a network blip
        http_client=http,
    )
    # A client given an httpx client leaves closing it to its owner: here, first.
    return ClientBackend(
        client, f"{profile.name} · {profile.engine}", [close_server, http.aclose], warnings
    )
