"""``threadline`` with no command: config problems are one line and exit 2; the app runs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from threadline.cli import main
from threadline.cli.tui import DEMO_NOTICE
from threadline.tui.app import ThreadlineApp


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[ThreadlineApp]:
    """Apps that ``threadline`` would have run, without taking over the terminal."""
    apps: list[ThreadlineApp] = []
    monkeypatch.setattr(ThreadlineApp, "run", lambda self, *a, **kw: apps.append(self))
    return apps


def write_config(text: str) -> Path:
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "threadline" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_no_config_runs_the_local_demo_and_says_so(started: list[ThreadlineApp]) -> None:
    assert main([]) == 0
    (app,) = started
    assert app._notices == [DEMO_NOTICE]
    assert "threadline config init" in DEMO_NOTICE


def test_a_configured_profile_gets_no_demo_notice(started: list[ThreadlineApp]) -> None:
    write_config(
        '[profiles.work]\nbackend = "remote"\nbase_url = "https://h.test/v1"\n'
        'api_key_env = "WORK_KEY"\n[profiles.local]\n'
    )
    assert main(["--profile", "work"]) == 0
    (app,) = started
    assert app._notices == []
    assert app._profile == "work"


def test_an_unknown_profile_is_one_line_and_exit_2(
    started: list[ThreadlineApp], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--profile", "nope"]) == 2
    err = capsys.readouterr().err
    assert err == "threadline: error: no profile named 'nope'; the profiles are: local\n"
    assert started == []


def test_a_broken_config_file_is_one_line_and_exit_2(
    started: list[ThreadlineApp], capsys: pytest.CaptureFixture[str]
) -> None:
    write_config("default_profile = [\n")
    assert main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("threadline: error: ") and "config.toml" in err
    assert err.count("\n") == 1
    assert started == []
