"""The parent side of the TUI figures: one trial = one fresh child process under a pty.

A fresh process per trial keeps the sides apart (no warm caches, no leftover widgets, RSS
that means something) and runs the real start-up path every time.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bench.inputs.seed import seed
from bench.inputs.thread import thread_titles
from bench.inputs.tokens import tokens
from bench.model import Pending
from bench.support.env import demo_config, isolated_env, threadline_script
from bench.support.pty_run import F12, Keys, PtyResult, run_in_pty
from bench.tui.spec import SIZE, StreamResult, StreamSpec

# Time a child may take beyond its streaming budget: start-up, and for the baseline
# mounting the earlier messages (about 37 s for 1,000 Markdown widgets on this machine).
STARTUP_ALLOWANCE = 60.0
PER_EARLIER_MESSAGE = 0.1


def require_tui() -> None:
    """Raise :class:`Pending` unless Threadline's TUI is importable."""
    if importlib.util.find_spec("threadline.tui") is None:
        raise Pending("TUI not built")
    try:
        importlib.util.find_spec("threadline.tui.app")
    except ModuleNotFoundError:
        raise Pending("TUI not built") from None


@dataclass(frozen=True)
class StreamOutcome:
    result: StreamResult
    lags_ms: list[float]  # keypress typed -> the app starts handling it
    total_bytes: int  # everything the child wrote to the terminal


def _failure(side: str, pty: PtyResult) -> RuntimeError:
    tail = pty.tail.replace("\x1b", "^[")[-600:]
    why = "timed out" if pty.timed_out else f"exited {pty.returncode}"
    return RuntimeError(f"{side} child {why} without a result; last output: {tail!r}")


def _lags(pty: PtyResult) -> list[float]:
    return [(ack - sent) * 1000 for sent, ack in zip(pty.keys_sent, pty.acks(), strict=False)]


def stream_trial(
    side: str,
    spec: StreamSpec,
    root: Path,
    *,
    keys: Keys | None = None,
    colorterm: str = "truecolor",
) -> StreamOutcome:
    """Run one streaming trial of ``side`` ("threadline" or "baseline") in folder ``root``.

    With ``spec.earlier`` messages, the Threadline side gets a seeded thread of that many
    messages (the one it opens at start) and waits to show its last before it sends; the
    stock side mounts the same messages itself."""
    root.mkdir(parents=True, exist_ok=True)
    deltas = root / "tokens.json"
    deltas.write_text(json.dumps(tokens(spec.tokens, spec.code)), encoding="utf-8")
    spec = replace(spec, tokens_file=str(deltas))
    if side == "baseline":
        argv = [sys.executable, "-m", "bench.baselines.chat", spec.dumps()]
        env = isolated_env(root)
    else:
        require_tui()
        payload: dict[str, Any] = json.loads(spec.dumps())
        if spec.earlier:
            (thread,) = seed(root / "data", [(thread_titles(1)[0], spec.earlier)])
            payload["last_message_id"] = thread.last_message_id
        argv = [sys.executable, "-m", "bench.tui.threadline_app", "stream", json.dumps(payload)]
        env = isolated_env(root, config=demo_config(spec.pace))
    env["COLORTERM"] = colorterm
    # A loop busy with one long render notices the budget late: give it the budget again.
    timeout = 2 * spec.budget + STARTUP_ALLOWANCE + spec.earlier * PER_EARLIER_MESSAGE
    pty = run_in_pty(argv, env, size=SIZE, keys=keys, timeout=timeout)
    found = pty.first("result")
    if found is None:
        raise _failure(side, pty)
    found.pop("kind")
    return StreamOutcome(StreamResult.from_dict(found), _lags(pty), pty.total_bytes)


def open_trial(
    root: Path, target: dict[str, Any], newest_text: str, oldest_text: str
) -> dict[str, Any]:
    """Figure 4's trial: the Threadline app opens ``target['thread_id']``; returns the
    child's result plus, from the terminal, ``first_screen`` (selection -> ``newest_text``
    on screen) and ``top_seconds`` (first scroll -> ``oldest_text`` on screen, or None)."""
    require_tui()
    argv = [sys.executable, "-m", "bench.tui.threadline_app", "open", json.dumps(target)]
    env = isolated_env(root, config=demo_config(0))
    timeout = float(target["budget"]) + 2 * STARTUP_ALLOWANCE
    answers = {newest_text: F12, oldest_text: F12}
    pty = run_in_pty(argv, env, size=SIZE, answers=answers, timeout=timeout)
    found, select, scroll = pty.first("result"), pty.first("select"), pty.first("scroll")
    if found is None or select is None or scroll is None:
        raise _failure("threadline", pty)
    top = pty.markers.get(oldest_text)
    return {
        **found,
        "first_screen": pty.markers[newest_text] - select["at"],
        # 0: the first message was on screen before home was pressed (a short thread).
        "top_seconds": max(0.0, top - scroll["at"])
        if top is not None and found["top_reached"]
        else None,
    }


def startup_trial(side: str, root: Path, markers: tuple[str, ...]) -> dict[str, float]:
    """Seconds from spawning the command to each marker's first appearance on the terminal."""
    if side == "baseline":
        argv = [sys.executable, "-m", "bench.baselines.three_pane"]
        env = isolated_env(root)
    else:
        require_tui()
        argv = [str(threadline_script())]
        env = isolated_env(root, config=demo_config(0))
    pty = run_in_pty(argv, env, size=SIZE, markers=markers, stop_when=markers, timeout=60.0)
    missing = [m for m in markers if m not in pty.markers]
    if missing:
        raise RuntimeError(f"{side}: {missing} never appeared; last output: {pty.tail[-300:]!r}")
    return {m: pty.markers[m] - pty.started for m in markers}
