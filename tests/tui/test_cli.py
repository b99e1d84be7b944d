"""``threadline`` with no command: the app runs; an unknown --profile is one line and exit 2,
a broken config file is named in the app (the commands that need it stop at it)."""

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


def test_a_broken_config_file_starts_the_app_on_the_defaults_and_says_why(
    started: list[ThreadlineApp], capsys: pytest.CaptureFixture[str]
) -> None:
    """The app starts (on the embedded demo) and names the file, line and problem; the
    commands that would use the file stop at it, one line and exit 2."""
    path = write_config('default_profile = "rel"\n[profiles.rel\n')
    assert main([]) == 0
    (app,) = started
    (notice,) = app._notices
    assert notice.startswith(f"Config problem: {path}: invalid TOML at line 2, column 14")
    assert "Started on the built-in local demo profile" in notice
    assert app.config.profile().engine == "demo"
    assert capsys.readouterr().err == ""
    for command in (["send", "hi"], ["config", "check"]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"threadline: error: {path}: invalid TOML at line 2, column 14")
        assert err.count("\n") == 1
