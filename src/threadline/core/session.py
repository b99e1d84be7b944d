"""A session: one profile's backend, threads, drafts and conversations, for the TUI.

The TUI talks to core through this object only. Everything local (the thread index,
drafts, the message cache) works before :meth:`Session.connect` succeeds, and keeps
working if it fails, so a broken profile never stops the app.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from threadline.config import Config, MissingKeyError, Profile
from threadline.errors import UserError

from .sanitize import clean_line
from .store import CapturedEvent, ClientStore, ThreadEntry

# The TUI's first frame needs this module's errors and NEW_THREAD only: the api client
# (httpx, the models), the driver and the exporter are imported where a session uses them,
# after the first frame.
if TYPE_CHECKING:
    from threadline.api import Assistant, AssistantsClient, Message, Run, RunStep

    from .driver import Conversation, PollPolicy
    from .export import ThreadExport
    from .thread_settings import AssistantChoice, ThreadSettings


def __getattr__(name: str) -> Any:
    # The driver's PollPolicy, as this module's attribute (the default a session uses,
    # replaced by tests), imported on first use like the rest of the driver.
    if name == "PollPolicy":
        from .driver import PollPolicy

        globals()[name] = PollPolicy
        return PollPolicy
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


NEW_THREAD = "new"
"""The draft key of the thread that the next first message will create."""

MAX_ASSISTANTS = 500
"""The assistant picker lists at most this many (the newest first)."""
ASSISTANTS_PAGE = 100
"""Assistants asked for per request (the API's largest page)."""


class Backend(Protocol):
    """A connected backend: the client to use, and how to describe and close it."""

    client: AssistantsClient
    label: str

    async def aclose(self) -> None: ...


BackendFactory = Callable[[Profile], Awaitable[Backend]]


class SessionError(UserError):
    """A profile cannot be used right now; the message says why in one line."""


class BackendUnavailable(SessionError):
    """The server cannot be reached."""


class AuthFailed(SessionError):
    """The server refused the credentials."""


class MissingKey(SessionError):
    """The profile has no usable API key."""


class NoAssistant(SessionError):
    """There is no assistant to run."""


class ThreadGone(SessionError):
    """The server no longer has the thread; it can be removed locally."""


class NotConnected(SessionError):
    """The action needs the server and the session is not connected."""


class Session:
    """One profile's view of the world."""

    def __init__(
        self,
        config: Config,
        profile_name: str | None,
        store: ClientStore,
        backend_factory: BackendFactory,
        *,
        poll: PollPolicy | None = None,
    ) -> None:
        policy = sys.modules[__name__].PollPolicy  # (from the driver, on first use: below)
        self.config = config
        self.profile = config.profile(profile_name)
        self.profile_name = self.profile.name
        self.store = store
        self._factory = backend_factory
        self._backend: Backend | None = None
        self.assistant: Assistant | None = None
        self.connect_error: SessionError | None = None
        self._conversations: dict[str, Conversation] = {}
        self._new: Conversation | None = None
        self._poll = poll or policy(idle_timeout=self.profile.stream_idle_timeout)
        self._settings: dict[str, ThreadSettings] | None = None  # thread id -> settings
        self._new_settings: dict[Conversation, ThreadSettings] = {}  # threads not created yet

    # --- describing -------------------------------------------------------------------

    @property
    def is_demo(self) -> bool:
        return self.profile.backend == "local" and self.profile.engine == "demo"

    @property
    def label(self) -> str:
        """How the status bar names this backend: ``local · demo``, ``work · host``."""
        if self.profile.backend == "local":
            return f"{self.profile_name} · {self.profile.engine}"
        host = str(self.profile.base_url or "").split("://", 1)[-1].split("/", 1)[0]
        return f"{self.profile_name} · {host}"

    @property
    def model(self) -> str:
        return self.assistant.model if self.assistant else ""

    @property
    def connected(self) -> bool:
        return self._backend is not None and self.assistant is not None

    @property
    def client(self) -> AssistantsClient:
        if self._backend is None:
            raise NotConnected(f"{self.label}: not connected")
        return self._backend.client

    # --- connecting -------------------------------------------------------------------

    async def connect(self) -> None:
        """Open the backend and find the assistant. Raises a :class:`SessionError`."""
        try:
            await self._connect()
        except SessionError as exc:
            self.connect_error = exc
            raise
        self.connect_error = None

    async def _connect(self) -> None:
        from threadline.api import APIConnectionError, APIError, AuthenticationError

        from .thread_settings import load_thread_settings

        if self._settings is None:
            self._settings = await load_thread_settings(self.store, self.profile_name)
        if self._backend is None:
            try:
                self._backend = await self._factory(self.profile)
            except MissingKeyError as exc:
                raise MissingKey(str(exc)) from None
        try:
            self.assistant = await self._find_assistant()
        except AuthenticationError as exc:
            reason = clean_line(exc.message)
            raise AuthFailed(
                f"{self.label}: the server refused the API key ({exc.status_code}): {reason}"
            ) from None
        except APIConnectionError as exc:
            raise BackendUnavailable(f"{self.label}: cannot reach the server: {exc}") from None
        except APIError as exc:
            raise SessionError(f"{self.label}: {clean_line(str(exc))}") from None

    async def _find_assistant(self) -> Assistant:
        from threadline.api import NotFoundError

        client = self.client
        wanted = self.profile.assistant_id
        if wanted:
            try:
                return await client.get_assistant(wanted)
            except NotFoundError:
                raise NoAssistant(
                    f"{self.label}: assistant {wanted!r} (assistant_id) does not exist"
                ) from None
        page = await client.list_assistants(limit=1, order="desc")
        if not page.data:
            raise NoAssistant(
                f"{self.label}: the server has no assistants; create one or set assistant_id"
            )
        return page.data[0]

    async def aclose(self) -> None:
        backend, self._backend = self._backend, None
        if backend is not None:
            await backend.aclose()

    # --- threads ----------------------------------------------------------------------

    async def threads(self, query: str = "") -> list[ThreadEntry]:
        return await self.store.list_threads(self.profile_name, query)

    async def rename_thread(self, thread_id: str, title: str) -> None:
        """Rename locally, then in the thread's ``metadata.title`` on the server."""
        title = clean_line(title).strip()
        await self.store.rename_thread(self.profile_name, thread_id, title)
        thread = await self.client.get_thread(thread_id)
        metadata = dict(thread.metadata or {})
        metadata["title"] = title[:512]
        await self.client.modify_thread(thread_id, metadata=metadata)

    async def delete_thread(self, thread_id: str, *, local_only: bool = False) -> None:
        """Delete on the server, then locally. :class:`ThreadGone` if the server lost it."""
        from threadline.api import NotFoundError

        from .thread_settings import save_thread_settings

        if not local_only:
            try:
                await self.client.delete_thread(thread_id)
            except NotFoundError:
                raise ThreadGone(
                    f"the server has no thread {thread_id}; remove it from this list only?"
                ) from None
        await self.store.remove_thread(self.profile_name, thread_id)
        self._conversations.pop(thread_id, None)
        if self._settings is not None and self._settings.pop(thread_id, None) is not None:
            await save_thread_settings(self.store, self.profile_name, self._settings)

    async def import_thread(self, thread_id: str) -> ThreadEntry:
        """Add an existing server thread to the index, titled from its metadata or first message."""
        from threadline.api import NotFoundError

        from .driver import title_from

        thread_id = thread_id.strip()
        try:
            thread = await self.client.get_thread(thread_id)
        except NotFoundError:
            raise SessionError(f"the server has no thread {thread_id!r}") from None
        title = (thread.metadata or {}).get("title", "")
        messages = await self.client.list_messages(thread.id, limit=30, order="desc")
        if not title:
            first_user = next((m for m in reversed(messages.data) if m.role == "user"), None)
            title = title_from(first_user.text) if first_user else thread.id
        last = max((m.created_at for m in messages.data), default=thread.created_at)
        entry = ThreadEntry(
            self.profile_name, thread.id, clean_line(title), float(thread.created_at), float(last)
        )
        await self.store.upsert_thread(entry)
        await self.store.cache_messages(self.profile_name, thread.id, reversed(messages.data))
        return entry

    # --- messages ---------------------------------------------------------------------

    async def cached_messages(
        self, thread_id: str, limit: int = 50, before: str | None = None
    ) -> list[Message]:
        """The newest ``limit`` cached messages (older than ``before``), oldest first."""
        return await self.store.cached_messages(self.profile_name, thread_id, limit, before)

    async def cached_messages_after(
        self, thread_id: str, after: str | None, limit: int = 50
    ) -> list[Message]:
        """The oldest ``limit`` cached messages newer than ``after`` (``None``: the first)."""
        return await self.store.cached_messages_after(self.profile_name, thread_id, after, limit)

    async def cached_message(self, thread_id: str, message_id: str) -> Message | None:
        return await self.store.cached_message(self.profile_name, thread_id, message_id)

    async def latest_messages(self, thread_id: str, limit: int = 30) -> list[Message]:
        """The newest messages from the server, oldest first; refreshes the cache."""
        page = await self.client.list_messages(thread_id, limit=limit, order="desc")
        messages = list(reversed(page.data))
        await self.store.cache_messages(self.profile_name, thread_id, messages)
        return messages

    async def older_messages(
        self, thread_id: str, before_id: str, limit: int = 30
    ) -> list[Message]:
        """Messages older than ``before_id``, oldest first; empty when there are no more."""
        page = await self.client.list_messages(
            thread_id, limit=limit, order="desc", after=before_id
        )
        messages = list(reversed(page.data))
        await self.store.cache_messages(self.profile_name, thread_id, messages)
        return messages

    async def newer_messages(
        self, thread_id: str, after_id: str | None, limit: int = 30
    ) -> list[Message]:
        """Messages newer than ``after_id`` (``None``: the thread's first), oldest first;
        empty when there are no more."""
        page = await self.client.list_messages(thread_id, limit=limit, order="asc", after=after_id)
        messages = list(page.data)
        await self.store.cache_messages(self.profile_name, thread_id, messages)
        return messages

    # --- runs and steps (the inspector) -----------------------------------------------

    async def runs(self, thread_id: str, limit: int = 20) -> list[Run]:
        """The thread's newest runs from the server, newest first."""
        page = await self.client.list_runs(thread_id, limit=limit, order="desc")
        return list(page.data)

    async def steps(
        self, thread_id: str, run_id: str, include: Sequence[str] = ()
    ) -> list[RunStep]:
        """Every step of a run, in order (``include``: e.g. file_search result content)."""
        return [
            step
            async for step in self.client.iter_steps(
                thread_id, run_id, order="asc", include=include
            )
        ]

    async def step(
        self, thread_id: str, run_id: str, step_id: str, include: Sequence[str] = ()
    ) -> RunStep:
        return await self.client.get_step(thread_id, run_id, step_id, include=include)

    async def message(self, thread_id: str, message_id: str) -> Message:
        return await self.client.get_message(thread_id, message_id)

    async def captured_events(self, run_id: str) -> list[CapturedEvent]:
        """A run's captured stream events, in arrival order (empty once retention dropped it)."""
        return await self.store.captured_events(run_id)

    def redact(self, text: str) -> str:
        """``text`` with the profile's API key replaced, for anything shown or saved."""
        return self._backend.client.redact(text) if self._backend is not None else text

    # --- conversations ----------------------------------------------------------------

    def conversation(self, thread_id: str | None) -> Conversation:
        """The live conversation of a thread (``None``: the next new thread)."""
        if self._new is not None and self._new.thread_id is not None:
            self._conversations[self._new.thread_id] = self._new
            self._new = None
        if thread_id is None:
            if self._new is None:
                self._new = self._make_conversation(None)
            return self._new
        conversation = self._conversations.get(thread_id)
        if conversation is None:
            conversation = self._conversations[thread_id] = self._make_conversation(thread_id)
        return conversation

    def _make_conversation(self, thread_id: str | None) -> Conversation:
        from .driver import Conversation

        conversation = Conversation(
            self.client,
            profile=self.profile_name,
            assistant_id=self.assistant.id if self.assistant else None,
            thread_id=thread_id,
            store=self.store,
            capture_retention=self.config.capture_retention,
            poll=self._poll,
            tool_handlers=self.config.tools,
        )
        self._apply_settings(conversation, self.thread_settings(thread_id))
        return conversation

    # --- per-thread assistant and run options -----------------------------------------

    async def assistants(self) -> list[Assistant]:
        """The server's assistants, newest first, page after page (at most MAX_ASSISTANTS)."""
        found: list[Assistant] = []
        async for assistant in self.client.iter_assistants(limit=ASSISTANTS_PAGE, order="desc"):
            found.append(assistant)
            if len(found) >= MAX_ASSISTANTS:
                break
        return found

    def thread_settings(self, thread_id: str | None) -> ThreadSettings:
        """The thread's sticky settings (``None``: the new thread's, until it is created)."""
        from .thread_settings import ThreadSettings

        if thread_id is None:
            new = self._new
            return self._new_settings.get(new, ThreadSettings()) if new else ThreadSettings()
        return (self._settings or {}).get(thread_id, ThreadSettings())

    def assistant_for(self, thread_id: str | None) -> AssistantChoice | None:
        """The assistant the thread's next run uses: its own choice, else the profile's."""
        from .thread_settings import AssistantChoice

        chosen = self.thread_settings(thread_id).assistant
        if chosen is not None:
            return chosen
        return AssistantChoice.of(self.assistant) if self.assistant else None

    async def set_thread_settings(
        self, conversation: Conversation, settings: ThreadSettings
    ) -> None:
        """Use ``settings`` for the conversation's next runs, and keep them with the thread."""
        from .thread_settings import load_thread_settings, save_thread_settings

        self._apply_settings(conversation, settings)
        if conversation.thread_id is None:
            self._new_settings[conversation] = settings
            return
        if self._settings is None:
            self._settings = await load_thread_settings(self.store, self.profile_name)
        self._settings[conversation.thread_id] = settings
        await save_thread_settings(self.store, self.profile_name, self._settings)

    async def adopt_thread_settings(self, conversation: Conversation) -> None:
        """A new thread got its id: keep the settings it was created with under that id."""
        settings = self._new_settings.get(conversation)
        if settings is not None and conversation.thread_id is not None:
            del self._new_settings[conversation]
            await self.set_thread_settings(conversation, settings)

    def _apply_settings(self, conversation: Conversation, settings: ThreadSettings) -> None:
        default = self.assistant.id if self.assistant else None
        conversation.assistant_id = settings.assistant.id if settings.assistant else default
        conversation.run_options = None if settings.options.is_default() else settings.options

    # --- export -----------------------------------------------------------------------

    async def export_thread(self, thread_id: str) -> ThreadExport:
        """The thread with all its messages, runs and steps, for core.export's writers."""
        from threadline.api import NotFoundError

        from .export import collect_thread

        entry = await self.store.get_thread(self.profile_name, thread_id)
        try:
            return await collect_thread(self.client, thread_id, entry.title if entry else "")
        except NotFoundError:
            raise ThreadGone(f"the server has no thread {thread_id}") from None

    # --- drafts -----------------------------------------------------------------------

    async def get_draft(self, key: str) -> str:
        return await self.store.get_draft(self.profile_name, key)

    async def save_draft(self, key: str, text: str) -> None:
        await self.store.save_draft(self.profile_name, key, text)

    async def last_sent(self, key: str) -> str | None:
        return await self.store.last_sent(self.profile_name, key)
