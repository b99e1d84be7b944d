"""The ``threadline`` command: the TUI, and ``serve``, ``send``, ``replay``, ``config``, ...

Each subcommand lives in its own module here with two functions: ``register(subparsers)``
adds its parser, and ``run(args) -> int`` does the work. Modules import only argparse at
the top and everything heavy inside ``run``, so ``threadline --help`` and the TUI's start
do not pay for the server or the SDK.

Exit codes (stable, documented in the README): 0 success; 2 usage or config error; 3 the
run ended without completing; 4 network or API error after retries.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from threadline.errors import UserError

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_RUN_INCOMPLETE = 3
EXIT_API_ERROR = 4

# Subcommand modules, in the order --help lists them.
_COMMANDS = ("send", "serve", "replay", "config", "export")


class CLIError(UserError):
    """A one-line error for the user; ``exit_code`` says which kind."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def fail(message: str) -> int:
    """Print a one-line error to stderr and return the usage exit code."""
    print(f"threadline: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="threadline",
        description="A terminal client for Assistants API runs.",
    )
    parser.add_argument("--profile", metavar="NAME", help="the config profile to use")
    parser.add_argument("--version", action="version", version=_version())
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in _COMMANDS:
        try:
            module = importlib.import_module(f"threadline.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"threadline.cli.{name}":
                raise
            continue  # not built yet
        module.register(subparsers)
    return parser


def _version() -> str:
    from threadline import __version__

    return f"threadline {__version__}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            from threadline.cli import tui

            return int(tui.run(args))
        return int(args.run(args))  # each command's run() returns its exit code
    except UserError as exc:
        print(f"threadline: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


def entry() -> None:
    sys.exit(main())
