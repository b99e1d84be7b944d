"""``/threads``: create, retrieve, modify, delete."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .. import objects
from ..state import Server
from ..store import Kind
from ..validation import CREATE_THREAD, MODIFY_THREAD
from ..web import endpoint, json_response, read_body
from .common import find, path, server_of


def new_thread(server: Server, body: dict[str, Any]) -> list[tuple[Kind, dict[str, Any]]]:
    """A thread and its initial messages, ready to store in one transaction."""
    now = server.now()
    thread = objects.thread(body, now)
    rows: list[tuple[Kind, dict[str, Any]]] = [("thread", thread)]
    for message in body.get("messages") or []:
        rows.append(("message", objects.user_message(thread["id"], message, now)))
    return rows


@endpoint
async def create(request: Request) -> Response:
    server = server_of(request)
    rows = new_thread(server, await read_body(request, CREATE_THREAD))
    await server.store.put_many(rows)
    return json_response(rows[0][1])


@endpoint
async def retrieve(request: Request) -> Response:
    return json_response(await find(server_of(request), "thread", path(request, "thread_id")))


@endpoint
async def modify(request: Request) -> Response:
    server = server_of(request)
    thread = await find(server, "thread", path(request, "thread_id"))
    body = await read_body(request, MODIFY_THREAD)
    if "metadata" in body:
        thread["metadata"] = body["metadata"] or {}
    if "tool_resources" in body:
        thread["tool_resources"] = body["tool_resources"] or {}
    await server.store.put("thread", thread)
    return json_response(thread)


@endpoint
async def delete(request: Request) -> Response:
    server = server_of(request)
    thread = await find(server, "thread", path(request, "thread_id"))
    run_id = server.runner.active_run(thread["id"])
    if run_id is not None:  # its run goes first, cancelled, so nothing writes to it after
        server.runner.cancel(run_id, thread["id"])
        await server.runner.wait(run_id)
    await server.store.delete_thread(thread["id"])
    return json_response(objects.deleted(thread["id"], "thread"))


ROUTES = [
    Route("/threads", create, methods=["POST"]),
    Route("/threads/{thread_id}", retrieve, methods=["GET"]),
    Route("/threads/{thread_id}", modify, methods=["POST"]),
    Route("/threads/{thread_id}", delete, methods=["DELETE"]),
]
