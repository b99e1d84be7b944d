"""The embedded server for ``local`` profiles and ``threadline serve``: engine, store, app.

In-process (the TUI, ``threadline send``) the app is reached through
:class:`~threadline.api.ASGIStreamingTransport`: no port is opened, so no token is needed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

    from threadline.config import Profile
    from threadline.server.engines.base import Engine

SERVER_STORE = "server.sqlite3"
"""The embedded server's SQLite file, in the data folder."""


def build_engine(name: str, profile: Profile | None, demo_speed: float | None = None) -> Engine:
    """The engine called ``name`` (``demo`` or ``chat``), set up from the profile."""
    from threadline.cli import CLIError

    if name == "chat":
        try:
            from threadline.server.engines.chat import create_chat_engine
        except ImportError:
            raise CLIError("the chat engine is not available yet") from None
        if profile is None:
            raise CLIError("the chat engine needs a profile with chat_base_url and chat_model")
        from threadline.config import resolve_chat_api_key

        return create_chat_engine(profile, resolve_chat_api_key(profile))
    from threadline.server.engines.demo import DEFAULT_SPEED, DemoEngine

    if demo_speed is None:
        demo_speed = profile.demo_speed if profile is not None else DEFAULT_SPEED
    return DemoEngine(demo_speed)


async def open_embedded_server(
    profile: Profile, folder: Path, warnings: list[str] | None = None
) -> tuple[httpx.AsyncBaseTransport, Callable[[], Awaitable[None]]]:
    """Start the profile's embedded server on ``folder``'s store; returns a transport to it
    and the coroutine function that stops it (active runs end, the store closes).

    ``warnings`` gets one line for the user when the store was damaged and moved aside."""
    from threadline.api import ASGIStreamingTransport
    from threadline.server.app import create_app
    from threadline.server.store import Store

    engine = build_engine(profile.engine, profile)
    store = await Store.open(folder / SERVER_STORE)
    if store.moved_aside is not None and warnings is not None:
        warnings.append(
            f"The embedded server's store {store.path} could not be read; moved it to "
            f"{store.moved_aside} and started a fresh one"
        )
    app = create_app(store, engine, token=None)
    server = app.state.server
    try:
        await server.startup()
    except BaseException:
        await store.close()
        raise

    async def close() -> None:
        try:
            await server.shutdown()
        finally:
            await store.close()

    return ASGIStreamingTransport(app), close
