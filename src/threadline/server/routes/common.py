"""Lookups every route needs: the server, and objects that must exist (else 404)."""

from __future__ import annotations

from typing import Any, cast

from starlette.requests import Request

from ..apierrors import not_found
from ..state import Server
from ..store import Kind


def server_of(request: Request) -> Server:
    return cast(Server, request.app.state.server)


async def find(
    server: Server, kind: Kind, object_id: str, *, label: str | None = None, **parents: str
) -> dict[str, Any]:
    """The live or stored object, which must belong to ``parents`` (``thread_id=...``)."""
    found = server.runner.snapshot(object_id) or await server.store.get(kind, object_id)
    if found is None or any(found.get(key) != value for key, value in parents.items()):
        raise not_found(label or kind, object_id)
    return found


def path(request: Request, name: str) -> str:
    return str(request.path_params[name])
