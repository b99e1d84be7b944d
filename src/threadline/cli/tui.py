"""``threadline`` with no command: the full-screen app (built by the TUI issue)."""

from __future__ import annotations

import argparse


def run(args: argparse.Namespace) -> int:
    from threadline.cli import CLIError

    raise CLIError("the full-screen app is not built yet; try `threadline replay FILE`")
