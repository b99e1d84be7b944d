"""``threadline replay FILE [--json]``: rebuild a run's state from a captured SSE stream."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "replay",
        help="replay a captured SSE stream",
        description="Play a captured SSE stream (a Threadline capture or any `curl -N` "
        "output) in the app: the conversation and the inspector show what it builds. "
        "With --json, or when not in a terminal, print the state it ends in instead. "
        "FILE may be - for stdin.",
    )
    parser.add_argument("file", metavar="FILE", help="SSE text file, or - for stdin")
    parser.add_argument("--json", action="store_true", help="print the final state as JSON")
    parser.set_defaults(run=run)


def _read(path: str) -> bytes:
    from threadline.cli import CLIError

    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise CLIError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise CLIError(f"{path}: is a directory, expected an SSE file") from None
    except OSError as exc:
        raise CLIError(f"{path}: cannot read: {exc.strerror}") from None


def run(args: argparse.Namespace) -> int:
    import json

    from threadline.core.replay import parse_stream, replay

    source = "stdin" if args.file == "-" else args.file
    data = _read(args.file)
    if not args.json and _interactive():
        return _open_app(data, source)
    state = replay(parse_stream(data, source))
    if args.json:
        json.dump(state.to_json(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    from threadline.core.summary import summarize

    sys.stdout.write(summarize(state))
    return 0


def _interactive() -> bool:
    """The app needs a terminal for both keys and screen (stdin may be the capture)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def _open_app(data: bytes, source: str) -> int:
    from threadline.config import load_config
    from threadline.core.replay import Replay

    # Both read (and fail, in one line) before the screen is taken.
    player = Replay.from_bytes(data, source)
    config = load_config()
    from threadline.tui.screens.replay_app import ReplayApp

    app = ReplayApp(config, player, source)
    app.run()
    return app.return_code or 0
