"""Runs and their steps: create (also with a new thread), list, retrieve, modify, cancel,
submit tool outputs; steps list and retrieve."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .. import objects
from ..apierrors import invalid
from ..objects import TERMINAL_STATUSES
from ..validation import CREATE_RUN, CREATE_THREAD_AND_RUN, MODIFY_METADATA, SUBMIT_TOOL_OUTPUTS
from ..web import check_include, endpoint, json_response, list_params, read_body, stream_or_json
from .common import find, path, server_of
from .threads import new_thread


def _check_tool_choice(run: dict[str, Any]) -> None:
    """A tool_choice that names a tool must name one the run has."""
    choice = run["tool_choice"]
    if not isinstance(choice, dict):
        return
    kind = choice["type"]
    if kind == "function":
        name = choice["function"]["name"]
        names = {t["function"]["name"] for t in run["tools"] if t["type"] == "function"}
        if name not in names:
            raise invalid(
                f"Invalid 'tool_choice': the function '{name}' is not one of the run's tools.",
                param="tool_choice",
            )
    elif not any(t["type"] == kind for t in run["tools"]):
        raise invalid(f"Invalid 'tool_choice': the run has no {kind} tool.", param="tool_choice")


@endpoint
async def create(request: Request) -> Response:
    server = server_of(request)
    thread = await find(server, "thread", path(request, "thread_id"))
    check_include(request)
    body = await read_body(request, CREATE_RUN)
    assistant = await find(server, "assistant", body["assistant_id"])
    now = server.now()
    run = objects.run(thread_id=thread["id"], assistant=assistant, body=body, created_at=now)
    _check_tool_choice(run)
    active = server.runner.active_run(thread["id"])
    if active is not None:
        raise invalid(f"Thread {thread['id']} already has an active run {active}.")
    extra = [
        ("message", objects.user_message(thread["id"], message, now))
        for message in body.get("additional_messages") or []
    ]
    if extra:
        await server.store.put_many(extra)  # type: ignore[arg-type]
    data, subscription = await server.runner.start(run, assistant, stream=bool(body.get("stream")))
    return stream_or_json(server.hub, data, subscription)


@endpoint
async def create_thread_and_run(request: Request) -> Response:
    server = server_of(request)
    check_include(request)
    body = await read_body(request, CREATE_THREAD_AND_RUN)
    assistant = await find(server, "assistant", body["assistant_id"])
    thread_body = dict(body.get("thread") or {})
    if body.get("tool_resources") is not None:
        thread_body.setdefault("tool_resources", body["tool_resources"])
    rows = new_thread(server, thread_body)
    thread = rows[0][1]
    run = objects.run(
        thread_id=thread["id"], assistant=assistant, body=body, created_at=server.now()
    )
    _check_tool_choice(run)
    await server.store.put_many(rows)
    data, subscription = await server.runner.start(
        run, assistant, stream=bool(body.get("stream")), prelude=[("thread.created", thread)]
    )
    return stream_or_json(server.hub, data, subscription)


@endpoint
async def list_(request: Request) -> Response:
    server = server_of(request)
    thread = await find(server, "thread", path(request, "thread_id"))
    params = list_params(request)
    await server.store.sync()
    page = await server.store.page("run", scope={"thread_id": thread["id"]}, **params)
    return json_response(objects.page(server.runner.overlay(page.items), page.has_more))


async def _run(request: Request) -> dict[str, Any]:
    return await find(
        server_of(request),
        "run",
        path(request, "run_id"),
        thread_id=path(request, "thread_id"),
    )


@endpoint
async def retrieve(request: Request) -> Response:
    return json_response(await _run(request))


@endpoint
async def modify(request: Request) -> Response:
    server = server_of(request)
    run = await _run(request)
    body = await read_body(request, MODIFY_METADATA)
    if "metadata" in body:
        live = server.runner.set_metadata(run["id"], body["metadata"] or {})
        if live is not None:
            return json_response(live)
        run["metadata"] = body["metadata"] or {}
        await server.store.put("run", run)
    return json_response(run)


@endpoint
async def cancel(request: Request) -> Response:
    server = server_of(request)
    run = await _run(request)
    if (
        run["status"] in TERMINAL_STATUSES
        or server.runner.active_run(run["thread_id"]) != run["id"]
    ):
        raise invalid(f"Cannot cancel run with status '{run['status']}'.")
    return json_response(server.runner.cancel(run["id"], run["thread_id"]))


@endpoint
async def submit_tool_outputs(request: Request) -> Response:
    server = server_of(request)
    run = await _run(request)
    body = await read_body(request, SUBMIT_TOOL_OUTPUTS)
    if run["status"] != "requires_action":
        raise invalid(
            f'Runs in status "{run["status"]}" do not accept tool outputs.', param="tool_outputs"
        )
    data, subscription = server.runner.submit_tool_outputs(
        run["id"], run["thread_id"], body["tool_outputs"], stream=bool(body.get("stream"))
    )
    return stream_or_json(server.hub, data, subscription)


@endpoint
async def list_steps(request: Request) -> Response:
    server = server_of(request)
    run = await _run(request)
    params = list_params(request)
    await server.store.sync()
    page = await server.store.page("step", scope={"run_id": run["id"]}, **params)
    return json_response(objects.page(server.runner.overlay(page.items), page.has_more))


@endpoint
async def retrieve_step(request: Request) -> Response:
    server = server_of(request)
    check_include(request)
    step = await find(
        server,
        "step",
        path(request, "step_id"),
        label="run step",
        run_id=path(request, "run_id"),
        thread_id=path(request, "thread_id"),
    )
    return json_response(step)


_RUN = "/threads/{thread_id}/runs/{run_id}"
ROUTES = [
    Route("/threads/runs", create_thread_and_run, methods=["POST"]),
    Route("/threads/{thread_id}/runs", create, methods=["POST"]),
    Route("/threads/{thread_id}/runs", list_, methods=["GET"]),
    Route(_RUN, retrieve, methods=["GET"]),
    Route(_RUN, modify, methods=["POST"]),
    Route(f"{_RUN}/cancel", cancel, methods=["POST"]),
    Route(f"{_RUN}/submit_tool_outputs", submit_tool_outputs, methods=["POST"]),
    Route(f"{_RUN}/steps", list_steps, methods=["GET"]),
    Route(f"{_RUN}/steps/{{step_id}}", retrieve_step, methods=["GET"]),
]
