"""Bad input gets the hosted API's status and error body, and the server keeps serving."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from threadline.server.app import create_app
from threadline.server.engines.demo import DemoEngine
from threadline.server.store import Store

from .conftest import client_for
from .support import read_stream, wait_status

BIG = 8 * 1024 * 1024


def error_of(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    return error


async def test_malformed_json(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/threads", content=b'{"metadata": ', headers={"content-type": "application/json"}
    )
    error = error_of(response, 400)
    assert error["type"] == "invalid_request_error"
    assert "could not parse the JSON body" in error["message"]
    not_object = await http.post("/threads", content=b"[1, 2]")
    assert "expected an object" in error_of(not_object, 400)["message"]
    assert (await http.post("/threads", json={})).status_code == 200


@pytest.mark.parametrize(
    ("url", "body", "param", "message"),
    [
        ("/threads", {"foo": 1}, "foo", "Unrecognized request argument supplied: foo"),
        (
            "/assistants",
            {"model": "m", "tools": [{"type": "function", "function": {"name": "f", "x": 1}}]},
            "tools[0].function.x",
            "Unrecognized request argument supplied: tools[0].function.x",
        ),
        (
            "/assistants",
            {"model": "m", "temperature": "hot"},
            "temperature",
            "Invalid type for 'temperature': expected a decimal, but got a string instead.",
        ),
        (
            "/assistants",
            {"model": "m", "temperature": 2.5},
            "temperature",
            "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, "
            "but got 2.5 instead.",
        ),
        (
            "/assistants",
            {"model": "m", "top_p": 1.5},
            "top_p",
            "Invalid 'top_p': decimal above maximum value. Expected a value <= 1, "
            "but got 1.5 instead.",
        ),
        ("/assistants", {}, "model", "Missing required parameter: 'model'."),
        (
            "/assistants",
            {"model": 7},
            "model",
            "Invalid type for 'model': expected a string, but got an integer instead.",
        ),
        (
            "/assistants",
            {"model": "m", "tools": [{"type": "browser"}]},
            "tools[0].type",
            "Invalid value: 'browser'. Supported values are: 'code_interpreter', "
            "'file_search' and 'function'.",
        ),
        (
            "/threads",
            {"messages": [{"role": "system", "content": "x"}]},
            "messages[0].role",
            "Invalid value: 'system'. Supported values are: 'user' and 'assistant'.",
        ),
        (
            "/threads",
            {"messages": [{"role": "user", "content": []}]},
            "messages[0].content",
            "Invalid 'messages[0].content': empty array. Expected an array with minimum "
            "length 1, but got an empty array instead.",
        ),
        (
            "/threads",
            {"metadata": {str(i): "v" for i in range(17)}},
            "metadata",
            "Invalid 'metadata': too many properties. Expected an object with at most 16 "
            "properties, but got an object with 17 properties instead.",
        ),
        (
            "/threads",
            {"metadata": {"k" * 65: "v"}},
            "metadata",
            "Invalid 'metadata': metadata key too long. Expected a key with maximum length "
            "64, but got a key with length 65 instead.",
        ),
        (
            "/threads",
            {"metadata": {"k": "v" * 513}},
            "metadata.k",
            "Invalid 'metadata.k': string too long. Expected a string with maximum length "
            "512, but got a string with length 513 instead.",
        ),
        (
            "/threads",
            {"metadata": {"k": 1}},
            "metadata.k",
            "Invalid type for 'metadata.k': expected a string, but got an integer instead.",
        ),
    ],
)
async def test_bad_bodies_name_the_parameter(
    http: httpx.AsyncClient, url: str, body: dict[str, Any], param: str, message: str
) -> None:
    error = error_of(await http.post(url, json=body), 400)
    assert error["param"] == param
    assert error["message"] == message


async def test_metadata_at_the_limits_is_accepted(http: httpx.AsyncClient) -> None:
    metadata = {f"{i:02d}" + "k" * 62: "v" * 512 for i in range(16)}
    response = await http.post("/threads", json={"metadata": metadata})
    assert response.json()["metadata"] == metadata


async def test_run_parameters_are_checked(http: httpx.AsyncClient, assistant_id: str) -> None:
    thread = (await http.post("/threads", json={})).json()
    url = f"/threads/{thread['id']}/runs"
    cases = [
        ({"assistant_id": assistant_id, "temperature": -1}, "temperature"),
        ({"assistant_id": assistant_id, "max_completion_tokens": 10}, "max_completion_tokens"),
        ({"assistant_id": assistant_id, "tool_choice": "sometimes"}, "tool_choice"),
        (
            {"assistant_id": assistant_id, "tool_choice": {"type": "function", "function": {}}},
            "tool_choice.function.name",
        ),
        (
            {
                "assistant_id": assistant_id,
                "tool_choice": {"type": "function", "function": {"name": "nope"}},
            },
            "tool_choice",
        ),
        (
            {"assistant_id": assistant_id, "truncation_strategy": {"type": "x"}},
            "truncation_strategy.type",
        ),
        ({"assistant_id": assistant_id, "stream": "yes"}, "stream"),
        ({}, "assistant_id"),
    ]
    for body, param in cases:
        assert error_of(await http.post(url, json=body), 400)["param"] == param, body
    missing = await http.post(url, json={"assistant_id": "asst_missing"})
    assert error_of(missing, 404)["message"] == "No assistant found with id 'asst_missing'."


async def test_a_second_run_on_a_busy_thread_is_refused(
    http: httpx.AsyncClient, assistant_id: str, app: Starlette
) -> None:
    thread = (
        await http.post(
            "/threads", json={"messages": [{"role": "user", "content": "stream 1000000 tokens"}]}
        )
    ).json()
    url = f"/threads/{thread['id']}/runs"
    run = (await http.post(url, json={"assistant_id": assistant_id})).json()
    second = await http.post(url, json={"assistant_id": assistant_id})
    assert error_of(second, 400)["message"] == (
        f"Thread {thread['id']} already has an active run {run['id']}."
    )
    message = await http.post(
        f"/threads/{thread['id']}/messages", json={"role": "user", "content": "more"}
    )
    assert "while a run" in error_of(message, 400)["message"]
    await http.post(f"{url}/{run['id']}/cancel")
    await wait_status(app, run["id"], "cancelled")
    assert (await http.post(url, json={"assistant_id": assistant_id})).status_code == 200
    again = await http.post(f"{url}/{run['id']}/cancel")
    assert error_of(again, 400)["message"] == "Cannot cancel run with status 'cancelled'."


async def test_tool_outputs_must_answer_every_call_once(
    http: httpx.AsyncClient, assistant_id: str, app: Starlette
) -> None:
    thread = (
        await http.post(
            "/threads",
            json={"messages": [{"role": "user", "content": "Weather in Paris, call get_weather"}]},
        )
    ).json()
    url = f"/threads/{thread['id']}/runs"
    run = (await http.post(url, json={"assistant_id": assistant_id})).json()
    await wait_status(app, run["id"], "requires_action")
    run = (await http.get(f"{url}/{run['id']}")).json()
    (call,) = run["required_action"]["submit_tool_outputs"]["tool_calls"]
    submit = f"{url}/{run['id']}/submit_tool_outputs"
    cases = [
        ([], "tool_outputs"),
        ([{"tool_call_id": "call_other", "output": "x"}], "tool_outputs[0].tool_call_id"),
        (
            [
                {"tool_call_id": call["id"], "output": "a"},
                {"tool_call_id": call["id"], "output": "b"},
            ],
            "tool_outputs[1].tool_call_id",
        ),
        ([{"output": "x"}], "tool_outputs[0].tool_call_id"),
    ]
    for outputs, param in cases:
        error = error_of(await http.post(submit, json={"tool_outputs": outputs}), 400)
        assert error["param"] == param, outputs
    assert (await http.get(f"{url}/{run['id']}")).json()["status"] == "requires_action"
    ok = await http.post(
        submit, json={"tool_outputs": [{"tool_call_id": call["id"], "output": "x"}]}
    )
    assert ok.json()["status"] == "queued"
    await wait_status(app, run["id"], "completed")
    late = await http.post(
        submit, json={"tool_outputs": [{"tool_call_id": call["id"], "output": "x"}]}
    )
    assert (
        error_of(late, 400)["message"] == 'Runs in status "completed" do not accept tool outputs.'
    )


async def test_oversized_bodies_get_413_and_the_server_keeps_serving(
    http: httpx.AsyncClient,
) -> None:
    huge = b'{"metadata": {"k": "' + b"x" * BIG + b'"}}'
    declared = await http.post("/threads", content=huge)
    error = error_of(declared, 413)
    assert "8 MiB" in error["message"]

    async def chunked() -> Any:  # no Content-Length: the limit holds while reading
        for _ in range(9):
            yield b" " * (1024 * 1024)

    streamed = await http.post("/threads", content=chunked())
    error_of(streamed, 413)
    assert (await http.post("/threads", json={})).status_code == 200


async def test_unknown_urls_and_methods(http: httpx.AsyncClient) -> None:
    error = error_of(await http.get("/nope"), 404)
    assert error["message"] == "Invalid URL (GET /v1/nope)"
    error = error_of(await http.delete("/threads"), 405)
    assert error["message"] == "Invalid method for URL (DELETE /v1/threads)"


@pytest.fixture
async def guarded(store: Store) -> Any:
    app: Starlette = create_app(store, DemoEngine(speed=0), token="s3cret-token")
    yield app
    await app.state.server.shutdown()


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, None),
        ({"authorization": "Bearer"}, None),
        ({"authorization": "Basic czNjcmV0"}, None),
        ({"authorization": "Bearer wrong"}, "invalid_api_key"),
        ({"authorization": "Bearer s3cret-token-and-more"}, "invalid_api_key"),
    ],
)
async def test_the_token_is_required(
    guarded: Starlette, headers: dict[str, str], code: str | None
) -> None:
    async with client_for(guarded) as client:
        error = error_of(await client.get("/assistants", headers=headers), 401)
        assert error["code"] == code
        assert "s3cret" not in error["message"]
        ok = await client.get("/assistants", headers={"authorization": "Bearer s3cret-token"})
        assert ok.status_code == 200


async def test_an_unexpected_failure_is_a_500_with_the_api_body(
    http: httpx.AsyncClient, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    with monkeypatch.context() as patch:
        patch.setattr(store, "get", broken)
        error = error_of(await http.get("/threads/thread_x"), 500)
    assert error["type"] == "server_error"
    assert "disk on fire" not in error["message"]
    assert (await http.get("/threads/thread_x")).status_code == 404


async def test_a_lone_surrogate_survives_the_round_trip(
    http: httpx.AsyncClient, assistant_id: str
) -> None:
    """JSON can carry "\\ud800", UTF-8 cannot: it goes back out as the same JSON escape."""
    thread = (await http.post("/threads", json={})).json()
    body = b'{"role": "user", "content": "half \\ud800 a pair"}'
    created = await http.post(f"/threads/{thread['id']}/messages", content=body)
    assert b"half \\ud800 a pair" in created.content
    assert created.json()["content"][0]["text"]["value"] == "half \ud800 a pair"
    events = await read_stream(
        http, "POST", f"/threads/{thread['id']}/runs", {"assistant_id": assistant_id}
    )
    (reply,) = [d for e, d in events if e == "thread.message.completed"]
    assert "> half \ud800 a pair" in reply["content"][0]["text"]["value"]
    stored = (await http.get(f"/threads/{thread['id']}/messages/{reply['id']}")).json()
    assert stored == reply
