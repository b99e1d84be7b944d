"""``/threads/{thread_id}/messages``: create, list (with ``run_id``), retrieve, modify, delete."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .. import objects
from ..apierrors import invalid, not_found
from ..validation import CREATE_MESSAGE, MODIFY_METADATA
from ..web import endpoint, json_response, list_params, read_body
from .common import find, path, server_of


@endpoint
async def create(request: Request) -> Response:
    server = server_of(request)
    thread = await find(server, "thread", path(request, "thread_id"))
    body = await read_body(request, CREATE_MESSAGE)
    run_id = server.runner.active_run(thread["id"])
    if run_id is not None:
        raise invalid(f"Can't add messages to {thread['id']} while a run {run_id} is active.")
    message = objects.user_message(thread["id"], body, server.now())
    await server.store.put("message", message)
    return json_response(message)


@endpoint
async def list_(request: Request) -> Response:
    server = server_of(request)
    thread = await find(server, "thread", path(request, "thread_id"))
    params = list_params(request)
    scope = {"thread_id": thread["id"]}
    run_id = request.query_params.get("run_id")
    if run_id:
        scope["run_id"] = run_id
    await server.store.sync()  # objects the runner created are in the table
    page = await server.store.page("message", scope=scope, **params)
    return json_response(objects.page(server.runner.overlay(page.items), page.has_more))


@endpoint
async def retrieve(request: Request) -> Response:
    server = server_of(request)
    thread_id = path(request, "thread_id")
    message = await find(server, "message", path(request, "message_id"), thread_id=thread_id)
    return json_response(message)


@endpoint
async def modify(request: Request) -> Response:
    server = server_of(request)
    thread_id = path(request, "thread_id")
    message_id = path(request, "message_id")
    message = await find(server, "message", message_id, thread_id=thread_id)
    body = await read_body(request, MODIFY_METADATA)
    if "metadata" in body:
        live = server.runner.set_metadata(message_id, body["metadata"] or {})
        if live is not None:
            return json_response(live)
        message["metadata"] = body["metadata"] or {}
        await server.store.put("message", message)
    return json_response(message)


@endpoint
async def delete(request: Request) -> Response:
    server = server_of(request)
    thread_id = path(request, "thread_id")
    message_id = path(request, "message_id")
    await find(server, "message", message_id, thread_id=thread_id)
    if server.runner.snapshot(message_id) is not None:
        raise invalid(f"Can't delete message {message_id} while its run is active.")
    if not await server.store.delete("message", message_id):
        raise not_found("message", message_id)
    return json_response(objects.deleted(message_id, "thread.message"))


ROUTES = [
    Route("/threads/{thread_id}/messages", create, methods=["POST"]),
    Route("/threads/{thread_id}/messages", list_, methods=["GET"]),
    Route("/threads/{thread_id}/messages/{message_id}", retrieve, methods=["GET"]),
    Route("/threads/{thread_id}/messages/{message_id}", modify, methods=["POST"]),
    Route("/threads/{thread_id}/messages/{message_id}", delete, methods=["DELETE"]),
]
