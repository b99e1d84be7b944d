"""``threadline config path|check|init``: find, validate and create the config file."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "config",
        help="show, check or create the config file",
        description="Find, validate or create Threadline's config file "
        "($THREADLINE_CONFIG, else $XDG_CONFIG_HOME/threadline/config.toml).",
    )
    actions = parser.add_subparsers(dest="config_action", metavar="ACTION", required=True)
    actions.add_parser("path", help="print the config file's path")
    actions.add_parser(
        "check",
        help="validate the config and print the effective settings, secrets masked",
        description="Validate the config file and print the effective settings as TOML "
        "(defaults filled in, secrets masked), then any warnings. Exit 2 if it is invalid.",
    )
    init = actions.add_parser(
        "init",
        help="write a commented starter config (mode 0600)",
        description="Write a commented starter config with mode 0600. An existing file is "
        "never replaced without --force.",
    )
    init.add_argument("--force", action="store_true", help="replace an existing config file")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from threadline.locations import config_path

    if args.config_action == "path":
        print(config_path())
        return 0
    if args.config_action == "init":
        return _init(args)
    return _check(args)


def _init(args: argparse.Namespace) -> int:
    from threadline.config import write_starter_config
    from threadline.locations import display_path

    written = write_starter_config(force=args.force)
    print(f"wrote a starter config to {display_path(written)}")
    return 0


def _check(args: argparse.Namespace) -> int:
    import tomli_w

    from threadline.config import key_problems, load_config, mask_secrets
    from threadline.locations import config_path, display_path
    from threadline.tui.keymap import check_keys

    config = load_config()
    if args.profile is not None:
        config.profile(args.profile)  # an unknown --profile is an error here too
    check_keys(config)  # the app starts without a bad [keys] table; the check says why
    if config.source is None:
        header = f"# {display_path(config_path())} does not exist: these are the defaults"
    else:
        header = f"# {display_path(config.source)} is valid; effective settings, secrets masked"
    sys.stdout.write(header + "\n\n" + tomli_w.dumps(mask_secrets(config)))
    sys.stdout.flush()
    for warning in (*config.warnings, *key_problems(config)):
        print(f"threadline: warning: {warning}", file=sys.stderr)
    return 0
