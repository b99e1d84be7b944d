"""End to end: the installed ``threadline`` script in a pseudo-terminal, on the embedded demo.

It takes a few seconds (two processes start, the demo streams at its default 60 tokens/s,
the app as a user gets it with no config): the one test that sees the real bytes a
terminal would receive.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .ptyrun import PtyProcess, visible_text

THREADLINE = Path(sys.executable).parent / "threadline"

# Sequences a message must never get to the terminal: clipboard write (OSC 52), a
# hyperlink (OSC 8), the window title (OSC 0 and 2), clearing the screen (CSI 2J). (Textual
# itself writes none of these; it does write OSC 22, the pointer shape.)
HOSTILE = (
    "look \x1b]52;c;VEhSRUFETElORQ==\x07 "
    "\x1b]8;;http://evil.example/x\x1b\\click\x1b]8;;\x1b\\ "
    "\x1b]0;TL-TITLE\x07\x1b]2;TL-TITLE\x1b\\\x1b[2J here"
)
NEVER = (b"\x1b]52", b"\x1b]8;", b"\x1b]0;", b"\x1b]2;", b"\x1b[2J")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    # The autouse fixture already points XDG_* at tmp_path; pin the data folder too.
    environment = dict(os.environ)
    environment.update(
        THREADLINE_DATA_DIR=str(tmp_path / "data"),
        TERM="xterm-256color",
        COLORTERM="truecolor",
    )
    return environment


@pytest.mark.skipif(not THREADLINE.exists(), reason="the threadline script is not installed")
@pytest.mark.skipif(shutil.which("true") is None, reason="needs a POSIX system with ptys")
def test_the_installed_app_sends_and_shows_the_reply_and_no_hostile_bytes(
    env: dict[str, str],
) -> None:
    # A thread whose messages carry the sequences: sent by `threadline send`, quoted back
    # by the demo engine, so the app loads them from the server when it opens the thread.
    sent = subprocess.run(
        [str(THREADLINE), "send", HOSTILE],
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert sent.returncode == 0, sent.stderr.decode()

    app = PtyProcess([str(THREADLINE)], env, size=(100, 30))
    try:
        app.wait_for_text("enter sends")  # the composer is up
        app.wait_for_text("Threadline Demo")  # connected to the embedded demo server
        app.wait_for_text("click")  # the hostile thread's text, cleaned, on screen
        # Type a message and send it in one write, like a fast typist over SSH.
        app.write(b"hello from the pty\r")
        app.wait_for_text("hello from the pty", timeout=30)
        app.wait_for_text("completed in", timeout=30)
        # Paste the sequences into the composer, then send them. (Textual's input parser
        # turns an escape inside a bracketed paste into visible keys such as "^]".)
        app.write(b"\x1b[200~" + HOSTILE.encode() + b"\x1b[201~")
        app.write(b"\r")
        app.wait_for_text("look", timeout=30)
        app.write(b"\x11")  # ctrl+q
        code = app.wait_exit()
        assert code == 0, visible_text(bytes(app.output))[-3000:]
    finally:
        app.close()
    output = bytes(app.output)
    screen = visible_text(output)
    assert "You said" in screen
    assert "local demo" in screen
    assert "hello from the pty" in screen
    for sequence in NEVER:
        assert sequence not in output.replace(b"\x1b]52;c;", b""), sequence
    # OSC 52 may be the app's own copy: Textual's input parser can turn the escapes inside
    # a bracketed paste into key presses when a read splits them, and the paste's BEL
    # (ctrl+g, "select messages") then "c" ("copy message") copy the last reply. What it
    # copies must be clean text, never the paste's own clipboard payload.
    for payload in re.findall(rb"\x1b\]52;c;([A-Za-z0-9+/=]*)", output):
        copied = base64.b64decode(payload).decode()
        assert "\x1b" not in copied and copied != "THREADLINE", copied
