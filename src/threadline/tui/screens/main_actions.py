"""The main screen's profile, assistant, run options, copy, export and search actions.

A mixin of :class:`~threadline.tui.screens.main.MainScreen`, kept apart so the screen file
stays about panes and runs. It uses the screen's session, thread, conversation and widgets,
and adds the hooks the screen calls: :meth:`detach_session` (a profile switch),
:meth:`show_thread_settings` (a thread opened or connected), :meth:`live_conversations`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual import work
from textual.screen import Screen

from threadline.core.export_file import save_export
from threadline.core.sanitize import clean_line
from threadline.locations import display_path

from ..keymap import effective_keys
from ..keys import display_key
from ..messages import RunUpdated

if TYPE_CHECKING:
    from threadline.core.driver import Conversation
    from threadline.core.run_options import RunOptions
    from threadline.core.session import Session

    from ..app import ThreadlineApp
    from ..live import LiveFeed
    from ..widgets.composer import Composer
    from ..widgets.inspector import InspectorPane
    from ..widgets.message_list import MessageList
    from ..widgets.status_bar import StatusBar
    from ..widgets.thread_list import ThreadList
    from .main_inspector import InspectorSlot


def options_summary(options: RunOptions) -> str:
    """``"temperature 0.2, json_object"``: what a thread's runs override, short."""
    from .run_options import LABELS  # (the dialogs load when first used, not with the screen)

    parts: list[str] = []
    for field, value in options.to_body().items():
        if field == "metadata":
            parts.append(f"{len(value)} metadata")
        elif field == "truncation_strategy":
            parts.append(f"last {value['last_messages']} messages")
        elif field == "response_format":
            parts.append(value if isinstance(value, str) else value["type"])
        elif field == "tool_choice":
            name = value if isinstance(value, str) else value["function"]["name"]
            parts.append(f"tools {name}")
        elif field in {"instructions", "additional_instructions"}:
            parts.append(LABELS[field].lower())
        else:
            parts.append(f"{field.replace('_', ' ')} {value}")
    return clean_line(", ".join(parts))


class MainActions:
    """Mixin for the main screen (see the module docstring)."""

    # Provided by MainScreen.
    session: Session | None
    thread_id: str | None
    conversation: Conversation | None
    _feeds: dict[int, LiveFeed]
    _sending: dict[int, tuple[str, str]]

    if TYPE_CHECKING:

        @property
        def threads(self) -> ThreadList: ...
        @property
        def messages(self) -> MessageList: ...
        @property
        def composer(self) -> Composer: ...
        @property
        def inspector(self) -> InspectorPane | InspectorSlot: ...
        @property
        def status(self) -> StatusBar: ...

        async def _open(self, thread_id: str | None) -> None: ...
        def _show_problem(self, problem: str) -> None: ...

    @property
    def _screen(self) -> Screen[None]:
        return cast("Screen[None]", self)

    @property
    def _app(self) -> ThreadlineApp:
        return cast("ThreadlineApp", self._screen.app)

    # --- hooks ------------------------------------------------------------------------

    # Handlers by naming convention: Textual calls the one of every class in the MRO, so
    # these run besides the screen's own on_mount / on_run_updated (which shadow them for
    # plain attribute lookup only). @on handlers of a plain mixin would never be registered.

    def on_mount(self) -> None:
        # The status bar's key hints, as remapped by [keys].
        keys = effective_keys(self._app.key_overrides)
        first = {name: display_key(keys[name]).split(" / ")[0] for name in keys}
        self.status.hints = f"{first['help']} help  {first['command_palette']} commands"

    def live_conversations(self) -> list[Conversation]:
        """Every conversation this screen follows (the session's that ran or may run)."""
        return [feed.conversation for feed in self._feeds.values()]

    def detach_session(self) -> None:
        """Let go of the session (a profile switch): stop following its conversations and
        clear what showed it; the next ``SessionOpened`` fills the screen again."""
        workers = self._app.workers
        workers.cancel_group(self._screen, "connect")
        for feed in self._feeds.values():
            feed.close()
        self._feeds.clear()
        self._sending.clear()
        self.session = None
        self.thread_id, self.conversation = None, None
        self.composer.conversation = None
        self.messages.online = False
        self.messages.conversation = None
        self.messages.selected_id = None
        self.inspector.show_conversation(None)
        self.threads.filter_input.value = ""
        self._show_problem("")
        status = self.status
        status.backend, status.assistant, status.model, status.run = "opening…", "", "", ""
        status.options, status.demo = "", False

    def show_thread_settings(self) -> None:
        """The status bar shows the assistant and run options the thread's next run uses."""
        session = self.session
        if session is None or not session.connected:
            return
        choice = session.assistant_for(self.thread_id)
        options = session.thread_settings(self.thread_id).options
        if choice is not None:
            self.status.assistant = choice.label
            self.status.model = options.model or choice.model
            self.messages.author = choice.label
        self.status.options = options_summary(options)

    async def on_run_updated(self, event: RunUpdated) -> None:
        # A new thread keeps the settings it was created with, under its new id.
        if event.update.kind == "accepted" and self.session is not None:
            await self.session.adopt_thread_settings(event.conversation)

    # --- profiles ---------------------------------------------------------------------

    def action_switch_profile(self) -> None:
        self._pick_profile()

    @work(exclusive=True, group="dialogs", name="pick profile", exit_on_error=False)
    async def _pick_profile(self) -> None:
        from .profiles import ProfilePicker

        app = self._app
        session = self.session
        current = session.profile_name if session is not None else None
        error = session.connect_error if session is not None else None
        name = await app.push_screen_wait(
            ProfilePicker(app.config, current, str(error) if error else "")
        )
        if name is not None and name != current:
            app.switch_profile(name)

    # --- assistant and run options ----------------------------------------------------

    def _connected(self) -> tuple[Session, Conversation] | None:
        if self.session is None or self.conversation is None:
            problem = self.status.problem or "the backend is not connected yet"
            self._screen.notify(f"Not available: {problem}", severity="warning", markup=False)
            return None
        return self.session, self.conversation

    def action_choose_assistant(self) -> None:
        self._choose_assistant()

    @work(exclusive=True, group="dialogs", name="choose assistant", exit_on_error=False)
    async def _choose_assistant(self) -> None:
        # (The picker and the settings use the api models: loaded here, not with the screen.)
        from threadline.core.thread_settings import AssistantChoice

        from .assistants import AssistantPicker

        connected = self._connected()
        if connected is None:
            return
        session, conversation = connected
        thread_id = self.thread_id
        current = session.assistant_for(thread_id)
        default = AssistantChoice.of(session.assistant) if session.assistant else None
        picked = await self._app.push_screen_wait(
            AssistantPicker(
                session.assistants, current=current.id if current else None, default=default
            )
        )
        if picked is None or conversation is not self.conversation:
            return
        settings = session.thread_settings(thread_id)
        await session.set_thread_settings(
            conversation, settings.model_copy(update={"assistant": picked.choice})
        )
        self.show_thread_settings()

    def action_run_options(self) -> None:
        self._edit_run_options()

    @work(exclusive=True, group="dialogs", name="run options", exit_on_error=False)
    async def _edit_run_options(self) -> None:
        from .run_options import RunOptionsPanel

        connected = self._connected()
        if connected is None:
            return
        session, conversation = connected
        thread_id = self.thread_id
        settings = session.thread_settings(thread_id)
        choice = session.assistant_for(thread_id)
        options = await self._app.push_screen_wait(
            RunOptionsPanel(
                settings.options,
                assistant=choice.label if choice else "",
                functions=choice.functions if choice else (),
            )
        )
        if options is None or conversation is not self.conversation:
            return
        await session.set_thread_settings(
            conversation, settings.model_copy(update={"options": options})
        )
        summary = options_summary(options)
        self._screen.notify(
            f"This thread's next runs use: {summary}" if summary else "Run options reset",
            title="Run options",
            markup=False,
        )
        self.show_thread_settings()

    # --- messages: select and copy ----------------------------------------------------

    def action_focus_messages(self) -> None:
        self.messages.focus()

    def action_copy_message(self) -> None:
        self.messages.action_copy_message()

    def action_copy_code_block(self) -> None:
        self.messages.action_copy_code_block()

    def action_view_message(self) -> None:
        self.messages.action_view_message()

    def action_copy_tool_arguments(self) -> None:
        self.messages.action_copy_tool_arguments()

    async def jump_to_message(self, thread_id: str, message_id: str | None) -> None:
        """Open a thread (a search result) and select one of its messages."""
        self.messages.pending_select = message_id
        if thread_id != self.thread_id:
            await self._open(thread_id)
        else:
            self.messages.reveal_pending()
        if message_id is not None:
            self.messages.focus()

    # --- export -----------------------------------------------------------------------

    def action_export_thread(self, fmt: str) -> None:
        self._export_thread(fmt)

    @work(exclusive=True, group="export", name="export thread", exit_on_error=False)
    async def _export_thread(self, fmt: str) -> None:
        from threadline.core.export import to_json, to_markdown

        session, thread_id = self.session, self.thread_id
        if session is None or thread_id is None:
            self._screen.notify("Open a thread to export it.", severity="warning")
            return
        export = await session.export_thread(thread_id)
        text = to_json(export) if fmt == "json" else to_markdown(export)
        text = session.redact(text)  # a server may echo the key into what it stores
        path = save_export(text, export.title, thread_id, "json" if fmt == "json" else "md")
        self._screen.notify(
            f"Exported to {display_path(path)}", title="Export", markup=False, timeout=10
        )
