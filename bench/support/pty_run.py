"""Run a child under a pseudo-terminal of a given size, as a terminal emulator would.

The parent drains everything the child writes (counting bytes, noting when marker strings
first appear), and talks to the child over two extra channels:

- the child's *status* pipe (``BENCH_STATUS_FD``): JSON lines, e.g. ``{"kind": "start"}``,
  ``{"kind": "key", "at": ...}``, ``{"kind": "end"}``;
- the terminal itself: between "start" and "end" the parent can type a key every so often
  (``keys``), which reaches the app through its real input path, and records when it did.

Times are ``time.monotonic()`` (CLOCK_MONOTONIC), which parent and child share.
"""

from __future__ import annotations

import fcntl
import json
import os
import random
import select
import struct
import subprocess
import termios
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .proc import stop

F12 = b"\x1b[24~"


@dataclass(frozen=True)
class Keys:
    """Type ``key`` every ``every`` seconds (with up to ``jitter`` more) while streaming."""

    key: bytes = F12
    every: float = 0.1
    jitter: float = 0.05


@dataclass
class PtyResult:
    returncode: int | None
    total_bytes: int
    markers: dict[str, float]  # marker -> monotonic time it first appeared
    status: list[dict[str, Any]]  # the child's status lines, in order
    keys_sent: list[float]
    started: float  # monotonic time just before the child was spawned
    tail: str  # the last output, for error messages
    timed_out: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def acks(self) -> list[float]:
        return [float(s["at"]) for s in self.status if s.get("kind") == "key"]

    def first(self, kind: str) -> dict[str, Any] | None:
        return next((s for s in self.status if s.get("kind") == kind), None)


class _Drain(threading.Thread):
    def __init__(self, fd: int, markers: list[str]) -> None:
        super().__init__(daemon=True)
        self.fd = fd
        self.total = 0
        self.found: dict[str, float] = {}
        self._markers = [m.encode() for m in markers]
        self._keep = max((len(m) for m in self._markers), default=1)
        self._window = b""
        self.tail = b""

    def run(self) -> None:
        while True:
            try:
                data = os.read(self.fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                return
            if not data:
                return
            now = time.monotonic()
            self.total += len(data)
            self.tail = (self.tail + data)[-4000:]
            if len(self.found) < len(self._markers):
                window = self._window + data
                for marker in self._markers:
                    key = marker.decode()
                    if key not in self.found and marker in window:
                        self.found[key] = now
                self._window = window[-self._keep :]


def _set_size(fd: int, columns: int, rows: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))


def run_in_pty(
    argv: list[str],
    env: dict[str, str],
    *,
    size: tuple[int, int] = (120, 40),
    markers: tuple[str, ...] = (),
    stop_when: tuple[str, ...] = (),
    keys: Keys | None = None,
    answers: dict[str, bytes] | None = None,
    timeout: float = 120.0,
    seed: int = 0,
) -> PtyResult:
    """Run ``argv`` under a ``size`` (columns, rows) terminal until it exits, every marker
    in ``stop_when`` has appeared (then it is stopped), or ``timeout`` passes.

    ``answers``: when a marker first appears, type these bytes (tells the child the parent
    has seen it on the terminal)."""
    answers = answers or {}
    markers = tuple(markers) + tuple(m for m in answers if m not in markers)
    master, slave = os.openpty()
    _set_size(slave, *size)
    status_r, status_w = os.pipe()
    env = {
        **env,
        "TERM": env.get("TERM", "xterm-256color"),
        "COLORTERM": env.get("COLORTERM", "truecolor"),
        "BENCH_STATUS_FD": str(status_w),
        "COLUMNS": str(size[0]),
        "LINES": str(size[1]),
    }
    drain = _Drain(master, list(markers) + [m for m in stop_when if m not in markers])
    started = time.monotonic()
    proc = subprocess.Popen(
        argv,
        env=env,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
        pass_fds=(status_w,),
    )
    os.close(slave)
    os.close(status_w)
    drain.start()
    rng = random.Random(seed)
    status: list[dict[str, Any]] = []
    sent: list[float] = []
    pending = b""
    answered: set[str] = set()
    streaming = False
    done = False  # the child reported its result: no need to wait for its exit
    next_key = 0.0
    timed_out = False
    deadline = started + timeout
    try:
        while not done:
            now = time.monotonic()
            if stop_when and all(m in drain.found for m in stop_when):
                break
            if now >= deadline:
                timed_out = True
                break
            for marker, reply in answers.items():
                if marker in drain.found and marker not in answered:
                    answered.add(marker)
                    os.write(master, reply)
            wait = 0.01 if len(answered) < len(answers) else 0.05
            if streaming and keys is not None:
                wait = max(0.0, min(wait, next_key - now))
            ready, _, _ = select.select([status_r], [], [], wait)
            if ready:
                chunk = os.read(status_r, 65536)
                if not chunk:
                    proc.wait(max(0.1, deadline - time.monotonic()))
                    break
                pending += chunk
                *lines, pending = pending.split(b"\n")
                for line in lines:
                    item = json.loads(line)
                    status.append(item)
                    if item["kind"] == "start":
                        streaming = True
                        next_key = time.monotonic() + (keys.every if keys else 0)
                    elif item["kind"] == "end":
                        streaming = False
                    elif item["kind"] == "result":
                        done = True
            now = time.monotonic()
            if streaming and keys is not None and now >= next_key:
                os.write(master, keys.key)
                sent.append(time.monotonic())
                next_key = now + keys.every + rng.uniform(0, keys.jitter)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        stop(proc)  # type: ignore[arg-type]
        drain.join(2.0)
        os.close(master)
        os.close(status_r)
    return PtyResult(
        proc.returncode,
        drain.total,
        dict(drain.found),
        status,
        sent,
        started,
        drain.tail.decode("utf-8", "replace"),
        timed_out,
    )
