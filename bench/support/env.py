"""An environment for a child ``threadline`` that reads and writes only a temporary folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def threadline_script() -> Path:
    """The installed console script next to this interpreter (the real entry point)."""
    script = BIN / "threadline"
    if not script.exists():
        raise FileNotFoundError(f"{script} is missing: install the project (scripts/dev.py)")
    return script


def isolated_env(
    root: Path, *, config: str | None = None, extra: dict[str, str] | None = None
) -> dict[str, str]:
    """XDG folders, the data folder and (given ``config`` TOML) the config file, all in
    ``root``; no THREADLINE_* variable of the caller leaks in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("THREADLINE_")}
    for name in ("config", "data", "cache", "state"):
        folder = root / "xdg" / name
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        env[f"XDG_{name.upper()}_HOME"] = str(folder)
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True, mode=0o700)
    env["THREADLINE_DATA_DIR"] = str(data)
    if config is not None:
        path = root / "config.toml"
        path.write_text(config, encoding="utf-8")
        path.chmod(0o600)
        env["THREADLINE_CONFIG"] = str(path)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update(extra or {})
    return env


def demo_config(speed: float) -> str:
    """A config with one embedded demo profile streaming ``speed`` tokens/s (0: at once)."""
    return (
        'default_profile = "bench"\n'
        "[profiles.bench]\n"
        'backend = "local"\n'
        'engine = "demo"\n'
        f"demo_speed = {speed:g}\n"
    )


_trials = 0


def trial_dir(workdir: Path, name: str) -> Path:
    """A new, empty folder under ``workdir`` for one trial."""
    global _trials
    _trials += 1
    folder = workdir / f"{_trials:04d}-{name}"
    folder.mkdir(parents=True)
    return folder
