"""The ASGI app: the API under ``/v1``, behind a bearer token. Wiring only.

store = await Store.open(data_dir / "server.sqlite3")
app = create_app(store, DemoEngine(), token="s3cret")
# uvicorn.run(app) drives start and stop through the lifespan; in-process, the first
# request starts it and the owner calls ``await app.state.server.shutdown()`` at the end.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from .apierrors import APIError
from .clock import Clock
from .engines.base import Engine
from .routes import routes
from .state import Server
from .store import Store
from .web import error_response

_NO_KEY = (
    "You didn't provide an API key. You need to provide your API key in an Authorization "
    "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
)


def create_app(
    store: Store,
    engine: Engine,
    *,
    token: str | None,
    clock: Clock | None = None,
) -> Starlette:
    """The server's ASGI app. With a ``token``, every request must carry
    ``Authorization: Bearer <token>``; ``None`` is for in-process use only."""
    server = Server(store, engine, clock=clock)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await server.startup()
        try:
            yield
        finally:
            await server.shutdown()

    app = Starlette(
        routes=[Mount("/v1", routes=routes())],
        exception_handlers={404: _unknown_url, 405: _bad_method},
        lifespan=lifespan,
    )
    app.state.server = server
    app.add_middleware(_Gate, server=server, token=token)
    return app


class _Gate:
    """Checks the bearer token (in constant time) and starts the server on first use."""

    def __init__(self, app: ASGIApp, *, server: Server, token: str | None) -> None:
        self.app = app
        self.server = server
        self.token = token.encode() if token is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            error = self._check(scope)
            if error is not None:
                await error_response(error)(scope, receive, send)
                return
            await self.server.startup()
        await self.app(scope, receive, send)

    def _check(self, scope: Scope) -> APIError | None:
        if self.token is None:
            return None
        header = b""
        for name, value in scope["headers"]:
            if name == b"authorization":
                header = value
                break
        scheme, _, given = header.partition(b" ")
        if not header or scheme.lower() != b"bearer" or not given.strip():
            return APIError(401, _NO_KEY)
        if not hmac.compare_digest(given.strip(), self.token):
            return APIError(401, "Incorrect API key provided.", code="invalid_api_key")
        return None


async def _unknown_url(request: Request, exc: Exception) -> Response:
    return error_response(APIError(404, f"Invalid URL ({request.method} {request.url.path})"))


async def _bad_method(request: Request, exc: Exception) -> Response:
    allowed = exc.headers.get("Allow", "") if isinstance(exc, HTTPException) and exc.headers else ""
    return error_response(
        APIError(
            405,
            f"Invalid method for URL ({request.method} {request.url.path})",
            headers={"Allow": allowed} if allowed else None,
        )
    )
