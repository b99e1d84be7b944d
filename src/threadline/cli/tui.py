"""``threadline [--profile NAME]``: the full-screen app.

The config is read before the screen is taken. A broken one does not stop the app: it
starts on what still makes sense and says what is wrong (see :mod:`.tui_config`); an
unknown ``--profile`` in a good config is a one-line error and exit 2. The client store
and the backend are opened inside the app, in workers, after the first frame. With no
config file the app runs the embedded demo profile and says so in one line.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from threadline.cli.backend import ClientBackend
    from threadline.config import Profile
    from threadline.core.session import Session
    from threadline.tui.app import ThreadlineApp

DEMO_NOTICE = "Local demo: offline, scripted replies. Real backend: threadline config init"


def run(args: argparse.Namespace) -> int:
    app = build_app(args)
    app.run()
    return app.return_code or 0


def build_app(args: argparse.Namespace) -> ThreadlineApp:
    """The app ``threadline`` runs, as built for these arguments (tests run it headless)."""
    from threadline.cli.tui_config import load_for_tui
    from threadline.core.app_state import LAST_PROFILE, THEME, read_startup_state, remembered
    from threadline.core.store import STORE_FILE
    from threadline.locations import data_dir

    config, name, problems = load_for_tui(args.profile)
    # The last profile and theme picked in the app, unless the config changed since.
    state = read_startup_state(data_dir() / STORE_FILE)
    if name is None:
        last = remembered(state, LAST_PROFILE, config.default_profile)
        name = last if last in config.profiles else None
    profile = config.profile(name)  # an unknown --profile fails here, in one line
    theme = remembered(state, THEME, config.theme) or config.theme
    notices = [*problems, *config.warnings]
    demo = profile.backend == "local" and profile.engine == "demo"
    if demo and config.source is None and not problems:
        notices.insert(0, DEMO_NOTICE)

    from threadline.tui.app import create_app
    from threadline.tui.retry_wait import RetryWaits
    from threadline.tui.themes import DEFAULT_THEME

    theme = theme or DEFAULT_THEME
    # The remote client's waits before a retry are shown, and the cancel key ends them.
    waits = RetryWaits()

    # The backend (httpx, the server), the session and the store are imported in these
    # functions: the app calls them in a worker, after its first frame.
    async def backend(profile: Profile) -> ClientBackend:
        from threadline.cli.backend import open_backend

        opened = await open_backend(profile, on_retry=waits.on_retry, sleep=waits.sleep)
        for warning in opened.warnings:  # a damaged embedded store, moved aside
            app.notify(warning, title="Server store", severity="warning", markup=False)
        return opened

    async def open_session(profile_name: str | None) -> Session:
        from threadline.core.session import Session
        from threadline.core.store import ClientStore
        from threadline.locations import ensure_private_dir

        folder = ensure_private_dir(data_dir())
        store = await ClientStore.open(folder / STORE_FILE)
        return Session(config, profile_name, store, backend)

    app = create_app(config, open_session, profile=name, theme=theme, notices=notices)
    return app
