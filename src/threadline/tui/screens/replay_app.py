"""The app in replay mode (``threadline replay FILE``): the Threadline app, opening on a
:class:`~threadline.tui.screens.replay.ReplayScreen` instead of the main screen, with no
session (nothing is sent, nothing is read from a server)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.screen import Screen

from ..app import ThreadlineApp
from ..clock import Clock
from .replay import ReplayScreen

if TYPE_CHECKING:
    from threadline.config import Config
    from threadline.core.replay import Replay
    from threadline.core.session import Session


class ReplayApp(ThreadlineApp):
    TITLE = "Threadline replay"

    def __init__(
        self,
        config: Config,
        replay: Replay,
        source: str,
        *,
        clock: Clock | None = None,
        theme: str | None = None,
        cursor_blink: bool = True,
    ) -> None:
        super().__init__(
            config,
            _no_session,
            clock=clock,
            theme=theme or config.theme,
            cursor_blink=cursor_blink,
        )
        self.replay = replay
        self.source = source

    def first_screen(self) -> Screen[None]:
        return ReplayScreen(self.replay, self.source, self.clock)

    def open_session(self) -> None:
        pass  # a replay reads only its file

    async def action_quit(self) -> None:
        self.exit()


async def _no_session(profile: str | None) -> Session:
    raise RuntimeError("replay mode opens no session")
