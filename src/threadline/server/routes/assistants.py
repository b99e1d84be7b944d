"""``/assistants``: create, list, retrieve, modify, delete."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .. import objects
from ..apierrors import not_found
from ..validation import CREATE_ASSISTANT, MODIFY_ASSISTANT
from ..web import endpoint, json_response, list_params, read_body
from .common import find, path, server_of


@endpoint
async def create(request: Request) -> Response:
    server = server_of(request)
    body = await read_body(request, CREATE_ASSISTANT)
    assistant = objects.assistant(body, server.now())
    await server.store.put("assistant", assistant)
    return json_response(assistant)


@endpoint
async def list_(request: Request) -> Response:
    server = server_of(request)
    page = await server.store.page("assistant", **list_params(request))
    return json_response(objects.page(page.items, page.has_more))


@endpoint
async def retrieve(request: Request) -> Response:
    return json_response(await find(server_of(request), "assistant", path(request, "assistant_id")))


@endpoint
async def modify(request: Request) -> Response:
    server = server_of(request)
    assistant = await find(server, "assistant", path(request, "assistant_id"))
    body = await read_body(request, MODIFY_ASSISTANT)
    for key, value in body.items():
        if key == "tools":
            assistant["tools"] = objects.normalize_tools(value)
        elif key in ("temperature", "top_p"):
            assistant[key] = 1.0 if value is None else float(value)
        elif key == "metadata":
            assistant[key] = value or {}
        elif key == "response_format":
            assistant[key] = value or "auto"
        else:
            assistant[key] = value
    assistant["tool_resources"] = objects.tool_resources(
        assistant.get("tool_resources"), assistant["tools"]
    )
    await server.store.put("assistant", assistant)
    return json_response(assistant)


@endpoint
async def delete(request: Request) -> Response:
    server = server_of(request)
    assistant_id = path(request, "assistant_id")
    if not await server.store.delete("assistant", assistant_id):
        raise not_found("assistant", assistant_id)
    return json_response(objects.deleted(assistant_id, "assistant"))


ROUTES = [
    Route("/assistants", create, methods=["POST"]),
    Route("/assistants", list_, methods=["GET"]),
    Route("/assistants/{assistant_id}", retrieve, methods=["GET"]),
    Route("/assistants/{assistant_id}", modify, methods=["POST"]),
    Route("/assistants/{assistant_id}", delete, methods=["DELETE"]),
]
