"""``threadline replay FILE [--json]``: rebuild a run's state from a captured SSE stream."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "replay",
        help="replay a captured SSE stream",
        description="Rebuild the state a captured SSE stream describes (a Threadline "
        "capture or any `curl -N` output). FILE may be - for stdin.",
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
    state = replay(parse_stream(_read(args.file), source))
    if args.json:
        json.dump(state.to_json(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    from threadline.core.summary import summarize

    sys.stdout.write(summarize(state))
    return 0
