"""Time for the run life cycle, injectable so tests can expire a run without waiting."""

from __future__ import annotations

import asyncio
import time


class Clock:
    """Wall-clock seconds and sleeping. Tests pass a subclass that they move by hand."""

    def now(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))

    def timestamp(self) -> int:
        """The current time as the API's integer Unix timestamps."""
        return int(self.now())


class ManualClock(Clock):
    """A clock that moves only when told: ``advance`` wakes the sleepers whose time came."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._now = start
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def now(self) -> float:
        return self._now

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._sleepers.append((self._now + seconds, future))
        await future

    def advance(self, seconds: float) -> None:
        self._now += seconds
        waiting = []
        for until, future in self._sleepers:
            if until <= self._now:
                if not future.done():
                    future.set_result(None)
            else:
                waiting.append((until, future))
        self._sleepers = waiting
