"""``threadline serve`` as a user runs it: a real process on a loopback port."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from threadline.cli import main


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("THREADLINE_DATA_DIR", str(folder))
    return folder


def serve(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "threadline", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )


@pytest.fixture
def server(data_dir: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = serve("--demo-speed", "0")
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    yield process, url
    if process.poll() is None:
        process.kill()
        process.wait()


def test_serve_prints_the_url_and_a_token_and_requires_it(
    server: tuple[subprocess.Popen[str], str], data_dir: Path
) -> None:
    process, url = server
    assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
    assert process.stderr is not None
    token_line = process.stderr.readline()
    assert token_line.startswith("threadline: token: ")
    token = token_line.split(": ", 2)[2].strip()
    assert len(token) >= 32
    assert token.startswith("tl-")  # never read as an option when pasted after --token

    refused = httpx.get(f"{url}/assistants")
    assert refused.status_code == 401
    listed = httpx.get(f"{url}/assistants", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200
    assert listed.json()["data"][0]["name"] == "Threadline Demo"
    store = data_dir / "server.sqlite3"
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700

    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=10) == 0
    assert token not in (process.stdout.read() if process.stdout else "")


def test_a_client_connecting_when_the_url_is_printed_is_not_refused(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The socket listens before the URL is printed: a connection made in the instant
    before uvicorn starts accepting waits in the backlog (here uvicorn never starts)."""
    import socket

    import uvicorn

    connected: list[str] = []

    async def not_serving(self: uvicorn.Server, sockets: list[socket.socket]) -> None:
        url = capsys.readouterr().out.strip()
        host, port = sockets[0].getsockname()[:2]
        with socket.create_connection((host, port), timeout=5):
            connected.append(url)

    monkeypatch.setattr(uvicorn.Server, "serve", not_serving)
    assert main(["serve", "--port", "0", "--token", "t"]) == 0
    assert len(connected) == 1 and connected[0].startswith("http://127.0.0.1:")


def test_a_given_token_is_not_printed(data_dir: Path) -> None:
    process = serve("--token", "my-own-token")
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        ok = httpx.get(f"{url}/assistants", headers={"Authorization": "Bearer my-own-token"})
        assert ok.status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=10)
    assert "my-own-token" not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--port", "70000"], "--port 70000: not a port number"),
        (["--demo-speed", "-1"], "--demo-speed must be 0 or more"),
        (["--token", " "], "--token must not be empty"),
    ],
)
def test_bad_flags_are_one_line_errors(
    argv: list[str], message: str, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", *argv]) == 2
    assert capsys.readouterr().err.strip() == f"threadline: error: {message}"


def test_a_busy_port_is_a_one_line_error(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"threadline: error: cannot listen on 127.0.0.1:{port}: ")
    assert err.count("\n") == 1
