"""A remote profile end to end: ``open_backend`` with the network replaced by a recorder in
front of Threadline's own server, so every request the real client sends can be checked.

Azure AI Foundry Agents (classic) style: the key in an ``api-key`` header (no Bearer), an
``api-version`` query parameter and extra headers on every request; the key comes from
``api_key_command``.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

import httpx
import pytest

from threadline.cli.backend import open_backend
from threadline.cli.embedded import open_embedded_server
from threadline.config import Config, Profile
from threadline.core.session import MissingKey, Session
from threadline.core.store import STORE_FILE, ClientStore


class Recorder(httpx.AsyncBaseTransport):
    """Keeps every request, then hands it to the server behind it."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return await self.inner.handle_async_request(request)


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[Recorder]:
    """Threadline's demo server (instant replies) behind a recorder."""
    profile = Config.model_validate({"profiles": {"local": {"demo_speed": 0}}}).profile()
    folder = tmp_path / "server"
    folder.mkdir(mode=0o700)
    transport, close = await open_embedded_server(profile, folder)
    try:
        yield Recorder(transport)
    finally:
        await close()


def azure_config(command: list[str]) -> Config:
    return Config.model_validate(
        {
            "default_profile": "foundry",
            "profiles": {
                "foundry": {
                    "backend": "remote",
                    "base_url": "https://my-resource.services.ai.azure.com/v1",
                    "api_key_header": "api-key",
                    "api_key_command": command,
                    "query": {"api-version": "2025-05-01"},
                    "headers": {"x-ms-useragent": "threadline-tests", "X-Team": "research"},
                }
            },
        }
    )


async def open_session(config: Config, recorder: Recorder, tmp_path: Path) -> Session:
    store = await ClientStore.open(tmp_path / STORE_FILE)
    return Session(config, None, store, partial(open_backend, transport=recorder))


async def test_azure_style_header_query_and_headers_reach_every_request(
    server: Recorder, tmp_path: Path
) -> None:
    key_printer = [sys.executable, "-c", "print('azure-key-from-vault'); print('a note')"]
    session = await open_session(azure_config(key_printer), server, tmp_path)
    try:
        await session.connect()
        result = await session.conversation(None).send("hello over Azure")
        assert result.completed
        assert [a.id for a in await session.assistants()]
        assert (await session.export_thread(result.thread_id or "")).messages
    finally:
        await session.aclose()
        await session.store.close()
    paths = {(r.method, r.url.path) for r in server.requests}
    # connect, create-thread-and-run (streamed), the message cache, the picker, the export
    assert ("POST", "/v1/threads/runs") in paths
    assert ("GET", "/v1/assistants") in paths
    assert len(server.requests) >= 5
    for request in server.requests:
        where = f"{request.method} {request.url.path}"
        # The command's first line is the key, sent bare in api-key; no Authorization at all.
        assert request.headers["api-key"] == "azure-key-from-vault", where
        assert "authorization" not in request.headers, where
        assert request.url.params["api-version"] == "2025-05-01", where
        assert request.headers["x-ms-useragent"] == "threadline-tests", where
        assert request.headers["x-team"] == "research", where


async def test_a_failing_key_command_is_a_specific_message(
    server: Recorder, tmp_path: Path
) -> None:
    failing = [
        sys.executable,
        "-c",
        "import sys; sys.stderr.write('vault is locked\\n'); sys.exit(3)",
    ]
    session = await open_session(azure_config(failing), server, tmp_path)
    try:
        with pytest.raises(MissingKey) as caught:
            await session.connect()
    finally:
        await session.aclose()
        await session.store.close()
    message = str(caught.value)
    assert message.startswith("profile 'foundry': api_key_command: ")
    assert "exited with status 3: vault is locked" in message
    assert server.requests == []  # nothing was sent without a key
    # Local threads still work with a profile whose key is missing.
    assert session.connect_error is caught.value


def test_the_bearer_default_is_unchanged(tmp_path: Path) -> None:
    profile = Profile(backend="remote", base_url="https://h.test/v1")
    assert profile.auth_header() == ("Authorization", "Bearer ")


async def test_on_a_mock_transport_the_key_header_and_query_are_the_profiles(
    tmp_path: Path,
) -> None:
    """The same check on ``httpx.MockTransport`` alone: what reaches "the server"."""
    seen: list[httpx.Request] = []
    assistant = {"id": "asst_1", "object": "assistant", "model": "gpt-4o", "name": "Agent"}

    def server(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        page = {
            "object": "list",
            "data": [assistant],
            "first_id": "asst_1",
            "last_id": "asst_1",
            "has_more": False,
        }
        return httpx.Response(200, json=page)

    key_printer = [sys.executable, "-c", "print('k-from-command')"]
    store = await ClientStore.open(tmp_path / STORE_FILE)
    session = Session(
        azure_config(key_printer),
        None,
        store,
        partial(open_backend, transport=httpx.MockTransport(server)),
    )
    try:
        await session.connect()
        assert [a.name for a in await session.assistants()] == ["Agent"]
    finally:
        await session.aclose()
        await store.close()
    assert len(seen) == 2
    for request in seen:
        assert request.url.host == "my-resource.services.ai.azure.com"
        assert request.url.path == "/v1/assistants"
        assert request.headers["api-key"] == "k-from-command"
        assert request.url.params["api-version"] == "2025-05-01"
        assert request.headers["x-team"] == "research"
