"""``threadline send TEXT``: one run without the TUI; the reply streams to stdout.

Exit codes: 0 completed; 2 usage or config error; 3 the run ended without completing
(failed, cancelled, expired, incomplete, or needs tool output nobody gave); 4 network or
API error after retries.
"""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "send",
        help="send one message and print the streamed reply",
        description="Send TEXT in a new thread (or --thread) and stream the reply to stdout.",
    )
    parser.add_argument("text", metavar="TEXT", help="the message to send")
    parser.add_argument("--profile", dest="send_profile", metavar="NAME", help="config profile")
    parser.add_argument("--thread", metavar="ID", help="continue this thread")
    parser.add_argument("--assistant", metavar="ID", help="run this assistant")
    parser.add_argument(
        "--tool-output",
        metavar="NAME=VALUE",
        action="append",
        default=[],
        help="answer every call of function NAME with VALUE (repeatable)",
    )
    parser.add_argument("--json", action="store_true", help="print the final state as JSON")
    parser.set_defaults(run=run)


def parse_tool_outputs(pairs: list[str]) -> dict[str, str]:
    from threadline.cli import CLIError

    outputs: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise CLIError(f"--tool-output {pair!r}: expected NAME=VALUE")
        if not value.strip():
            raise CLIError(
                f"--tool-output {pair!r}: the VALUE is empty; a tool output cannot be blank"
            )
        outputs[name] = value
    return outputs


def run(args: argparse.Namespace) -> int:
    import asyncio

    from threadline.cli.send_run import send

    profile = args.send_profile or args.profile
    tool_outputs = parse_tool_outputs(args.tool_output)
    return asyncio.run(
        send(
            args.text,
            profile_name=profile,
            thread_id=args.thread,
            assistant_id=args.assistant,
            tool_outputs=tool_outputs,
            as_json=args.json,
        )
    )
