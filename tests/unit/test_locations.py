"""Where Threadline's files live, and that its folders and files are private."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from threadline import locations
from threadline.locations import (
    UnsafeDirectoryError,
    config_path,
    data_dir,
    display_path,
    ensure_private_dir,
    runtime_dir,
    themes_dir,
    write_private_file,
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_defaults_follow_xdg() -> None:
    assert config_path() == Path(os.environ["XDG_CONFIG_HOME"]) / "threadline" / "config.toml"
    assert data_dir() == Path(os.environ["XDG_DATA_HOME"]) / "threadline"
    assert themes_dir() == data_dir() / "themes"


def test_env_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THREADLINE_CONFIG", str(tmp_path / "elsewhere.toml"))
    monkeypatch.setenv("THREADLINE_DATA_DIR", str(tmp_path / "data"))
    assert config_path() == tmp_path / "elsewhere.toml"
    assert data_dir() == tmp_path / "data"
    assert themes_dir() == tmp_path / "data" / "themes"


def test_env_override_expands_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("THREADLINE_CONFIG", "~/tl.toml")
    assert config_path() == tmp_path / "tl.toml"
    assert display_path(config_path()) == "~/tl.toml"


def test_runtime_dir_prefers_xdg_runtime_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", "/run/user/1000")
    assert runtime_dir() == Path("/run/user/1000/threadline")
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    monkeypatch.setenv("THREADLINE_DATA_DIR", str(tmp_path / "d"))
    assert runtime_dir() == tmp_path / "d" / "run"


def test_runtime_dir_too_long_for_a_socket_falls_back_to_tmp(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_RUNTIME_DIR", "/" + "x" * 120)
    path = runtime_dir()
    assert path.name == f"threadline-{os.getuid()}"
    assert len(str(path)) < 90


def test_ensure_private_dir_creates_nested_folders_0700(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "c"
    assert ensure_private_dir(target) == target
    assert _mode(target) == 0o700
    assert _mode(tmp_path / "a") == 0o700


def test_ensure_private_dir_tightens_an_existing_folder(tmp_path: Path) -> None:
    target = tmp_path / "loose"
    target.mkdir(mode=0o755)
    target.chmod(0o755)
    ensure_private_dir(target)
    assert _mode(target) == 0o700


def test_ensure_private_dir_refuses_a_symlink_or_a_file(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    with pytest.raises(UnsafeDirectoryError, match="symlink"):
        ensure_private_dir(link)
    afile = tmp_path / "file"
    afile.write_text("x")
    with pytest.raises(UnsafeDirectoryError, match="not a folder"):
        ensure_private_dir(afile)


def test_ensure_private_dir_refuses_a_folder_of_another_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "theirs"
    target.mkdir()
    monkeypatch.setattr(locations.os, "getuid", lambda: os.lstat(target).st_uid + 1)
    with pytest.raises(UnsafeDirectoryError, match="owned by another user"):
        ensure_private_dir(target)


def test_write_private_file_is_0600_and_creates_its_folder(tmp_path: Path) -> None:
    target = tmp_path / "new" / "f.toml"
    write_private_file(target, b"a = 1\n")
    assert target.read_bytes() == b"a = 1\n"
    assert _mode(target) == 0o600
    assert _mode(target.parent) == 0o700
    assert os.listdir(target.parent) == ["f.toml"]  # no temp file left behind


def test_write_private_file_never_overwrites_without_permission(tmp_path: Path) -> None:
    target = tmp_path / "folder" / "f"
    target.parent.mkdir()
    target.write_bytes(b"old")
    with pytest.raises(FileExistsError):
        write_private_file(target, b"new", overwrite=False)
    assert target.read_bytes() == b"old"
    assert os.listdir(target.parent) == ["f"]
    write_private_file(target, b"new")
    assert target.read_bytes() == b"new"


def test_write_private_file_keeps_a_symlink_a_symlink(tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    (dotfiles / "config.toml").write_text("old")
    link = tmp_path / "config.toml"
    link.symlink_to(dotfiles / "config.toml")
    write_private_file(link, b"new")
    assert link.is_symlink()
    assert (dotfiles / "config.toml").read_text() == "new"
