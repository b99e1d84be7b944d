"""Apps over the real core and the embedded demo server, with every request recorded.

For the tests of issue 7's flows (profiles, assistants, run options, export, search): the
session, the store and the server are the real ones; a :class:`Recorder` sits where the
network would be, so a test can read the bodies the client sent.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from textual.pilot import Pilot

from threadline.api import AssistantsClient
from threadline.cli.backend import EMBEDDED_BASE_URL, ClientBackend
from threadline.cli.embedded import open_embedded_server
from threadline.config import Config, Profile
from threadline.core.session import Session
from threadline.core.store import STORE_FILE, ClientStore
from threadline.tui.app import ThreadlineApp, create_app
from threadline.tui.clock import Clock

from .conftest import settle, type_text
from .fakes import NOW


class Recorder(httpx.AsyncBaseTransport):
    """Keeps every request, then hands it to the transport behind it."""

    def __init__(self) -> None:
        self.inner: httpx.AsyncBaseTransport | None = None
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        assert self.inner is not None
        return await self.inner.handle_async_request(request)

    def bodies(self, method: str, path_end: str) -> list[dict[str, Any]]:
        return [
            json.loads(r.content)
            for r in self.requests
            if r.method == method and r.url.path.endswith(path_end)
        ]


class RecordedApps:
    """Apps over one data folder, each request through ``recorder``."""

    def __init__(self, folder: Path, config: Config | None = None) -> None:
        self.folder = folder
        self.config = config or Config.model_validate({"profiles": {"local": {"demo_speed": 0}}})
        self.recorder = Recorder()
        self.sessions: list[Session] = []

    async def backend(self, profile: Profile) -> ClientBackend:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        transport, close = await open_embedded_server(profile, self.folder)
        self.recorder.inner = transport
        http = httpx.AsyncClient(transport=self.recorder)
        client = AssistantsClient(base_url=EMBEDDED_BASE_URL, max_retries=0, http_client=http)
        return ClientBackend(client, f"{profile.name} · {profile.engine}", [close, http.aclose])

    def __call__(self, *, profile: str | None = None, theme: str | None = None) -> ThreadlineApp:
        async def open_session(name: str | None) -> Session:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            store = await ClientStore.open(self.folder / STORE_FILE)
            session = Session(self.config, name, store, self.backend)
            self.sessions.append(session)
            return session

        return create_app(
            self.config,
            open_session,
            profile=profile,
            clock=Clock.fixed(NOW),
            theme=theme,
            cursor_blink=False,
        )


async def until(pilot: Pilot[None], condition: Callable[[], object], tries: int = 200) -> None:
    """Pause until ``condition()`` holds (for work that waits on a dialog, which ``settle``
    cannot wait for)."""
    for _ in range(tries):
        await pilot.pause()
        if condition():
            return
    raise AssertionError("the condition never held")


async def send(pilot: Pilot[None], text: str) -> None:
    """Send from the composer (focused first: a dialog that closed may leave focus elsewhere)."""
    pilot.app.screen.query_one("#composer").focus()
    await type_text(pilot, text, "enter")
    await settle(pilot)
