"""Assistants, threads and messages: shapes, modify, delete, pagination. Every body is
checked against the spec by the ``http`` fixture's response hook."""

from __future__ import annotations

import httpx

from threadline.server.app import create_app
from threadline.server.engines.demo import DemoEngine
from threadline.server.store import Store

from . import support


async def test_the_demo_assistant_exists_from_the_first_start(http: httpx.AsyncClient) -> None:
    page = (await http.get("/assistants")).json()
    (demo,) = page["data"]
    assert demo["name"] == "Threadline Demo"
    tools = {t["type"]: t for t in demo["tools"]}
    assert set(tools) == {"function", "code_interpreter", "file_search"}
    assert tools["function"]["function"]["name"] == "get_weather"
    assert set(tools["function"]["function"]["parameters"]["properties"]) == {"location", "unit"}


async def test_the_demo_assistant_is_seeded_once(http: httpx.AsyncClient, store: Store) -> None:
    (demo,) = (await http.get("/assistants")).json()["data"]
    restarted = create_app(store, DemoEngine(speed=0), token=None)  # a restart, same store
    await restarted.state.server.startup()
    assert [a["id"] for a in (await http.get("/assistants")).json()["data"]] == [demo["id"]]
    assert (await http.delete(f"/assistants/{demo['id']}")).json()["deleted"] is True
    again = create_app(store, DemoEngine(speed=0), token=None)
    await again.state.server.startup()
    assert (await http.get("/assistants")).json()["data"] == []  # deleted stays deleted


async def test_assistant_crud_shapes(http: httpx.AsyncClient) -> None:
    created = (
        await http.post(
            "/assistants",
            json={
                "model": "gpt-4o",
                "tools": [{"type": "code_interpreter"}, {"type": "file_search"}],
                "metadata": {"a": "1"},
            },
        )
    ).json()
    assert created["object"] == "assistant"
    assert created["id"].startswith("asst_") and len(created["id"]) == 29
    assert created["temperature"] == 1.0 and created["top_p"] == 1.0
    assert created["response_format"] == "auto"
    assert created["tool_resources"] == {"code_interpreter": {"file_ids": []}}
    assert created["tools"][1]["file_search"]["ranking_options"]["ranker"] == "default_2024_08_21"
    modified = (
        await http.post(f"/assistants/{created['id']}", json={"name": "renamed", "top_p": 0.5})
    ).json()
    assert modified["name"] == "renamed" and modified["top_p"] == 0.5
    assert (await http.get(f"/assistants/{created['id']}")).json() == modified
    deleted = (await http.delete(f"/assistants/{created['id']}")).json()
    assert deleted == {"id": created["id"], "object": "assistant.deleted", "deleted": True}
    missing = await http.get(f"/assistants/{created['id']}")
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == f"No assistant found with id '{created['id']}'."


async def test_thread_with_initial_messages_and_image_content(http: httpx.AsyncClient) -> None:
    thread = (
        await http.post(
            "/threads",
            json={
                "messages": [
                    {"role": "user", "content": "Hello, world!"},
                    {
                        "role": "user",
                        "content": [
                            {"type": "text", "text": "Describe this"},
                            {"type": "image_url", "image_url": {"url": "https://x.test/i.png"}},
                        ],
                        "metadata": {"k": "v"},
                    },
                    {"role": "assistant", "content": "Hi there."},
                ],
                "metadata": {"threadMetadata": "value"},
            },
        )
    ).json()
    assert thread["metadata"] == {"threadMetadata": "value"}
    listed = (await http.get(f"/threads/{thread['id']}/messages", params={"order": "asc"})).json()
    assert [m["role"] for m in listed["data"]] == ["user", "user", "assistant"]
    second = listed["data"][1]
    assert second["content"][1] == {
        "type": "image_url",
        "image_url": {"url": "https://x.test/i.png", "detail": "auto"},
    }
    assert second["content"][0]["text"] == {"value": "Describe this", "annotations": []}
    assert second["metadata"] == {"k": "v"}
    assert listed["first_id"] == listed["data"][0]["id"]
    assert listed["last_id"] == listed["data"][-1]["id"]
    assert listed["has_more"] is False


async def test_message_crud(http: httpx.AsyncClient) -> None:
    thread = (await http.post("/threads", json={})).json()
    url = f"/threads/{thread['id']}/messages"
    message = (await http.post(url, json={"role": "user", "content": "Hello"})).json()
    assert message["thread_id"] == thread["id"] and message["run_id"] is None
    assert message["assistant_id"] is None and message["attachments"] == []
    modified = (await http.post(f"{url}/{message['id']}", json={"metadata": {"x": "y"}})).json()
    assert modified["metadata"] == {"x": "y"}
    assert (await http.get(f"{url}/{message['id']}")).json() == modified
    deleted = (await http.delete(f"{url}/{message['id']}")).json()
    assert deleted == {"id": message["id"], "object": "thread.message.deleted", "deleted": True}
    assert (await http.get(f"{url}/{message['id']}")).status_code == 404
    other = (await http.post("/threads", json={})).json()
    wrong_thread = await http.get(f"/threads/{other['id']}/messages/{message['id']}")
    assert wrong_thread.status_code == 404


async def test_pagination_after_before_and_order(http: httpx.AsyncClient) -> None:
    thread = (await http.post("/threads", json={})).json()
    url = f"/threads/{thread['id']}/messages"
    ids = [
        (await http.post(url, json={"role": "user", "content": str(i)})).json()["id"]
        for i in range(5)
    ]
    newest_first = list(reversed(ids))

    page = (await http.get(url, params={"limit": 2})).json()
    assert [m["id"] for m in page["data"]] == newest_first[:2]
    assert page["has_more"] is True
    page = (await http.get(url, params={"limit": 2, "after": page["last_id"]})).json()
    assert [m["id"] for m in page["data"]] == newest_first[2:4]
    page = (await http.get(url, params={"limit": 2, "after": page["last_id"]})).json()
    assert [m["id"] for m in page["data"]] == newest_first[4:]
    assert page["has_more"] is False

    asc = (await http.get(url, params={"order": "asc", "limit": 3})).json()
    assert [m["id"] for m in asc["data"]] == ids[:3]
    before = (await http.get(url, params={"order": "asc", "before": ids[3], "limit": 2})).json()
    assert [m["id"] for m in before["data"]] == ids[1:3]
    assert before["has_more"] is True

    empty = (await http.get(url, params={"after": ids[0]})).json()
    assert empty == {
        "object": "list",
        "data": [],
        "first_id": None,
        "last_id": None,
        "has_more": False,
    }


async def test_list_parameters_are_checked(http: httpx.AsyncClient) -> None:
    thread = (await http.post("/threads", json={})).json()
    url = f"/threads/{thread['id']}/messages"
    for params, param in [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"order": "sideways"}, "order"),
        ({"after": "msg_nope"}, "after"),
    ]:
        response = await http.get(url, params=params)
        assert response.status_code == 400, params
        assert response.json()["error"]["param"] == param
    assert (await http.get(url, params={"limit": 100})).status_code == 200


async def test_thread_modify_and_delete(http: httpx.AsyncClient) -> None:
    thread = (await http.post("/threads", json={"metadata": {"a": "1"}})).json()
    modified = (await http.post(f"/threads/{thread['id']}", json={"metadata": {"a": "2"}})).json()
    assert modified["metadata"] == {"a": "2"}
    deleted = (await http.delete(f"/threads/{thread['id']}")).json()
    assert deleted == {"id": thread["id"], "object": "thread.deleted", "deleted": True}
    for path in ("", "/messages", "/runs"):
        response = await http.get(f"/threads/{thread['id']}{path}")
        assert response.status_code == 404
        assert response.json()["error"]["message"] == f"No thread found with id '{thread['id']}'."


async def test_every_response_went_through_the_spec_check(http: httpx.AsyncClient) -> None:
    support.validated.clear()
    await http.get("/assistants")
    await http.get("/threads/thread_missing")
    assert support.validated == ["ListAssistantsResponse", "Error"]
