"""``python -m bench [--quick] [--only NAME ...] [--repeat N] [--json PATH]``."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from .figures import FIGURES
from .model import Options
from .report import table, to_json, write_json
from .runner import run_figures

ROOT = Path(__file__).resolve().parent
DEFAULT_JSON = ROOT / "results" / "latest.json"


def parse_args(argv: list[str]) -> argparse.Namespace:
    names = ", ".join(f"{f.id}/{f.slug}" for f in FIGURES)
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Threadline's benchmark suite: every figure of issue 9 next to its stock "
        "baseline, measured interleaved in this one invocation.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes and 1 repeat: the smoke mode"
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help=f"run only this figure (repeatable; by id or name: {names})",
    )
    parser.add_argument(
        "--repeat", type=int, help="trials per side and case (default: 3, --quick: 1)"
    )
    parser.add_argument(
        "--budget",
        type=float,
        help="seconds one TUI trial may stream before it stops and reports a partial "
        "value (default: 60, --quick: 20)",
    )
    parser.add_argument(
        "--json", type=Path, default=DEFAULT_JSON, help="where to write the table as JSON"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="print tracebacks")
    args = parser.parse_args(argv)
    if args.repeat is not None and args.repeat < 1:
        parser.error("--repeat must be 1 or more")
    if args.only:
        unknown = [n for n in args.only if not any(f.matches(n) for f in FIGURES)]
        if unknown:
            parser.error(f"no figure named {', '.join(unknown)} (figures: {names})")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    figures = [f for f in FIGURES if not args.only or any(f.matches(n) for n in args.only)]
    started, clock = time.time(), time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="threadline-bench-") as workdir:
        options = Options(
            quick=args.quick,
            repeat=args.repeat or (1 if args.quick else 3),
            budget=args.budget or (20.0 if args.quick else 60.0),
            workdir=Path(workdir),
            verbose=args.verbose,
        )
        rows = run_figures(figures, options)
    took = time.perf_counter() - clock
    print(table(rows))
    write_json(args.json, to_json(rows, argv, started, took))
    print(f"\n{len(rows)} rows in {took:.0f} s; JSON in {args.json}", file=sys.stderr)
    failed = [r for r in rows if r.threadline.error or (r.baseline and r.baseline.error)]
    return 1 if failed else 0
