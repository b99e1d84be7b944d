#!/usr/bin/env python3
"""Bootstrap a local virtualenv and run Threadline's jobs with nothing but Python 3.11+ and pip.

    python3 scripts/dev.py run [ARGS...]    install, then start `threadline ARGS...` (the app)
    python3 scripts/dev.py test [PYTEST...] install with test extras, then lint, type-check, test
    python3 scripts/dev.py bench [ARGS...]  install with test extras, then run the benchmark suite

The virtualenv lives in `.venv` (override with THREADLINE_VENV). It is rebuilt only when
`pyproject.toml` or `constraints.txt` change, so repeated runs start at once.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("THREADLINE_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"


def _say(text: str) -> None:
    print(f"dev: {text}", file=sys.stderr, flush=True)


def _run(*cmd: str | Path, check: bool = True) -> int:
    result = subprocess.run([str(c) for c in cmd], cwd=ROOT)
    if check and result.returncode != 0:
        sys.exit(result.returncode)
    return result.returncode


def _create_venv() -> None:
    if PY.exists():
        return
    _say(f"creating virtualenv in {VENV}")
    if subprocess.run([sys.executable, "-m", "venv", str(VENV)]).returncode == 0 and PY.exists():
        return
    # Debian/Ubuntu without python3-venv: no ensurepip. Make a bare venv and let the
    # system pip install into it (pip >= 22.3 understands --python).
    _say("venv without ensurepip; falling back to the system pip")
    _run(sys.executable, "-m", "venv", "--without-pip", "--clear", VENV)
    _run(sys.executable, "-m", "pip", "--python", PY, "install", "-q", "pip")


def _install(extras: str) -> None:
    _create_venv()
    constraints = ROOT / "constraints.txt"
    stamp_src = (ROOT / "pyproject.toml").read_bytes() + constraints.read_bytes() + extras.encode()
    stamp = hashlib.sha256(stamp_src).hexdigest()
    stamp_file = VENV / ".threadline-installed"
    if stamp_file.exists() and stamp_file.read_text() == stamp:
        return
    target = f".[{extras}]" if extras else "."
    _say(f"installing {target} (this happens once)")
    _run(
        PY,
        "-m",
        "pip",
        "install",
        "-q",
        "--disable-pip-version-check",
        "-c",
        constraints,
        "-e",
        target,
    )
    stamp_file.write_text(stamp)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test", "bench"}:
        print(__doc__, file=sys.stderr)
        return 2
    job, rest = argv[0], argv[1:]
    if job == "run":
        _install("")
        return _run(BIN / "threadline", *rest, check=False)
    _install("test")
    if job == "bench":
        return _run(PY, "-m", "bench", *rest, check=False)
    _run(BIN / "ruff", "format", "--check", "src", "tests", "bench", "scripts")
    _run(BIN / "ruff", "check", "src", "tests", "bench", "scripts")
    _run(BIN / "mypy")
    return _run(PY, "-m", "pytest", "-n", "2", *rest, check=False)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
