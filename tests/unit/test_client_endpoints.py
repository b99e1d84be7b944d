"""Every endpoint of the wire client: method, path, query, body, headers, typed result, pages."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from threadline.api import (
    Assistant,
    AssistantsClient,
    Deleted,
    FunctionTool,
    ListPage,
    Message,
    Run,
    RunStep,
    Thread,
)

from .client_support import (
    ASSISTANT,
    BASE_URL,
    FAKE_KEY,
    MESSAGE,
    STEP,
    THREAD,
    Server,
    make_client,
    ok,
    page,
    run,
)

INCLUDE = "step_details.tool_calls[*].file_search.results[*].content"
T, R = "/v1/threads/thread_1", "/v1/threads/thread_1/runs/run_1"
USER_MSG = {"role": "user", "content": "hi"}
OUTPUTS = [{"tool_call_id": "call_1", "output": "42"}]


def deleted(obj: str, id_: str) -> dict[str, Any]:
    return {"id": id_, "object": obj, "deleted": True}


# (method name, args, kwargs, HTTP method, path, query, JSON body, answer, result type)
CASES: list[tuple[str, tuple[str, ...], dict[str, Any], str, str, list[Any], Any, Any, type]] = [
    (
        "list_assistants",
        (),
        {"limit": 2, "order": "asc", "after": "asst_0", "before": "asst_9"},
        "GET",
        "/v1/assistants",
        [("limit", "2"), ("order", "asc"), ("after", "asst_0"), ("before", "asst_9")],
        None,
        page(ASSISTANT),
        Assistant,
    ),
    (
        "get_assistant",
        ("asst_1",),
        {},
        "GET",
        "/v1/assistants/asst_1",
        [],
        None,
        ASSISTANT,
        Assistant,
    ),
    (
        "create_assistant",
        (),
        {"model": "gpt-4o", "name": "Helper", "description": None},
        "POST",
        "/v1/assistants",
        [],
        {"model": "gpt-4o", "name": "Helper"},
        ASSISTANT,
        Assistant,
    ),
    (
        "modify_assistant",
        ("asst_1",),
        {"name": "Renamed"},
        "POST",
        "/v1/assistants/asst_1",
        [],
        {"name": "Renamed"},
        ASSISTANT,
        Assistant,
    ),
    (
        "delete_assistant",
        ("asst_1",),
        {},
        "DELETE",
        "/v1/assistants/asst_1",
        [],
        None,
        deleted("assistant.deleted", "asst_1"),
        Deleted,
    ),
    (
        "create_thread",
        (),
        {"messages": [USER_MSG], "metadata": {"k": "v"}, "tool_resources": None},
        "POST",
        "/v1/threads",
        [],
        {"messages": [USER_MSG], "metadata": {"k": "v"}},
        THREAD,
        Thread,
    ),
    ("get_thread", ("thread_1",), {}, "GET", T, [], None, THREAD, Thread),
    (
        "modify_thread",
        ("thread_1",),
        {"metadata": {"title": "Trip"}},
        "POST",
        T,
        [],
        {"metadata": {"title": "Trip"}},
        THREAD,
        Thread,
    ),
    (
        "delete_thread",
        ("thread_1",),
        {},
        "DELETE",
        T,
        [],
        None,
        deleted("thread.deleted", "thread_1"),
        Deleted,
    ),
    (
        "list_messages",
        ("thread_1",),
        {"limit": 5, "order": "desc", "run_id": "run_1"},
        "GET",
        f"{T}/messages",
        [("limit", "5"), ("order", "desc"), ("run_id", "run_1")],
        None,
        page(MESSAGE),
        Message,
    ),
    (
        "create_message",
        ("thread_1",),
        {"role": "user", "content": "hi", "attachments": None},
        "POST",
        f"{T}/messages",
        [],
        USER_MSG,
        MESSAGE,
        Message,
    ),
    (
        "get_message",
        ("thread_1", "msg_1"),
        {},
        "GET",
        f"{T}/messages/msg_1",
        [],
        None,
        MESSAGE,
        Message,
    ),
    (
        "modify_message",
        ("thread_1", "msg_1"),
        {"metadata": {"pinned": "1"}},
        "POST",
        f"{T}/messages/msg_1",
        [],
        {"metadata": {"pinned": "1"}},
        MESSAGE,
        Message,
    ),
    (
        "delete_message",
        ("thread_1", "msg_1"),
        {},
        "DELETE",
        f"{T}/messages/msg_1",
        [],
        None,
        deleted("thread.message.deleted", "msg_1"),
        Deleted,
    ),
    (
        "list_runs",
        ("thread_1",),
        {"limit": 3, "after": "run_0"},
        "GET",
        f"{T}/runs",
        [("limit", "3"), ("after", "run_0")],
        None,
        page(run()),
        Run,
    ),
    (
        "create_run",
        ("thread_1",),
        {"assistant_id": "asst_1", "additional_messages": [USER_MSG], "include": [INCLUDE]},
        "POST",
        f"{T}/runs",
        [("include[]", INCLUDE)],
        {"assistant_id": "asst_1", "additional_messages": [USER_MSG]},
        run(),
        Run,
    ),
    (
        "create_thread_and_run",
        (),
        {"assistant_id": "asst_1", "thread": {"messages": [USER_MSG]}, "model": None},
        "POST",
        "/v1/threads/runs",
        [],
        {"assistant_id": "asst_1", "thread": {"messages": [USER_MSG]}},
        run(),
        Run,
    ),
    ("get_run", ("thread_1", "run_1"), {}, "GET", R, [], None, run("in_progress"), Run),
    (
        "modify_run",
        ("thread_1", "run_1"),
        {"metadata": {"a": "b"}},
        "POST",
        R,
        [],
        {"metadata": {"a": "b"}},
        run(),
        Run,
    ),
    (
        "cancel_run",
        ("thread_1", "run_1"),
        {},
        "POST",
        f"{R}/cancel",
        [],
        None,
        run("cancelling"),
        Run,
    ),
    (
        "submit_tool_outputs",
        ("thread_1", "run_1"),
        {"tool_outputs": OUTPUTS},
        "POST",
        f"{R}/submit_tool_outputs",
        [],
        {"tool_outputs": OUTPUTS},
        run(),
        Run,
    ),
    (
        "list_steps",
        ("thread_1", "run_1"),
        {"limit": 1, "include": [INCLUDE]},
        "GET",
        f"{R}/steps",
        [("limit", "1"), ("include[]", INCLUDE)],
        None,
        page(STEP),
        RunStep,
    ),
    (
        "get_step",
        ("thread_1", "run_1", "step_1"),
        {"include": [INCLUDE]},
        "GET",
        f"{R}/steps/step_1",
        [("include[]", INCLUDE)],
        None,
        STEP,
        RunStep,
    ),
]


@pytest.mark.parametrize(
    ("name", "args", "kwargs", "method", "path", "query", "body", "answer", "result_type"),
    CASES,
    ids=[case[0] for case in CASES],
)
async def test_endpoint_request_and_result(
    name: str,
    args: tuple[str, ...],
    kwargs: dict[str, Any],
    method: str,
    path: str,
    query: list[Any],
    body: Any,
    answer: Any,
    result_type: type,
) -> None:
    server = Server(ok(answer))
    result = await getattr(make_client(server), name)(*args, **kwargs)

    (request,) = server.requests
    assert request.method == method
    assert request.url.host == "api.example.test"
    assert request.url.path == path
    assert list(request.url.params.multi_items()) == query
    assert server.body() == body
    if body is not None:
        assert request.headers["content-type"] == "application/json"
    if isinstance(result, ListPage):
        assert [type(item) for item in result.data] == [result_type]
    else:
        assert isinstance(result, result_type)
        assert result.to_dict()["id"] == answer["id"]


async def test_every_endpoint_method_is_covered() -> None:
    public = {
        name
        for name in vars(AssistantsClient)
        if not name.startswith("_") and callable(getattr(AssistantsClient, name))
    }
    covered = {case[0] for case in CASES}
    streams = {"stream_run", "stream_thread_and_run", "stream_submit_tool_outputs"}
    iterators = {"iter_assistants", "iter_messages", "iter_runs", "iter_steps"}
    assert public - covered == streams | iterators | {"aclose", "redact", "poll_run"}


async def test_poll_run_returns_the_servers_polling_hint() -> None:
    hinted = httpx.Response(200, json=run("in_progress"), headers={"openai-poll-after-ms": "1500"})
    server = Server(
        hinted,
        ok(run("in_progress")),
        httpx.Response(200, json=run(), headers={"openai-poll-after-ms": "soon"}),
    )
    client = make_client(server)
    assert (await client.poll_run("thread_1", "run_1"))[1] == 1.5
    polled, hint = await client.poll_run("thread_1", "run_1")
    assert isinstance(polled, Run) and hint is None
    assert (await client.poll_run("thread_1", "run_1"))[1] is None  # not a number: ignored
    assert server.requests[0].url.path == R


async def test_default_headers_bearer_auth_and_extra_headers() -> None:
    server = Server(ok(THREAD))
    client = make_client(server, headers={"X-Extra": "1", "OpenAI-Beta": "assistants=v1"})
    await client.get_thread("thread_1")

    headers = server.requests[0].headers
    assert headers["openai-beta"] == "assistants=v2"  # never overridden: the v2 protocol
    assert headers["authorization"] == f"Bearer {FAKE_KEY}"
    assert headers["x-extra"] == "1"
    assert headers["accept"] == "application/json"
    assert headers["user-agent"].startswith("threadline")


async def test_azure_style_key_header_and_api_version_query() -> None:
    server = Server(ok(page(MESSAGE)))
    client = make_client(server, api_key_header="api-key", query={"api-version": "2025-05-01"})
    await client.list_messages("thread_1", limit=1)

    request = server.requests[0]
    assert request.headers["api-key"] == FAKE_KEY
    assert "authorization" not in request.headers
    assert request.headers["openai-beta"] == "assistants=v2"
    assert list(request.url.params.multi_items()) == [("api-version", "2025-05-01"), ("limit", "1")]


async def test_custom_scheme_header_and_no_key() -> None:
    server = Server(ok(THREAD), ok(THREAD))
    await make_client(server, api_key_header="X-Auth: Token").get_thread("thread_1")
    await make_client(server, api_key=None).get_thread("thread_1")

    assert server.requests[0].headers["x-auth"] == f"Token {FAKE_KEY}"
    assert "authorization" not in server.requests[1].headers
    assert "x-auth" not in server.requests[1].headers


@pytest.mark.parametrize("header", ["", "Bad Header: Bearer", "Authorization: Two Words"])
def test_a_malformed_key_header_is_rejected(header: str) -> None:
    with pytest.raises(ValueError, match="api_key_header") as caught:
        AssistantsClient(base_url="http://x", api_key=SecretStr(FAKE_KEY), api_key_header=header)
    assert FAKE_KEY not in str(caught.value)


def test_a_key_that_cannot_be_a_header_is_rejected_without_showing_it() -> None:
    with pytest.raises(ValueError, match="API key") as caught:
        AssistantsClient(base_url="http://x", api_key=SecretStr("sk-abc\r\nX-Injected: 1"))
    assert "sk-abc" not in str(caught.value)


async def test_ids_are_escaped_and_an_empty_id_is_refused() -> None:
    server = Server(ok(THREAD))
    client = make_client(server)
    await client.get_thread("a/b?c")
    assert server.requests[0].url.raw_path == b"/v1/threads/a%2Fb%3Fc"
    with pytest.raises(ValueError, match="thread_id"):
        await client.get_thread("")
    assert len(server.requests) == 1


async def test_base_url_trailing_slash_and_wire_models_in_bodies() -> None:
    server = Server(ok(ASSISTANT))
    client = AssistantsClient(
        base_url=BASE_URL + "/",
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(server)),
    )
    tool = FunctionTool.model_validate({"type": "function", "function": {"name": "f"}})
    await client.create_assistant(model="m", tools=[tool])

    assert client.base_url == BASE_URL
    assert server.requests[0].url.path == "/v1/assistants"
    assert server.body() == {
        "model": "m",
        "tools": [{"type": "function", "function": {"name": "f"}}],
    }


async def test_iterators_follow_the_cursor_across_three_pages() -> None:
    a = [dict(ASSISTANT, id=f"asst_{i}") for i in range(5)]
    server = Server(
        ok(page(a[0], a[1], has_more=True)),
        ok(page(a[2], a[3], has_more=True)),
        ok(page(a[4])),
    )
    seen = [item.id async for item in make_client(server).iter_assistants(limit=2, order="asc")]

    assert seen == [f"asst_{i}" for i in range(5)]
    assert [r.url.params.get("after") for r in server.requests] == [None, "asst_1", "asst_3"]
    assert {r.url.params["limit"] for r in server.requests} == {"2"}
    assert {r.url.params["order"] for r in server.requests} == {"asc"}


async def test_iter_steps_and_messages_keep_their_filters_on_every_page() -> None:
    steps = [dict(STEP, id=f"step_{i}") for i in range(3)]
    msgs = [dict(MESSAGE, id=f"msg_{i}") for i in range(3)]
    server = Server(
        ok(page(steps[0], has_more=True)),
        ok(page(steps[1], has_more=True)),
        ok(page(steps[2])),
        ok(page(msgs[0], has_more=True)),
        ok(page(msgs[1], has_more=True)),
        ok(page(msgs[2])),
        ok(page(run(), has_more=True)),
        ok(page()),
    )
    client = make_client(server)
    got_steps = [s.id async for s in client.iter_steps("thread_1", "run_1", include=[INCLUDE])]
    got_msgs = [m.id async for m in client.iter_messages("thread_1", run_id="run_1")]
    got_runs = [r.id async for r in client.iter_runs("thread_1")]

    assert got_steps == ["step_0", "step_1", "step_2"]
    assert got_msgs == ["msg_0", "msg_1", "msg_2"]
    assert got_runs == ["run_1"]
    for request in server.requests[:3]:
        assert request.url.params.get_list("include[]") == [INCLUDE]
    assert [r.url.params.get("after") for r in server.requests[3:6]] == [None, "msg_0", "msg_1"]
    for request in server.requests[3:6]:
        assert request.url.params["run_id"] == "run_1"


async def test_a_page_that_repeats_its_cursor_ends_the_iteration() -> None:
    server = Server(ok(page(ASSISTANT, has_more=True)), ok(page(ASSISTANT, has_more=True)))
    seen = [a.id async for a in make_client(server).iter_assistants()]
    assert seen == ["asst_1", "asst_1"]
    assert len(server.requests) == 2
