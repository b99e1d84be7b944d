"""The embedded server in-process (the app, ``threadline send`` on a local profile) opens no
TCP port: nothing binds or listens, so no other user of the host can reach it. (In TCP
mode, ``threadline serve`` requires its token: tests/server/test_serve_cli.py.)"""

from __future__ import annotations

import socket

import pytest

from threadline.locations import config_path

from .conftest import run_send
from .tui_support import app_for, replies, settle, type_text


@pytest.fixture
def listening(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every bind and listen of a socket from now on (recorded, then done)."""
    calls: list[object] = []
    bind, listen = socket.socket.bind, socket.socket.listen

    def recorded_bind(self: socket.socket, address: object) -> None:
        calls.append(("bind", address))
        bind(self, address)  # type: ignore[arg-type]

    def recorded_listen(self: socket.socket, *args: int) -> None:
        calls.append(("listen", self.getsockname()))
        listen(self, *args)

    monkeypatch.setattr(socket.socket, "bind", recorded_bind)
    monkeypatch.setattr(socket.socket, "listen", recorded_listen)
    config = config_path()
    config.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    config.write_text('[profiles.local]\nbackend = "local"\ndemo_speed = 0\n')
    return calls


async def test_the_app_on_the_embedded_server_opens_no_port(listening: list[object]) -> None:
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_text(pilot, "hello", "enter")
        await settle(pilot)
        assert replies(app) and replies(app)[0].startswith("You said:")
    assert listening == []


async def test_send_on_the_embedded_server_opens_no_port(listening: list[object]) -> None:
    sent = await run_send("hello")
    assert sent.code == 0 and sent.out.startswith("You said:")
    assert listening == []
