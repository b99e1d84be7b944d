"""Test isolation: no test reads or writes the developer's config, data or environment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CONFORMANCE = Path(__file__).parent / "conformance"
STREAMS = sorted((CONFORMANCE / "streams").glob("*.sse"))


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Point every XDG location at tmp_path and drop THREADLINE_* and API-key variables."""
    for name in list(os.environ):
        if name.startswith("THREADLINE_") or name in {"OPENAI_API_KEY", "NO_COLOR"}:
            monkeypatch.delenv(name, raising=False)
    for var, sub in {
        "XDG_CONFIG_HOME": "config",
        "XDG_DATA_HOME": "data",
        "XDG_STATE_HOME": "state",
        "XDG_CACHE_HOME": "cache",
        "XDG_RUNTIME_DIR": "runtime",
    }.items():
        path = tmp_path / "xdg" / sub
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        monkeypatch.setenv(var, str(path))


@pytest.fixture
def conformance_dir() -> Path:
    return CONFORMANCE
