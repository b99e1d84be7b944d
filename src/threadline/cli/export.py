"""``threadline export THREAD_ID [--format md|json] [-o FILE]``: a thread as a file."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "export",
        help="export a thread to Markdown or JSON",
        description="Write a thread's messages (and, as JSON, its runs and steps) to a file "
        "or stdout.",
    )
    parser.add_argument("thread_id", metavar="THREAD_ID", help="the thread to export")
    parser.add_argument("--format", choices=("md", "json"), default="md", help="default: md")
    parser.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    parser.add_argument("--profile", dest="export_profile", metavar="NAME", help="config profile")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from threadline.cli.export_run import export

    return asyncio.run(
        export(
            args.thread_id,
            profile_name=args.export_profile or args.profile,
            fmt=args.format,
            output=args.output,
        )
    )
