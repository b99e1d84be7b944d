"""What the routes share: the store, the runner, the engine and the clock, started once."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from . import objects
from .clock import Clock
from .engines.base import Engine
from .runner import Runner
from .store import Store

log = logging.getLogger(__name__)


class Server:
    """The state behind one app. ``startup`` runs once (from the ASGI lifespan, or lazily on
    the first request when nothing drives the lifespan, as in-process); ``shutdown`` stops
    the active runs and the engine. The store belongs to the caller, who closes it."""

    def __init__(self, store: Store, engine: Engine, *, clock: Clock | None = None) -> None:
        self.store = store
        self.engine = engine
        self.clock = clock or Clock()
        self.runner = Runner(store, engine, clock=self.clock)
        self.hub = self.runner.hub
        self._started = False
        self._starting: asyncio.Future[None] | None = None

    def now(self) -> int:
        return self.clock.timestamp()

    async def startup(self) -> None:
        if self._started:
            return
        if self._starting is not None:
            await asyncio.shield(self._starting)
            return
        self._starting = asyncio.get_running_loop().create_future()
        try:
            ended = await self.runner.recover()
            if ended:
                log.info("ended %d runs left active by a previous server", ended)
            await self._seed()
        except BaseException as exc:
            self._starting.set_exception(exc)
            self._starting.exception()  # retrieved: the caller gets it from here
            self._starting = None
            raise
        self._started = True
        self._starting.set_result(None)

    async def _seed(self) -> None:
        """Create the engine's default assistant on the store's first start with it."""
        body: dict[str, Any] | None = self.engine.default_assistant()
        key = f"seeded:{self.engine.name}"
        if body is None or await self.store.get_meta(key) is not None:
            return
        assistant = objects.assistant(body, self.now())
        await self.store.put("assistant", assistant)
        await self.store.set_meta(key, assistant["id"])

    async def shutdown(self) -> None:
        await self.runner.shutdown()
        await self.engine.aclose()
