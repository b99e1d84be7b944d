"""``threadline [--profile NAME]``: the full-screen app.

The config is read (and the profile checked) before the screen is taken, so a bad file is
a one-line error and exit 2. The client store and the backend are opened inside the app,
in workers, after the first frame. With no config file the app runs the embedded demo
profile and says so in one line.
"""

from __future__ import annotations

import argparse

DEMO_NOTICE = "Local demo: offline, scripted replies. Real backend: threadline config init"


def run(args: argparse.Namespace) -> int:
    from threadline.config import load_config

    config = load_config()
    profile = config.profile(args.profile)  # an unknown --profile fails here, in one line
    notices = list(config.warnings)
    if config.source is None and profile.backend == "local" and profile.engine == "demo":
        notices.insert(0, DEMO_NOTICE)

    from threadline.cli.backend import open_backend
    from threadline.core.session import Session
    from threadline.core.store import STORE_FILE, ClientStore
    from threadline.locations import data_dir, ensure_private_dir
    from threadline.tui.app import create_app

    async def open_session(name: str | None) -> Session:
        folder = ensure_private_dir(data_dir())
        store = await ClientStore.open(folder / STORE_FILE)
        return Session(config, name, store, open_backend)

    app = create_app(config, open_session, profile=args.profile, notices=notices)
    app.run()
    return app.return_code or 0
