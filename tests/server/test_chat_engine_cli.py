"""``threadline serve --engine chat``: settings from the profile, overridden by flags."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from threadline.cli import build_parser, main
from threadline.cli.embedded import build_engine
from threadline.cli.serve import with_chat_flags
from threadline.config import load_config
from threadline.server.engines.chat import ChatEngine

CONFIG = """
default_profile = "ollama"

[profiles.ollama]
engine = "chat"
chat_base_url = "http://localhost:11434/v1"
chat_model = "llama3.2"
chat_api_key_env = "TEST_CHAT_KEY"
timeout = 45
"""


def serve_args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["serve", *argv])


@pytest.fixture
def config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    monkeypatch.setenv("THREADLINE_CONFIG", str(path))
    monkeypatch.setenv("TEST_CHAT_KEY", "sk-from-env")
    return path


async def test_the_profile_sets_up_the_chat_engine(config_file: Path) -> None:
    profile = with_chat_flags(load_config().profile("ollama"), serve_args())

    engine = build_engine("chat", profile)
    try:
        assert isinstance(engine, ChatEngine)
        assert (engine.model, engine.upstream.name) == ("llama3.2", "http://localhost:11434/v1")
        assert engine.upstream.timeout == 45
    finally:
        await engine.aclose()


async def test_flags_override_the_profile(config_file: Path) -> None:
    args = serve_args(
        "--engine", "chat", "--chat-base-url", "http://127.0.0.1:8080/v1", "--chat-model", "qwen"
    )
    profile = with_chat_flags(load_config().profile("ollama"), args)

    engine = build_engine(args.engine, profile)
    try:
        assert (engine.model, engine.upstream.name) == ("qwen", "http://127.0.0.1:8080/v1")
    finally:
        await engine.aclose()


async def test_flags_alone_are_enough_on_a_demo_profile() -> None:
    args = serve_args("--engine", "chat", "--chat-base-url", "http://h:1/v1", "--chat-model", "m")
    profile = with_chat_flags(load_config().profile(None), args)

    engine = build_engine(args.engine, profile)
    try:
        assert (engine.model, engine.upstream.name) == ("m", "http://h:1/v1")
    finally:
        await engine.aclose()


def test_serve_without_chat_settings_is_a_one_line_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["serve", "--engine", "chat", "--port", "0"]) == 2

    err = capsys.readouterr().err
    assert err.startswith("threadline: error: engine chat needs chat_base_url")
    assert "--chat-base-url" in err
    assert err.count("\n") == 1
