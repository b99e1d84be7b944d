"""The Threadline app: wiring only. Screens and widgets do the work.

``create_app(config, session_factory, ...)`` builds it; tests pass a factory that returns
a fake session. Nothing touches the network or the disk before the first frame but the
theme files (a few small TOML files, read so the first frame has the right colours): the
session is opened in a worker once the main screen is up, and the backend is connected
after that.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from textual.app import App
from textual.screen import Screen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from threadline.core.app_state import THEME, remember

from .clock import Clock
from .commands import ThreadlineCommands
from .crash import CrashWithoutLocals
from .errors import describe
from .keymap import check_keys
from .keys import bindings
from .messages import SessionOpened, WorkFailed
from .profile_switch import switch_profile
from .screens.help import HelpScreen
from .screens.main import MainScreen
from .search import ThreadSearch
from .themes import load_themes, semantic_defaults
from .thread_commands import ThreadCommands

if TYPE_CHECKING:
    from threadline.config import Config
    from threadline.core.session import Session

DEFAULT_THEME = "textual-dark"  # for apps built by tests; `threadline` starts threadline-dark
THEME_SETTLE = 0.5  # seconds a theme must stay picked before it is remembered (previews)
SessionFactory = Callable[[str | None], Awaitable["Session"]]


class ThreadlineApp(CrashWithoutLocals, App[None]):
    TITLE = "Threadline"
    BINDINGS = bindings("app")
    COMMANDS = App.COMMANDS | {ThreadlineCommands, ThreadCommands, ThreadSearch}

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
        # [keys] from the config (checked again here for apps built without the CLI).
        self.key_overrides: dict[str, str] = check_keys(config)  # binding id -> keys
        themes = load_themes()
        for theme_object in themes.themes:
            self.register_theme(theme_object)
        self._theme_problems = themes.problems
        self._theme_ready = False  # the first theme is the start's, not a choice to remember
        self.session_started = False  # the session is opened after the first frame
        self._theme_timer: Timer | None = None
        self._theme_to_remember: str | None = None

    @property
    def cursor_blink(self) -> bool:
        """Whether text cursors blink (off for tests and snapshots)."""
        return self._cursor_blink

    @property
    def main(self) -> MainScreen:
        return self.get_screen("main")  # type: ignore[return-value]

    def on_mount(self) -> None:
        self.set_keymap(self.key_overrides)
        for problem in self._theme_problems:  # once per start; the theme is skipped
            self.notify(problem, title="Theme file skipped", severity="warning", markup=False)
        if self._theme_name in self.available_themes:
            self.theme = self._theme_name
        else:
            self.notify(
                f"No theme named {self._theme_name!r}; using textual-dark.",
                severity="warning",
                markup=False,
            )
        self._theme_ready = True
        self.install_screen(self.first_screen(), "main")
        self.push_screen("main")

    def on_ready(self) -> None:
        # Textual posts Ready at its first layout; the app handles it once it is running,
        # and the next refresh is the first frame that reaches the terminal. Then the
        # store, the thread, the inspector pane, the backend (and what they import).
        self.call_after_refresh(self._after_first_frame)

    def _after_first_frame(self) -> None:
        self.session_started = True
        self.open_session()

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
        await self.open_profile(self._profile)

    async def open_profile(self, name: str | None) -> Session:
        """Open profile ``name``'s session (the app owns it) and hand it to the screen."""
        self._profile = name
        session = await self._session_factory(name)
        self.session = session
        for warning in session.store.warnings:
            self.notify(warning, title="Local store", severity="warning", markup=False)
        if self._theme_to_remember is not None:
            self._remember_theme()
        self.main.post_message(SessionOpened(session))
        return session

    def switch_profile(self, name: str) -> None:
        """Replace the session with profile ``name``'s (see :mod:`.profile_switch`)."""
        if self.session is None:
            self.notify("The current profile is still opening; try again in a moment.")
            return
        self.run_worker(
            switch_profile(self, name), name="switch profile", group="session", exit_on_error=False
        )

    # --- themes -----------------------------------------------------------------------

    def get_theme_variable_defaults(self) -> dict[str, str]:
        # Threadline's semantic colours for themes that do not set them (Textual's own).
        return semantic_defaults(self.current_theme)

    def watch_theme(self, name: str) -> None:
        if not self._theme_ready:
            return
        # The theme picker previews each theme it passes: remember the one that stays.
        self._theme_to_remember = name
        if self._theme_timer is not None:
            self._theme_timer.stop()
        self._theme_timer = self.set_timer(THEME_SETTLE, self._remember_theme)

    def _remember_theme(self) -> None:
        name, session = self._theme_to_remember, self.session
        if name is None or session is None:
            return  # remembered once a session (and its store) is open
        self._theme_to_remember = None
        self.run_worker(
            remember(session.store, THEME, name, self.config.theme),
            name="remember theme",
            exit_on_error=False,
        )

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
