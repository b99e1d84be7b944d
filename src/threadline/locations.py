"""Where Threadline keeps its files, and how it creates them so no other user can read them.

Every function here only computes a path; nothing is created until a caller asks for it
with :func:`ensure_private_dir` or :func:`write_private_file`.

- config: ``$THREADLINE_CONFIG``, else ``$XDG_CONFIG_HOME/threadline/config.toml``
- data: ``$THREADLINE_DATA_DIR``, else ``$XDG_DATA_HOME/threadline`` (stores, captures)
- themes: ``<data>/themes``
- runtime: ``$XDG_RUNTIME_DIR/threadline``, else ``<data>/run``, else a per-user folder in
  the temporary directory (for the embedded server's Unix socket)
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

import platformdirs

from threadline.errors import UserError

APP_NAME = "threadline"
CONFIG_ENV = "THREADLINE_CONFIG"
DATA_DIR_ENV = "THREADLINE_DATA_DIR"

# AF_UNIX paths are limited to 108 bytes on Linux and 104 on macOS, including the NUL;
# leave room for a socket file name such as "server.sock".
_SOCKET_DIR_MAX = 104 - 1 - len("/server-00000000.sock")


class UnsafeDirectoryError(UserError):
    """A folder that must be private is a symlink, not a folder, or owned by someone else."""


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name, "").strip()
    return Path(value).expanduser().absolute() if value else None


def config_path() -> Path:
    """The config file: ``$THREADLINE_CONFIG``, else ``<XDG config>/threadline/config.toml``."""
    override = _env_path(CONFIG_ENV)
    if override is not None:
        return override
    return platformdirs.user_config_path(APP_NAME, appauthor=False) / "config.toml"


def data_dir() -> Path:
    """The data folder: ``$THREADLINE_DATA_DIR``, else ``<XDG data>/threadline``."""
    override = _env_path(DATA_DIR_ENV)
    if override is not None:
        return override
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def themes_dir() -> Path:
    """Where users put their own theme files (``*.toml``)."""
    return data_dir() / "themes"


def runtime_dir() -> Path:
    """A folder for the embedded server's Unix socket; create it with :func:`ensure_private_dir`.

    ``$XDG_RUNTIME_DIR/threadline`` when that is set, else ``<data>/run``. A path too long
    for a Unix socket (deep home folders, pytest's tmp paths) falls back to
    ``<tmp>/threadline-<uid>``, which :func:`ensure_private_dir` refuses if another user
    created it first.
    """
    xdg = os.environ.get("XDG_RUNTIME_DIR", "").strip()
    # The XDG spec says to ignore a relative XDG_RUNTIME_DIR.
    preferred = Path(xdg) / APP_NAME if os.path.isabs(xdg) else data_dir() / "run"
    if len(os.fsencode(preferred)) <= _SOCKET_DIR_MAX:
        return preferred
    return Path(tempfile.gettempdir()) / f"{APP_NAME}-{os.getuid()}"


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) with mode 0700, or make an existing one 0700.

    Parents created here are 0700 too. An existing folder is accepted only if it is a real
    folder owned by the current user; its mode is then tightened to 0700 (a folder that a
    group or other users can read would expose the stores and sockets inside).

    Raises:
        UnsafeDirectoryError: ``path`` is a symlink, not a folder, or not ours.
        OSError: the folder cannot be created (the caller says which one and why).
    """
    missing = []
    cursor = path
    while not os.path.lexists(cursor):
        missing.append(cursor)
        if cursor.parent == cursor:
            break
        cursor = cursor.parent
    for folder in reversed(missing):
        # mkdir's mode is filtered by the umask; a strict umask is fine, a loose one is not.
        with contextlib.suppress(FileExistsError):  # another process won the race
            os.mkdir(folder, 0o700)
        if folder != path:
            os.chmod(folder, 0o700)
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        raise UnsafeDirectoryError(f"{display_path(path)}: is a symlink, expected a private folder")
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafeDirectoryError(f"{display_path(path)}: is not a folder")
    if info.st_uid != os.getuid():
        raise UnsafeDirectoryError(
            f"{display_path(path)}: is owned by another user (uid {info.st_uid}); remove it "
            "or point the setting elsewhere"
        )
    if stat.S_IMODE(info.st_mode) != 0o700:
        os.chmod(path, 0o700)
    return path


def write_private_file(path: Path, data: bytes, *, overwrite: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically with mode 0600; return the file written.

    The bytes go to a temporary file in the same folder, are fsynced, then renamed over
    the target, so a crash leaves either the old file or the new one, never half of one.
    A symlink at ``path`` is followed (dotfile managers link config files), so the link
    stays a link. A missing folder is created 0700.

    Raises:
        FileExistsError: the file exists and ``overwrite`` is false (checked atomically).
        OSError: the folder or file cannot be written.
    """
    target = Path(os.path.realpath(path))
    folder = target.parent
    if not folder.exists():
        ensure_private_dir(folder)
    fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp_name, 0o600)  # mkstemp already uses 0600; say so explicitly
        if overwrite:
            os.replace(tmp_name, target)
        else:
            _link_new(tmp_name, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
    _fsync_dir(folder)
    return target


def _link_new(tmp_name: str, target: Path) -> None:
    # A hard link fails if the target exists, so "never overwrite" holds even in a race.
    try:
        os.link(tmp_name, target)
    except FileExistsError:
        raise
    except OSError:  # a filesystem without hard links
        if os.path.lexists(target):
            raise FileExistsError(target) from None
        os.replace(tmp_name, target)


def _fsync_dir(folder: Path) -> None:
    # Make the rename itself durable; not every platform can open a folder.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def display_path(path: Path) -> str:
    """``path`` for messages, with the home folder shown as ``~``."""
    try:
        return "~/" + path.relative_to(Path.home()).as_posix()
    except (ValueError, RuntimeError):  # not under home, or no home at all
        return str(path)
