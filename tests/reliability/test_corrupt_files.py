"""Damaged, unreadable, locked or half-created files, as ``threadline send`` (and ``serve``)
meet them.

A damaged store (not a database, or damage past its header) is moved aside, never deleted,
a fresh one starts, and the user is told where the old one went. A store that is locked
past the busy timeout, unreadable, or a folder is *not* moved aside (that would split the
user's data between two files): it is a one-line error naming the file, exit 2. A store
another process is creating at this very moment is waited for. A bad config is a one-line
error naming the file and key, exit 2.

The machine this suite was written on runs as root, which ignores file permissions, so the
``chmod 000`` case is skipped there; a folder in place of the file stands in for it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from pathlib import Path

import pytest

from threadline import sqlite_files
from threadline.cli import main
from threadline.cli.embedded import SERVER_STORE
from threadline.core.store import STORE_FILE, ClientStore, StoreError
from threadline.locations import config_path, data_dir
from threadline.server.schema import MIGRATIONS
from threadline.server.store import Store, StoreUnavailableError

from .conftest import PROFILE, Served, local_threads, run_send, thread_contents, write_config

GARBAGE = b"this is not a database, whatever it once was\n" * 100
TEXT = "stream 6 tokens"


def client_store() -> Path:
    path = data_dir() / STORE_FILE
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def aside(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.corrupt-*[0-9]"))


def local_profile() -> None:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_text('[profiles.local]\nbackend = "local"\ndemo_speed = 0\n')


# --- the client store -------------------------------------------------------------------


async def test_a_client_store_that_is_not_a_database_is_moved_aside(served: Served) -> None:
    path = client_store()
    path.write_bytes(GARBAGE)
    write_config(served.port)
    sent = await run_send(TEXT)
    assert sent.code == 0, sent.err
    (moved,) = aside(path)
    assert moved.read_bytes() == GARBAGE  # kept, byte for byte
    assert sent.err == (
        f"threadline: warning: {path} was damaged (file is not a database); "
        f"moved it to {moved.name} and started a fresh store\n"
    )
    (thread_id,) = await local_threads()  # the fresh store works
    assert sent.out == (await thread_contents(served, thread_id)).text() + "\n"


async def test_damage_past_the_header_is_found_on_open(served: Served) -> None:
    path = client_store()
    store = await ClientStore.open(path)
    for n in range(300):  # a few pages of drafts
        await store.save_draft(PROFILE, f"d{n}", "draft text " * 40)
    await store.close()
    data = bytearray(path.read_bytes())
    assert len(data) > 8 * 4096
    data[5 * 4096 : 5 * 4096 + 512] = os.urandom(512)
    path.write_bytes(bytes(data))
    write_config(served.port)

    sent = await run_send(TEXT)

    assert sent.code == 0, sent.err
    (moved,) = aside(path)
    assert moved.read_bytes() == bytes(data)
    assert "was damaged (database disk image is malformed" in sent.err
    assert len(await local_threads()) == 1


async def test_a_folder_in_place_of_the_client_store_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = client_store()
    path.mkdir()
    (path / "keep.txt").write_text("mine")
    assert await asyncio.to_thread(main, ["send", TEXT]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"threadline: error: {path}: cannot open the local store: "
        "it is a folder; the local store must be a file\n"
    )
    assert (path / "keep.txt").read_text() == "mine" and aside(path) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads and writes a chmod 000 file")
async def test_an_unreadable_client_store_is_a_one_line_error() -> None:
    path = client_store()
    (await ClientStore.open(path)).path.chmod(0o000)
    with pytest.raises(StoreError, match=r"cannot open the local store: permission denied"):
        await ClientStore.open(path)
    assert aside(path) == []


async def test_a_client_store_locked_past_the_busy_timeout_is_not_moved_aside(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = client_store()
    await (await ClientStore.open(path)).close()
    before = path.read_bytes()
    monkeypatch.setattr(sqlite_files, "BUSY_TIMEOUT_MS", 100)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")  # another process in a long write
    try:
        with pytest.raises(StoreError) as caught:
            await ClientStore.open(path)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert str(caught.value) == (
        f"{path}: cannot open the local store: another process holds it locked; try again"
    )
    assert aside(path) == [] and path.read_bytes() == before


async def test_a_client_store_another_process_is_creating_is_waited_for() -> None:
    """Two processes creating the file at once: SQLite refuses the WAL switch at once
    (without its busy wait) while the other holds the write lock. It is retried."""
    path = client_store()
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    asyncio.get_running_loop().call_later(0.2, other.execute, "COMMIT")
    try:
        store = await ClientStore.open(path)
    finally:
        other.close()
    assert store.warnings == [] and aside(path) == []
    await store.save_draft(PROFILE, "new", "kept")
    assert await store.get_draft(PROFILE, "new") == "kept"
    await store.close()


# --- the server store -------------------------------------------------------------------


async def test_a_damaged_embedded_server_store_is_moved_aside(
    caplog: pytest.LogCaptureFixture,
) -> None:
    local_profile()
    path = data_dir() / SERVER_STORE
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_bytes(GARBAGE)
    with caplog.at_level(logging.WARNING, logger="threadline.server.store"):
        sent = await run_send(TEXT, profile="local")
    assert sent.code == 0, sent.err
    assert sent.out.endswith("-- end of 6 tokens --\n")
    (moved,) = aside(path)
    assert moved.read_bytes() == GARBAGE
    (record,) = [r for r in caplog.records if r.name == "threadline.server.store"]
    assert record.getMessage() == (
        f"{path} is not a usable store (file is not a database); moved to {moved}"
    )


async def test_a_folder_in_place_of_the_server_store_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    local_profile()
    path = data_dir() / SERVER_STORE
    path.mkdir(parents=True)
    expected = (
        f"threadline: error: {path}: cannot open the server store: "
        "it is a folder; the server store must be a file\n"
    )
    assert await asyncio.to_thread(main, ["send", TEXT]) == 2  # embedded, in-process
    assert capsys.readouterr().err == expected
    assert await asyncio.to_thread(main, ["serve", "--port", "0"]) == 2
    assert capsys.readouterr().err == expected
    assert path.is_dir() and aside(path) == []


async def test_a_server_store_locked_past_the_busy_timeout_is_not_moved_aside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / SERVER_STORE
    await (await Store.open(path)).close()
    monkeypatch.setattr(sqlite_files, "BUSY_TIMEOUT_MS", 100)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreUnavailableError, match="another process holds it locked"):
            await Store.open(path)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert aside(path) == []


async def test_a_server_store_another_process_is_migrating_is_waited_for(
    tmp_path: Path,
) -> None:
    """The other process has created the tables but not committed yet: its migration must
    not run twice here ("table already exists"), nor the file be taken for damaged."""
    path = tmp_path / SERVER_STORE
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("PRAGMA journal_mode = WAL")
    other.execute("BEGIN IMMEDIATE")
    for statement in MIGRATIONS[0].split(";"):
        if statement.strip():
            other.execute(statement)
    other.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")
    asyncio.get_running_loop().call_later(0.2, other.execute, "COMMIT")
    try:
        store = await Store.open(path)
    finally:
        other.close()
    assert store.moved_aside is None and aside(path) == []
    await store.set_meta("k", "v")
    assert await store.get_meta("k") == "v"
    await store.close()


# --- the config -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('default_profile = "rel"\n[profiles.rel\n', "invalid TOML at line 2, column 14"),
        (
            '[profiles.rel]\nbackend = "remote"\nbase_url = "http://127.0.0.1:9/v1"\n'
            'stream_idle_timeout = "soon"\n',
            "profiles.rel.stream_idle_timeout: Input should be a valid number",
        ),
        ("[profiles.rel]\nbackend = \"remote\"\nbase_url = \"x\"\nstrem_idle_timeout = 1\n",
         "profiles.rel.base_url: "),
        ('[profiles.rel]\nbakend = "remote"\n', "profiles.rel.bakend: unknown key (did you mean backend?)"),
        (b"title = \"caf\xe9\"\n", "is not UTF-8 text (bad byte at offset 12)"),
    ],
    ids=["not-toml", "wrong-type", "bad-url-and-a-typo", "unknown-key", "not-utf8"],
)  # fmt: skip
def test_a_bad_config_is_a_one_line_error_naming_file_and_key(
    text: str | bytes, problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    assert main(["send", TEXT]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"threadline: error: {path}: ")
    assert problem in err
    assert err.count("\n") == 1
    assert not (data_dir() / STORE_FILE).exists()  # nothing was touched


def test_a_folder_in_place_of_the_config_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    config_path().mkdir(parents=True)
    assert main(["send", TEXT]) == 2
    assert capsys.readouterr().err == (
        f"threadline: error: {config_path()}: is a folder, expected a TOML file\n"
    )
