"""``threadline config path|check|init`` through the real entry point."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path

import pytest

from threadline.cli import main
from threadline.config import load_config
from threadline.locations import config_path

KEY = "sk-cli-test-9876543210-SECRET"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write_config(text: str, mode: int = 0o600) -> Path:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


def test_path_prints_the_config_path(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(capsys, "config", "path") == (0, f"{config_path()}\n", "")
    monkeypatch.setenv("THREADLINE_CONFIG", str(tmp_path / "x.toml"))
    assert run(capsys, "config", "path") == (0, f"{tmp_path / 'x.toml'}\n", "")


def test_check_without_a_file_prints_the_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "config", "check")
    assert (code, err) == (0, "")
    assert "does not exist" in out.splitlines()[0]
    effective = tomllib.loads(out)
    assert effective["default_profile"] == "local"
    assert effective["profiles"]["local"]["engine"] == "demo"


def test_check_masks_secrets_and_warns_after(capsys: pytest.CaptureFixture[str]) -> None:
    write_config(
        'default_profile = "work"\n[profiles.work]\nbackend = "remote"\n'
        f'base_url = "https://h/v1"\napi_key = "{KEY}"\nheaders = {{ "X-Api-Key" = "{KEY}" }}\n'
        '[profiles.bridge]\nengine = "chat"\nchat_base_url = "http://localhost:1/v1"\n'
        'chat_model = "m"\nchat_api_key_env = "UNSET_CHAT_KEY"\n',
        mode=0o644,
    )
    code, out, err = run(capsys, "config", "check")
    assert code == 0
    assert KEY not in out + err
    effective = tomllib.loads(out)
    assert effective["profiles"]["work"]["api_key"] == "****"
    assert effective["profiles"]["work"]["headers"]["X-Api-Key"] == "****"
    assert effective["profiles"]["work"]["base_url"] == "https://h/v1"
    assert effective["profiles"]["work"]["timeout"] == 60  # defaults are filled in
    assert "readable by other users and contains an API key; chmod 600 it" in err
    assert "profile 'bridge': chat_api_key_env names UNSET_CHAT_KEY, which is not set" in err


def test_check_on_a_bad_config_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config('[profiles.local]\napi_kye = "x"\n')
    code, out, err = run(capsys, "config", "check")
    assert (code, out) == (2, "")
    assert (
        err
        == f"threadline: error: {path}: profiles.local.api_kye: unknown key (did you mean api_key?)\n"
    )


def test_check_with_an_unknown_profile_fails(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--profile", "nope", "config", "check")
    assert code == 2
    assert "no profile named 'nope'" in err
    assert "the profiles are: local" in err


def test_init_writes_a_private_starter_config(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "config", "init")
    assert (code, err) == (0, "")
    path = config_path()
    assert str(path) in out
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path.read_text().startswith("# Threadline configuration")
    assert load_config().profile_names() == ["local"]


def test_init_never_overwrites_without_force(capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config('theme = "mine"\n')
    code, out, err = run(capsys, "config", "init")
    assert (code, out) == (2, "")
    assert err == f"threadline: error: {path}: already exists; use --force to replace it\n"
    assert path.read_text() == 'theme = "mine"\n'
    code, _, _ = run(capsys, "config", "init", "--force")
    assert code == 0
    assert path.read_text().startswith("# Threadline configuration")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_config_needs_an_action(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["config"])
    assert caught.value.code == 2
    assert "ACTION" in capsys.readouterr().err
