"""Run a program in a pseudo-terminal and read what it writes, for end-to-end tests.

No screen emulation: the bytes are kept as written (to look for escape sequences that
must never be sent) and, for finding text, with escape sequences stripped.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import termios
import time
from collections.abc import Callable, Sequence

_ESCAPES = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
    rb"|\x1b[PX^_][^\x1b]*\x1b\\"  # DCS, SOS, PM, APC
    rb"|\x1b[@-Z\\-_=>()#%*+][0-9A-Za-z]?"  # other escapes
)


def visible_text(data: bytes) -> str:
    """The printable text of terminal output, escape sequences removed."""
    return _ESCAPES.sub(b"", data).decode("utf-8", "replace")


class PtyProcess:
    def __init__(
        self, argv: Sequence[str], env: dict[str, str], size: tuple[int, int] = (100, 30)
    ) -> None:
        self.output = bytearray()
        pid, fd = pty.fork()
        if pid == 0:  # the child: become the program
            try:
                os.execve(argv[0], list(argv), env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        columns, rows = size
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.status: int | None = None

    def read_until(self, found: Callable[[bytes], bool], timeout: float = 20.0) -> bytes:
        """Read until ``found(everything so far)``; AssertionError on timeout or exit."""
        deadline = time.monotonic() + timeout
        while not found(bytes(self.output)):
            left = deadline - time.monotonic()
            if left <= 0:
                tail = visible_text(bytes(self.output[-3000:]))
                raise AssertionError(f"timed out; the screen ended with:\n{tail}")
            if not self._read(left):
                tail = visible_text(bytes(self.output[-3000:]))
                raise AssertionError(f"the program exited; the screen ended with:\n{tail}")
        return bytes(self.output)

    def wait_for_text(self, text: str, timeout: float = 20.0) -> None:
        self.read_until(lambda data: text in visible_text(data), timeout)

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], min(timeout, 0.5))
        if not ready:
            return True
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            return False
        if not chunk:
            return False
        self.output += chunk
        # Answer the cursor-position query some apps send at start, like a terminal would.
        if b"\x1b[6n" in chunk:
            self.write(b"\x1b[1;1R")
        return True

    def write(self, data: bytes) -> None:
        os.write(self.fd, data)

    def wait_exit(self, timeout: float = 20.0) -> int:
        """Drain output until the program exits; its exit status."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
                self._drain()
                return self.status
            self._read(0.1)
        raise AssertionError("the program did not exit")

    def _drain(self) -> None:
        while self._read(0.05):
            if not select.select([self.fd], [], [], 0)[0]:
                break

    def close(self) -> None:
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
        os.close(self.fd)
