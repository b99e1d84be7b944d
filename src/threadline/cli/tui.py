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
    from threadline.core.app_state import LAST_PROFILE, THEME, read_startup_state, remembered
    from threadline.core.store import STORE_FILE
    from threadline.locations import data_dir

    config = load_config()
    # The last profile and theme picked in the app, unless the config changed since.
    state = read_startup_state(data_dir() / STORE_FILE)
    name = args.profile
    if name is None:
        last = remembered(state, LAST_PROFILE, config.default_profile)
        name = last if last in config.profiles else None
    profile = config.profile(name)  # an unknown --profile fails here, in one line
    theme = remembered(state, THEME, config.theme) or config.theme
    notices = list(config.warnings)
    if config.source is None and profile.backend == "local" and profile.engine == "demo":
        notices.insert(0, DEMO_NOTICE)

    from threadline.cli.backend import open_backend
    from threadline.core.session import Session
    from threadline.core.store import ClientStore
    from threadline.locations import ensure_private_dir
    from threadline.tui.app import create_app
    from threadline.tui.keymap import check_keys
    from threadline.tui.themes import DEFAULT_THEME

    check_keys(config)  # a bad [keys] entry is a one-line error before the screen is taken
    theme = theme or DEFAULT_THEME

    async def open_session(profile_name: str | None) -> Session:
        folder = ensure_private_dir(data_dir())
        store = await ClientStore.open(folder / STORE_FILE)
        return Session(config, profile_name, store, open_backend)

    app = create_app(config, open_session, profile=name, theme=theme, notices=notices)
    app.run()
    return app.return_code or 0
