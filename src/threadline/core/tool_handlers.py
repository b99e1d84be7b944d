"""Running a configured local handler for one function tool call.

A handler is a program from ``[tools.NAME]`` (:class:`threadline.config.ToolHandler`). It
is started without a shell (``command`` is the argv, nothing is expanded), gets the call's
arguments JSON on stdin, and what it prints on stdout is the tool output.

Its environment is clean: only :data:`INHERITED` variables (and ``LC_*``) pass through
from Threadline's own environment, minus any whose name looks like a credential; then the
handler's configured ``env`` (passed as written, never expanded), then
``THREADLINE_TOOL_NAME`` and ``THREADLINE_CALL_ID``. So no API key (``OPENAI_API_KEY``, a
profile's ``api_key_env`` variable, ``THREADLINE_*``) reaches a handler unless the user
wrote it into that handler's ``env``. The working directory is Threadline's.

The outcome is one of:

* ``ok``: exit status 0 and a non-blank, valid UTF-8 stdout (one trailing newline is
  removed, nothing else);
* ``failed``: the program could not start, exited non-zero or was killed by a signal;
  the reason names the status and the first line of stderr;
* ``timed_out``: it ran longer than its timeout; its whole process group is killed;
* ``invalid_output``: exit status 0 but stdout was empty or blank, not UTF-8, or longer
  than :data:`MAX_OUTPUT_BYTES` (then the handler is killed as soon as it passes the limit).

Handlers are independent processes: several calls' handlers may run concurrently.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from threadline.api import RequiredToolCall
from threadline.config import ToolHandler, is_sensitive_name

from .sanitize import clean_line

HandlerOutcome = Literal["ok", "failed", "timed_out", "invalid_output"]

MAX_OUTPUT_BYTES = 1 << 20
"""The most stdout a handler may print (1 MiB); more is invalid output."""
MAX_STDERR_BYTES = 64 << 10
"""How much stderr is kept for the card (the rest is read and dropped, so it never blocks)."""
INHERITED = ("PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR")
"""The variables a handler inherits (with every ``LC_*``): enough to find programs, the
home folder and the locale, nothing that identifies a server or holds a secret."""
_REASON_LENGTH = 200


@dataclass(frozen=True, slots=True)
class HandlerResult:
    """How one handler run ended.

    ``output`` is the stdout text (UTF-8, undecodable bytes replaced, one trailing newline
    removed), kept for every outcome so a card can show what the handler printed; only an
    ``ok`` result's output is meant to be submitted. ``reason`` is one line, empty when ok.
    """

    outcome: HandlerOutcome
    output: str = ""
    reason: str = ""
    exit_status: int | None = None
    stderr: str = ""
    duration: float = 0.0

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    @property
    def summary(self) -> str:
        """One line for a card: ``handler failed: python3 exited with status 1: boom``."""
        if self.ok:
            return "handler answered"
        label = {
            "failed": "failed",
            "timed_out": "timed out",
            "invalid_output": "gave invalid output",
        }[self.outcome]
        return f"handler {label}: {self.reason}"


def handler_environment(
    handler: ToolHandler, call: RequiredToolCall, parent: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment a handler runs with (see the module docstring)."""
    parent = os.environ if parent is None else parent
    env = {
        name: value
        for name, value in parent.items()
        if (name in INHERITED or name.startswith("LC_")) and not is_sensitive_name(name)
    }
    env.setdefault("PATH", os.defpath)
    env.update(handler.env)
    env["THREADLINE_TOOL_NAME"] = call.function.name
    env["THREADLINE_CALL_ID"] = call.id
    return env


def handler_input(call: RequiredToolCall) -> bytes:
    """What the handler reads on stdin: the arguments as sent (blank ones as ``{}``)."""
    arguments = call.function.arguments
    return (arguments if arguments.strip() else "{}").encode("utf-8", errors="replace")


async def run_handler(
    handler: ToolHandler,
    call: RequiredToolCall,
    *,
    # Not asyncio.timeout around the call: a timeout is an outcome to report (and a
    # process group to kill), not a cancellation.
    timeout: float | None = None,  # noqa: ASYNC109
) -> HandlerResult:
    """Run ``handler`` for ``call`` and say how it went; never raises for handler problems.

    ``timeout`` overrides the handler's own. Cancelling the caller kills the handler.
    """
    limit = handler.timeout if timeout is None else timeout
    program = clean_line(handler.command[0])
    started = time.monotonic()
    try:
        process = await asyncio.create_subprocess_exec(
            *handler.command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=handler_environment(handler, call),
            # Its own process group, so a timeout kills whatever it started too.
            start_new_session=True,
        )
    except FileNotFoundError:
        return HandlerResult("failed", reason=f"{program}: command not found")
    except OSError as exc:
        return HandlerResult("failed", reason=f"cannot run {program}: {exc.strerror or exc}")
    try:
        async with asyncio.timeout(limit):
            stdout, overflow, stderr_bytes = await _exchange(process, handler_input(call))
            status = await process.wait()
    except TimeoutError:
        _kill_group(process)
        await process.wait()
        return HandlerResult(
            "timed_out",
            reason=f"{os.path.basename(program)} did not finish within {limit:g} s; it was stopped",
            duration=time.monotonic() - started,
        )
    finally:
        if process.returncode is None:  # cancelled: leave nothing running behind us
            _kill_group(process)
            await process.wait()
    # Once it ran, its name is enough to say what went wrong; the path takes up the line.
    name = os.path.basename(program) or program
    return _judge(name, status, stdout, overflow, stderr_bytes, time.monotonic() - started)


async def _exchange(process: asyncio.subprocess.Process, data: bytes) -> tuple[bytes, bool, bytes]:
    """Feed stdin and read both pipes at once, so no pipe fills and blocks the handler."""
    assert process.stdin and process.stdout and process.stderr

    async def feed() -> None:
        assert process.stdin
        # A handler may exit without reading its input: that is its business.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            process.stdin.write(data)
            await process.stdin.drain()
            process.stdin.close()

    async def read_stdout() -> tuple[bytes, bool]:
        assert process.stdout
        out, overflow = await _read(process.stdout, MAX_OUTPUT_BYTES, drain=False)
        if overflow:
            _kill_group(process)
        return out, overflow

    assert process.stderr
    _, (stdout, overflow), stderr = await asyncio.gather(
        feed(), read_stdout(), _read(process.stderr, MAX_STDERR_BYTES, drain=True)
    )
    return stdout, overflow, stderr[0]


async def _read(stream: asyncio.StreamReader, limit: int, *, drain: bool) -> tuple[bytes, bool]:
    """Up to ``limit`` bytes; with ``drain`` the rest is read and dropped, else reading stops."""
    data = bytearray()
    overflow = False
    while chunk := await stream.read(65536):
        room = limit - len(data)
        if len(chunk) > room:
            data += chunk[:room]
            overflow = True
            if not drain:
                break
        elif not overflow:
            data += chunk
    return bytes(data), overflow


def _kill_group(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        process.kill()


def _judge(
    program: str, status: int, stdout: bytes, overflow: bool, stderr: bytes, duration: float
) -> HandlerResult:
    text = stdout.decode("utf-8", errors="replace")
    if text.endswith("\n"):
        text = text[:-2] if text.endswith("\r\n") else text[:-1]
    err_text = stderr.decode("utf-8", errors="replace")

    def result(outcome: HandlerOutcome, reason: str = "") -> HandlerResult:
        return HandlerResult(outcome, text, _shorten(reason), status, err_text, duration)

    if overflow:  # first: passing the limit is why we killed it
        return result("invalid_output", f"{program} printed more than {MAX_OUTPUT_BYTES} bytes")
    if status != 0:
        how = f"was killed by signal {-status}" if status < 0 else f"exited with status {status}"
        detail = _stderr_line(err_text)
        return result("failed", f"{program} {how}: {detail}" if detail else f"{program} {how}")
    if not text.strip():
        return result("invalid_output", f"{program} printed nothing")
    try:
        stdout.decode("utf-8")
    except UnicodeDecodeError as exc:
        return result(
            "invalid_output", f"{program} printed text that is not UTF-8 (byte {exc.start})"
        )
    return result("ok")


def _stderr_line(text: str) -> str:
    """The line of stderr that says what went wrong: the first, or for a Python traceback
    (whose first line says nothing) the last."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return ""
    return lines[-1] if lines[0].startswith("Traceback (most recent call last)") else lines[0]


def _shorten(text: str) -> str:
    line = clean_line(text)
    return line if len(line) <= _REASON_LENGTH else line[: _REASON_LENGTH - 1] + "…"
