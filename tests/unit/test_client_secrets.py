"""The API key never shows: not in reprs, error messages, nor any traceback frame's locals."""

from __future__ import annotations

import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from threadline.api import APIError, APIKeyAuth, AssistantsClient

from .client_support import (
    FAKE_KEY,
    MESSAGE,
    Server,
    chunked,
    make_client,
    run,
    sse,
    sse_response,
)

ECHO = {"error": {"message": f"Incorrect API key provided: {FAKE_KEY}", "code": "invalid_api_key"}}


async def _stream_cut(client: AssistantsClient) -> None:
    async with client.stream_run("thread_1", assistant_id="a") as stream:
        async for _ in stream:
            pass


def _cut_body() -> AsyncIterator[bytes]:
    return chunked(sse("thread.run.created", run()), then=httpx.ReadError("reset"))


SCENARIOS: dict[str, tuple[list[Any], Callable[[AssistantsClient], Awaitable[Any]]]] = {
    "401-echo": ([httpx.Response(401, json=ECHO)], lambda c: c.get_thread("t")),
    "401-text-echo": (
        [httpx.Response(401, text=f"bad key {FAKE_KEY}")],
        lambda c: c.create_message("t", role="user", content="hi"),
    ),
    "connect-error": (
        [httpx.ConnectError("refused"), httpx.ConnectError("refused")],
        lambda c: c.get_thread("t"),
    ),
    "protocol-echo": (
        [httpx.LocalProtocolError(f"Illegal header value b'Bearer {FAKE_KEY}'")],
        lambda c: c.create_run("t", assistant_id="a"),
    ),
    "429-exhausted": ([lambda r: httpx.Response(429, json=ECHO)] * 2, lambda c: c.list_runs("t")),
    "bad-2xx": ([httpx.Response(200, json={"nope": FAKE_KEY})], lambda c: c.get_run("t", "r")),
    "stream-cut": ([lambda request: sse_response(_cut_body())], _stream_cut),
    "stream-html": (
        [httpx.Response(502, text=f"<html><title>Bad</title>{FAKE_KEY}</html>")],
        _stream_cut,
    ),
}


def client_header(key_header: str) -> str:
    return key_header.partition(":")[0]


def _reprs_in_traceback(error: BaseException) -> tuple[list[str], list[str]]:
    """repr of every local of every frame in the error's traceback and its chain."""
    texts: list[str] = []
    files: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for frame, _ in traceback.walk_tb(current.__traceback__):
            files.append(frame.f_code.co_filename)
            texts.extend(repr(value) for value in frame.f_locals.values())
        current = current.__cause__ or current.__context__
    return texts, files


@pytest.mark.parametrize("key_header", ["Authorization: Bearer", "api-key"])
@pytest.mark.parametrize("scenario", SCENARIOS)
async def test_the_key_is_nowhere_in_an_error(scenario: str, key_header: str) -> None:
    # No local of this frame may hold the key: the walk below covers this frame too.
    server = Server(*SCENARIOS[scenario][0])
    call = SCENARIOS[scenario][1]
    client = make_client(server, api_key_header=key_header, max_retries=1)

    with pytest.raises(APIError) as caught:
        await call(client)

    error = caught.value
    # The key did go out, to the server only. (Checked inline: a local in this frame
    # holding it would be walked below.)
    assert FAKE_KEY in str(server.requests[0].headers.get(client_header(key_header)))
    assert FAKE_KEY not in str(error)
    assert FAKE_KEY not in repr(error)
    assert FAKE_KEY not in repr(vars(error))
    texts, files = _reprs_in_traceback(error)
    assert any("threadline/api" in name for name in files), "walked no client frames"
    assert texts, "walked no locals"
    for text in texts:
        assert FAKE_KEY not in text


async def test_the_key_is_not_in_the_reprs_of_the_client_or_its_auth() -> None:
    server = Server(httpx.Response(200, json=MESSAGE))
    client = make_client(server, api_key_header="api-key")
    auth = APIKeyAuth(SecretStr(FAKE_KEY), "api-key")
    await client.get_message("t", "m")

    for obj in (client, auth):
        assert FAKE_KEY not in repr(obj)
        assert FAKE_KEY not in str(obj)
    assert repr(client) == (
        "AssistantsClient(base_url='https://api.example.test/v1', "
        "api_key_header='api-key', api_key='***')"
    )
