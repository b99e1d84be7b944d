"""The main screen's side of faults: retry waits, failed sends, a backend that went away.

A mixin of :class:`~threadline.tui.screens.main.MainScreen`:

- a request waiting to retry (:class:`~threadline.tui.retry_wait.RetryWaiting`) is shown
  in the status bar with its countdown, and the cancel key ends the wait (the request
  fails; nothing was in flight, so nothing is lost or sent twice);
- a send or a tool-output submit that failed says so in the status bar, one line naming
  what failed, until the next one is accepted; the text stays in the composer and the
  outputs in their cards, so the next try needs no retyping;
- a send while the backend is not connected (it was away when the app started, or at the
  last try) connects first, then sends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from textual import work
from textual.screen import Screen

from ..errors import describe
from ..keymap import effective_keys
from ..keys import display_key
from ..retry_wait import RetryWaiting, Wait

if TYPE_CHECKING:
    from threadline.core.driver import Conversation
    from threadline.core.session import Session

    from ..widgets.composer import Composer
    from ..widgets.status_bar import StatusBar


class MainFaults:
    """Mixin for the main screen (see the module docstring)."""

    # Provided by MainScreen.
    session: Session | None
    conversation: Conversation | None

    if TYPE_CHECKING:

        @property
        def composer(self) -> Composer: ...
        @property
        def status(self) -> StatusBar: ...

        async def connect_session(self) -> None: ...

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._waits: list[Wait] = []

    @property
    def _screen(self) -> Screen[None]:
        return cast("Screen[None]", self)

    # --- waits before a retry ---------------------------------------------------------

    def on_retry_waiting(self, message: RetryWaiting) -> None:
        message.stop()
        self._waits.append(message.wait)
        self.show_waits()

    def show_waits(self) -> None:
        """The first wait under way in the status bar (called twice a second)."""
        self._waits = [wait for wait in self._waits if not wait.over]
        if not self._waits:
            self.status.waiting = ""
            return
        overrides: dict[str, str] = getattr(self._screen.app, "key_overrides", {})
        key = display_key(effective_keys(overrides)["cancel_run"]).split(" / ")[0]
        self.status.waiting = f"{self._waits[0].describe()} · {key} stops"

    @property
    def waiting(self) -> bool:
        return any(not wait.over for wait in self._waits)

    def cancel_waits(self) -> bool:
        """End every wait under way; False when there was none."""
        waits = [wait for wait in self._waits if not wait.over]
        for wait in waits:
            wait.cancel()
        self.show_waits()
        return bool(waits)

    # --- failures ---------------------------------------------------------------------

    def report_failure(self, what: str, error: BaseException) -> None:
        """``what`` failed: one line in the status bar until the next send is accepted."""
        self.status.failure = f"{what}: {describe(error).message}"

    def clear_failure(self) -> None:
        self.status.failure = ""

    # --- sending while not connected --------------------------------------------------

    @work(exclusive=True, group="connect", name="connect and send", exit_on_error=False)
    async def connect_and_send(self, text: str) -> None:
        """Connect (the backend was away), then send ``text`` the usual way."""
        from ..widgets.composer import Composer

        try:
            await self.connect_session()
        except Exception as error:
            self.composer.send_failed()
            self._screen.notify(
                f"Not sent: {describe(error).message}", severity="warning", markup=False
            )
            return
        if self.conversation is None:  # the profile changed meanwhile
            self.composer.send_failed()
            return
        self._screen.post_message(Composer.SendMessage(self.composer, text))
