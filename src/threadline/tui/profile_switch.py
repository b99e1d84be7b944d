"""Switching profiles: the old session is closed, the new one opened in its place.

What happens to a run still going in the old profile: the user is asked first, then it is
cancelled on its server (a bounded wait) before the old backend closes. Leaving it running
would not help: the embedded server stops with the old session, and on a remote server the
run would go on spending tokens with nobody to read it or answer its tool calls.

The new profile is remembered in the data folder's app state (never by rewriting the
config), so the next start without ``--profile`` opens it again.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from threadline.core.app_state import LAST_PROFILE, remember
from threadline.core.sanitize import clean_line

from .screens.dialogs import Confirm

if TYPE_CHECKING:
    from threadline.core.driver import Conversation

    from .app import ThreadlineApp

CANCEL_WAIT = 5.0  # seconds a cancel may take before the old backend is closed anyway


def busy_conversations(app: ThreadlineApp) -> list[Conversation]:
    """Conversations of the current session with a run streaming or waiting for tool output."""
    return [
        conversation
        for conversation in app.main.live_conversations()
        if conversation.active or conversation.pending_tool_calls
    ]


async def switch_profile(app: ThreadlineApp, name: str) -> bool:
    """Replace the session with profile ``name``'s; False if the user kept the old one.

    Runs in a worker (it may ask in a dialog).
    """
    old = app.session
    busy = busy_conversations(app)
    if busy and old is not None:
        count = f"{len(busy)} runs are" if len(busy) > 1 else "A run is"
        if not await app.push_screen_wait(
            Confirm(
                f"Switch to {clean_line(name)}?",
                f"{count} still going in {clean_line(old.profile_name)}. "
                "Switching cancels it on its server.",
                yes="Switch",
            )
        ):
            return False
    await app.main.composer.flush_draft()
    app.main.detach_session()
    app.session = None
    if old is not None:
        for conversation in busy:
            with contextlib.suppress(Exception):  # a failed cancel must not keep the old session
                await asyncio.wait_for(conversation.cancel(), CANCEL_WAIT)
        try:
            await old.aclose()
        finally:
            await old.store.close()
    session = await app.open_profile(name)
    await remember(session.store, LAST_PROFILE, session.profile_name, app.config.default_profile)
    return True
