"""A known fake key, used for everything ``send``, ``export`` and ``config check`` do, and
then searched for everywhere it must not be: printed output, every file under the data
and config folders (stores, WAL files, captured events, exports; the config file itself
excepted when it holds the key), the server's own data folder, log records at DEBUG, and
the environment a tool handler runs with. (The TUI's screens come with the TUI's issue.)
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import sys
from pathlib import Path

import pytest

from threadline.cli import main
from threadline.locations import config_path, data_dir

from .conftest import PROFILE, local_threads, proxied, run_send, serving
from .proxy import Canned, api_error

KEY = f"sk-threadline-CANARY-{secrets.token_hex(16)}"
ENV_NAME = "CANARY_API_KEY"
HANDLER = r"""
import json, os, sys
sys.stdin.read()
with open(os.environ["ENV_DUMP"], "a") as out:
    out.write(json.dumps(dict(os.environ)) + "\n")
print("sunny, 21 C")
"""


def configure(port: int, source: str, dump: Path) -> Path:
    key = f'api_key = "{KEY}"' if source == "config" else f'api_key_env = "{ENV_NAME}"'
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_text(
        f'default_profile = "{PROFILE}"\n\n'
        f'[profiles.{PROFILE}]\nbackend = "remote"\nbase_url = "http://127.0.0.1:{port}/v1"\n'
        f"{key}\nstream_idle_timeout = 5\n\n"
        "[tools.get_weather]\n"
        f"command = {json.dumps([sys.executable, '-c', HANDLER])}\n"
        'approve = "always"\n'
        f'env = {{ ENV_DUMP = "{dump}" }}\n'
    )
    path.chmod(0o600)
    return path


@pytest.mark.parametrize("source", ["config", "env"])
async def test_the_key_is_nowhere_it_should_not_be(
    source: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv(ENV_NAME, KEY)  # in the environment either way: handlers must not get it
    dump = tmp_path / "handler-env.jsonl"
    printed: list[str] = []
    async with serving(tmp_path / "server-data", token=KEY) as served:
        echo = Canned(
            "GET",
            "/assistants",
            401,
            api_error(f"Incorrect API key provided: {KEY}.", type="invalid_request_error"),
        )
        async with proxied(served, canned=[echo]) as proxy:
            config = configure(proxy.port, source, dump)
            refused = await run_send("hello")  # the proxy answers 401, echoing the key
            ok = await run_send("hello there")
            failed = await run_send("please fail")
            tool = await run_send("What is the weather in Paris? Use get_weather.")
            assert proxy.requests[0].canned == 401

            threads = await local_threads()
            assert len(threads) == 3
            export_dir = data_dir() / "exports"
            export_dir.mkdir()
            for n, (thread_id, form) in enumerate(zip(threads, ("md", "json", "md"), strict=True)):
                out = str(export_dir / f"{n}.{form}")
                argv = ["export", thread_id, "--format", form, "-o", out]
                assert await asyncio.to_thread(main, argv) == 0
            assert await asyncio.to_thread(main, ["config", "check"]) == 0
        assert refused.code == 4 and "Incorrect API key provided: [redacted]." in refused.err
        assert (ok.code, failed.code, tool.code) == (0, 3, 0), (ok.err, failed.err, tool.err)
        assert "sunny, 21 C" in tool.out
        printed += [text for sent in (refused, ok, failed, tool) for text in (sent.out, sent.err)]
        captured = capsys.readouterr()
        printed += [captured.out, captured.err]
        assert f"[profiles.{PROFILE}]" in captured.out  # config check printed the profile

    # Printed anywhere.
    for text in printed:
        assert KEY not in text
    # Logged anywhere (httpx and httpcore log at DEBUG too).
    assert caplog.records
    for record in caplog.records:
        assert KEY not in record.getMessage()
        assert KEY not in str(record.args)
    # Stored anywhere: stores and their WAL files, captures, exports, the server's data.
    files = [
        path
        for folder in (data_dir(), config_path().parent, tmp_path / "server-data")
        for path in folder.rglob("*")
        if path.is_file() and path != config
    ]
    assert any(path.name == "client.db" for path in files)
    assert len(list(export_dir.iterdir())) == 3
    for path in files:
        assert KEY.encode() not in path.read_bytes(), path
    # Given to a tool handler.
    (environment,) = [json.loads(line) for line in dump.read_text().splitlines()]
    assert ENV_NAME not in environment
    assert KEY not in json.dumps(environment)
    assert environment["THREADLINE_TOOL_NAME"] == "get_weather"
    # The needle is right: where the key is meant to be, it is found.
    assert (KEY in config.read_text()) == (source == "config")
