"""A broken config or a damaged store does not stop the full-screen app: it starts, on what
still makes sense, and says what is wrong in the app. (The commands that need the config,
``send`` and ``config check``, still stop at it: one line, exit 2.)

- the config not TOML, not UTF-8 or a folder: the embedded local demo profile, and a notice
  naming the file and the line;
- one bad profile among good ones: the good ones, and a notice naming the bad one's key;
- the client store or the embedded server's store damaged: moved aside, a fresh one
  started, and a notification naming where the old one went.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from threadline.cli import main
from threadline.cli.embedded import SERVER_STORE
from threadline.core.store import STORE_FILE
from threadline.locations import config_path, data_dir, display_path

from .conftest import PROFILE, Served, write_config
from .tui_support import app_for, notifications, settle

GARBAGE = b"this is not a database, whatever it once was\n" * 100
SIZE = (120, 40)


def notice_text(app: object) -> str:
    return str(app.main.query_one("#notice").render())  # type: ignore[attr-defined]


def broken(text: str | bytes | None) -> Path:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if text is None:
        path.mkdir()
    elif isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('default_profile = "rel"\n[profiles.rel\n', "invalid TOML at line 2, column 14"),
        (b'theme = "caf\xe9"\n', "is not UTF-8 text (bad byte at offset 12)"),
        (None, "is a folder, expected a TOML file"),
    ],
    ids=["not-toml", "not-utf8", "a-folder"],
)
async def test_an_unusable_config_starts_the_demo_and_says_what_is_wrong(
    text: str | bytes | None, problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = broken(text)
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        notice = notice_text(app)
        status = app.main.status
        backend, assistant = status.backend, status.assistant
    assert notice.startswith(f"Config problem: {display_path(path)}: {problem}")
    assert "Started on the built-in local demo profile. Fix the file and restart." in notice
    assert (backend, assistant) == ("local · demo", "Threadline Demo")
    # The commands that need the file stop at it, as before.
    for command in (["send", "hi"], ["config", "check"]):
        capsys.readouterr()
        assert await asyncio.to_thread(main, command) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"threadline: error: {display_path(path)}: {problem}")
        assert err.count("\n") == 1


async def test_a_bad_profile_is_left_out_and_the_good_ones_are_used(served: Served) -> None:
    write_config(
        served.port,
        extra='\n[profiles.broken]\nbackend = "remote"\nbase_url = "http://x/v1"\n'
        'stream_idle_timeout = "soon"\n',
    )
    app = app_for()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        notice = notice_text(app)
        status = app.main.status
        backend, assistant = status.backend, status.assistant
        profiles = app.config.profile_names()
    assert notice.startswith(
        f"Config problem: {display_path(config_path())}: profiles.broken.stream_idle_timeout: "
        "Input should be a valid number"
    )
    assert "Left out profiles.broken; the rest is in use." in notice
    assert profiles == [PROFILE]
    assert backend == f"{PROFILE} · 127.0.0.1:{served.port}"
    assert assistant == "Threadline Demo"


async def test_asking_for_a_profile_the_broken_config_lost_opens_the_default(
    served: Served,
) -> None:
    write_config(served.port, extra='\n[profiles.broken]\nbakend = "remote"\n')
    app = app_for("broken")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        notice = notice_text(app)
        backend = app.main.status.backend
    assert "profiles.broken.bakend: unknown key (did you mean backend?)" in notice
    assert f"No usable profile 'broken': opened '{PROFILE}'." in notice
    assert backend.startswith(f"{PROFILE} · ")


async def test_a_damaged_client_store_is_moved_aside_and_the_app_says_where(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = data_dir() / STORE_FILE
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_bytes(GARBAGE)
    write_config(served.port)
    app = app_for()
    seen = notifications(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        connected = app.main.status.assistant
    (moved,) = path.parent.glob(f"{STORE_FILE}.corrupt-*[0-9]")
    assert moved.read_bytes() == GARBAGE
    assert (
        "Local store",
        f"{display_path(path)} was damaged (file is not a database); moved it to "
        f"{moved.name} and started a fresh store",
    ) in seen
    assert connected == "Threadline Demo"


async def test_a_damaged_embedded_server_store_is_moved_aside_and_the_app_says_where(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = config_path()
    config.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    config.write_text('[profiles.local]\nbackend = "local"\ndemo_speed = 0\n')
    path = data_dir() / SERVER_STORE
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_bytes(GARBAGE)
    app = app_for()
    seen = notifications(app, monkeypatch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        connected = app.main.status.assistant
    (moved,) = path.parent.glob(f"{SERVER_STORE}.corrupt-*[0-9]")
    assert moved.read_bytes() == GARBAGE
    assert (
        "Server store",
        f"The embedded server's store {path} could not be read; moved it to {moved} "
        "and started a fresh one",
    ) in seen
    assert connected == "Threadline Demo"
