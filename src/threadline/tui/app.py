"""The Threadline app: wiring only. Screens and widgets do the work.

``create_app(config, session_factory, ...)`` builds it; tests pass a factory that returns
a fake session. Nothing touches the network or the disk before the first frame: the session
is opened in a worker once the main screen is up, and the backend is connected after that.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from textual.app import App
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from .clock import Clock
from .commands import ThreadlineCommands
from .errors import describe
from .keys import bindings
from .messages import SessionOpened, WorkFailed
from .screens.help import HelpScreen
from .screens.main import MainScreen

if TYPE_CHECKING:
    from threadline.config import Config
    from threadline.core.session import Session

DEFAULT_THEME = "textual-dark"
SessionFactory = Callable[[str | None], Awaitable["Session"]]


class ThreadlineApp(App[None]):
    TITLE = "Threadline"
    BINDINGS = bindings("app")
    COMMANDS = App.COMMANDS | {ThreadlineCommands}

    def __init__(
        self,
        config: Config,
        session_factory: SessionFactory,
        *,
        profile: str | None = None,
        clock: Clock | None = None,
        theme: str | None = None,
        cursor_blink: bool = True,
        notices: list[str] | None = None,
    ) -> None:
        super().__init__()
        self._notices = notices or []
        self.config = config
        self._session_factory = session_factory
        self._profile = profile
        self.clock = clock or Clock()
        self._theme_name = theme or DEFAULT_THEME
        self._cursor_blink = cursor_blink
        self.session: Session | None = None
        self.key_overrides: dict[str, str] = {}  # binding id -> key, shown by the help screen

    @property
    def cursor_blink(self) -> bool:
        """Whether text cursors blink (off for tests and snapshots)."""
        return self._cursor_blink

    @property
    def main(self) -> MainScreen:
        return self.get_screen("main")  # type: ignore[return-value]

    def on_mount(self) -> None:
        if self._theme_name in self.available_themes:
            self.theme = self._theme_name
        else:
            self.notify(
                f"No theme named {self._theme_name!r}; using textual-dark.",
                severity="warning",
                markup=False,
            )
        self.install_screen(self.first_screen(), "main")
        self.push_screen("main")
        # The store and the backend open after the first frame is on screen.
        self.call_after_refresh(self.open_session)

    def first_screen(self) -> Screen[None]:
        """The screen the app opens on (replay mode opens on its replay instead)."""
        return MainScreen(self.clock, cursor_blink=self._cursor_blink, notices=self._notices)

    def open_session(self) -> None:
        self.run_worker(
            self._open_session(),
            name="open session",
            group="session",
            exclusive=True,
            exit_on_error=False,
        )

    async def _open_session(self) -> None:
        session = await self._session_factory(self._profile)
        self.session = session
        for warning in session.store.warnings:
            self.notify(warning, title="Local store", severity="warning", markup=False)
        self.main.post_message(SessionOpened(session))

    # --- failures: one place decides what the user reads ------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            self._report(event.worker.error)

    def on_work_failed(self, message: WorkFailed) -> None:
        self._report(message.error)

    def _report(self, error: BaseException) -> None:
        problem = describe(error)
        self.notify(problem.message, title=problem.title, severity=problem.severity, markup=False)  # type: ignore[arg-type]

    # --- actions ----------------------------------------------------------------------

    def action_show_help(self) -> None:
        self.push_screen(HelpScreen(self.key_overrides))

    async def action_quit(self) -> None:
        try:
            await self.main.composer.flush_draft()
        finally:
            self.exit()

    async def on_unmount(self) -> None:
        # The app owns the session the factory gave it, and the session's store.
        if self.session is not None:
            try:
                await self.session.aclose()
            finally:
                await self.session.store.close()


def create_app(
    config: Config,
    session_factory: SessionFactory,
    *,
    profile: str | None = None,
    clock: Clock | None = None,
    theme: str | None = None,
    cursor_blink: bool = True,
    notices: list[str] | None = None,
) -> ThreadlineApp:
    """Build the app. ``session_factory(profile)`` opens the profile's session (in a worker).

    ``notices`` are one-line messages shown above the conversation (the local demo notice,
    config warnings); ``clock`` and ``cursor_blink`` make tests and snapshots deterministic.
    """
    return ThreadlineApp(
        config,
        session_factory,
        profile=profile,
        clock=clock,
        theme=theme or config.theme,
        cursor_blink=cursor_blink,
        notices=notices,
    )
