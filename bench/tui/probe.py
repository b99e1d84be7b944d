"""Instruments a running Textual app from the inside, the same way for both sides.

- frames: calls of ``App._display`` with something to show (one per painted frame; headless
  runs still compose the frame and call it, they only skip writing);
- bytes: what the driver writes to the terminal;
- keys: when the app starts handling an F12 key event (typed into the pty by the parent);
- CPU: ``time.process_time()`` (all threads of the process) over a window;
- memory: resident set size from /proc.

Status lines go to the fd in ``BENCH_STATUS_FD`` (see ``bench.support.pty_run``).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from dataclasses import dataclass
from typing import Any

from textual import events
from textual.app import App

PAGE = os.sysconf("SC_PAGE_SIZE")
SETTLE = 0.25  # seconds


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE / 2**20


@dataclass
class Window:
    seconds: float
    cpu: float
    frames: int
    bytes: int

    def as_dict(self) -> dict[str, float]:
        return {
            "seconds": self.seconds,
            "cpu": self.cpu,
            "frames": self.frames,
            "bytes": self.bytes,
        }


class Probe:
    def __init__(self, app: App[Any]) -> None:
        self.app = app
        fd = os.environ.get("BENCH_STATUS_FD")
        self._status = os.fdopen(int(fd), "w", buffering=1) if fd else None
        self.frames = 0
        self.bytes = 0
        self.keys: list[float] = []
        self._mark: tuple[float, float, int, int] | None = None
        self._install_app_hooks()

    # --- hooks ------------------------------------------------------------------------

    def _install_app_hooks(self) -> None:
        app = self.app
        display = app._display

        def counted_display(screen: Any, renderable: Any) -> None:
            if renderable is not None:
                self.frames += 1
            display(screen, renderable)

        app._display = counted_display  # type: ignore[method-assign]
        on_event = app.on_event

        async def watched_on_event(event: events.Event) -> None:
            # A key no widget handles bubbles back to the app: count its first arrival only.
            if isinstance(event, events.Key) and event.key == "f12" and not event.is_forwarded:
                now = time.monotonic()
                self.keys.append(now)
                self.send("key", at=now)
            await on_event(event)

        app.on_event = watched_on_event  # type: ignore[method-assign]

    def install_driver_hooks(self) -> None:
        """Count bytes written to the terminal (the driver exists once the app runs)."""
        driver = self.app._driver
        if driver is None:
            return
        write = driver.write

        def counted_write(data: str) -> None:
            self.bytes += len(data.encode("utf-8", "replace"))
            write(data)

        driver.write = counted_write  # type: ignore[method-assign]

    # --- measuring --------------------------------------------------------------------

    def start(self) -> None:
        self._mark = (time.monotonic(), time.process_time(), self.frames, self.bytes)
        self.send("start", at=self._mark[0])

    def stop(self) -> Window:
        assert self._mark is not None, "stop() before start()"
        at, cpu, frames, written = self._mark
        now = time.monotonic()
        window = Window(
            now - at, time.process_time() - cpu, self.frames - frames, self.bytes - written
        )
        self.send("end", at=now)
        return window

    async def settle(self) -> None:
        """Give keys typed before the window closed time to be handled (and acknowledged)
        before the result, after which the parent stops listening."""
        await asyncio.sleep(SETTLE)

    def send(self, kind: str, **data: Any) -> None:
        if self._status is not None:
            self._status.write(json.dumps({"kind": kind, **data}) + "\n")

    def result(self, **data: Any) -> None:
        """The trial's outcome, as the last status line."""
        self.send("result", **data)
