"""``threadline serve`` in a child process: the real command, uvicorn on loopback, a token."""

from __future__ import annotations

import os
import secrets
import select
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .env import isolated_env, threadline_script
from .proc import stop


@dataclass(frozen=True)
class Served:
    url: str  # http://127.0.0.1:PORT/v1
    token: str
    pid: int


@contextmanager
def serving(root: Path, demo_speed: float, timeout: float = 30.0) -> Iterator[Served]:
    token = secrets.token_urlsafe(24)
    env = isolated_env(root)
    argv = [str(threadline_script()), "serve", "--port", "0", "--engine", "demo"]
    # One argument: a generated token may begin with "-", which argparse takes for an option.
    argv += [f"--token={token}", "--demo-speed", f"{demo_speed:g}"]
    log = root / "serve.log"
    with log.open("wb") as stderr:
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=stderr)
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + timeout
        line = b""
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            ready, _, _ = select.select([proc.stdout], [], [], max(left, 0))
            if not ready:
                raise TimeoutError(f"threadline serve printed no URL in {timeout:g} s")
            byte = os.read(proc.stdout.fileno(), 1)
            if not byte:
                raise RuntimeError(f"threadline serve exited: {log.read_text()[-500:]}")
            line += byte
        try:
            yield Served(line.decode().strip(), token, proc.pid)
        except Exception as exc:
            tail = log.read_text(errors="replace")[-800:]
            raise RuntimeError(f"{type(exc).__name__}: {exc}; server log: {tail!r}") from exc
    finally:
        stop(proc)
