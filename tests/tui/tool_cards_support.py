"""Apps for the tool-card tests: the real Session and store over the embedded demo server
(speed 0), built here so a test can add function tools to the demo assistant, configure
handlers, move the server's clock, and make one request fail."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from textual.pilot import Pilot

from threadline.api import (
    AnyEvent,
    ASGIStreamingTransport,
    AssistantsClient,
    RequiredToolCall,
    parse_event,
)
from threadline.cli.backend import EMBEDDED_BASE_URL, ClientBackend
from threadline.config import Config, Profile
from threadline.core.session import Session
from threadline.core.store import STORE_FILE, ClientStore
from threadline.core.tool_round import ToolRound
from threadline.server.app import create_app as create_server
from threadline.server.clock import ManualClock
from threadline.server.engines.demo import DEMO_ASSISTANT, DemoEngine
from threadline.server.store import Store
from threadline.tui.app import ThreadlineApp, create_app
from threadline.tui.clock import Clock
from threadline.tui.widgets.tool_cards import ToolCard, ToolCards

from .conftest import settle, type_text
from .fakes import NOW, FakeConversation, FakeSession, event, next_id

TIME_TOOL = {
    "type": "function",
    "function": {
        "name": "get_time",
        "description": "The local time in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


def error_body(message: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": "server_error", "param": None, "code": None}}


class FaultTransport(httpx.AsyncBaseTransport):
    """The embedded server's transport, with faults queued for requests to a path."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.faults: list[tuple[str, Callable[[httpx.Request], httpx.Response]]] = []
        self.paths: list[str] = []

    def fail_next(self, path_end: str, answer: Callable[[httpx.Request], httpx.Response]) -> None:
        self.faults.append((path_end, answer))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(f"{request.method} {request.url.path}")
        for index, (path_end, answer) in enumerate(self.faults):
            if request.url.path.endswith(path_end):
                del self.faults[index]
                return answer(request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


class ToolApps:
    """Builds one app; ``transport`` and ``session`` are there once it has connected."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.transport: FaultTransport | None = None
        self.server_clock: ManualClock | None = None
        self.now = float(NOW)  # the app's clock (countdowns)

    def __call__(
        self,
        *,
        extra_tools: list[dict[str, Any]] | None = None,
        tools: dict[str, Any] | None = None,
        manual_clock: bool = False,
    ) -> ThreadlineApp:
        config = Config.model_validate(
            {"profiles": {"local": {"demo_speed": 0}}, "tools": tools or {}}
        )
        folder = self.folder
        if manual_clock:
            self.server_clock = ManualClock(float(NOW))

        async def backend(profile: Profile) -> ClientBackend:
            store = await Store.open(folder / "server.sqlite3")
            server_app = create_server(store, DemoEngine(0), token=None, clock=self.server_clock)
            server = server_app.state.server
            await server.startup()
            transport = self.transport = FaultTransport(ASGIStreamingTransport(server_app))
            http = httpx.AsyncClient(transport=transport)
            client = AssistantsClient(base_url=EMBEDDED_BASE_URL, max_retries=0, http_client=http)
            if extra_tools:
                (demo,) = (await client.list_assistants()).data
                await client.modify_assistant(
                    demo.id, tools=[*DEMO_ASSISTANT["tools"], *extra_tools]
                )

            async def close() -> None:
                try:
                    await server.shutdown()
                finally:
                    await store.close()

            return ClientBackend(client, "local · demo", [close, http.aclose])

        async def open_session(name: str | None) -> Session:
            store = await ClientStore.open(folder / STORE_FILE)
            return Session(config, name, store, backend)

        return create_app(
            config, open_session, clock=Clock(now=lambda: self.now), cursor_blink=False
        )


def cards(app: ThreadlineApp) -> list[ToolCards]:
    return list(app.screen.query(ToolCards))


def open_cards(app: ThreadlineApp) -> ToolCards:
    """The cards of the round the conversation on screen waits on."""
    (found,) = [c for c in cards(app) if c.mode == "open"]
    return found


def card_text(card: ToolCard) -> str:
    """What a card shows: its title, subtitle and every visible line of text."""
    from textual.widgets import Static

    parts = [str(card.border_title or ""), str(card.border_subtitle or "")]
    parts += [str(s.render()) for s in card.query(Static) if s.display]
    return "\n".join(parts)


async def ask(pilot: Pilot[None], text: str) -> None:
    """Send ``text`` from the composer and wait for the run to come to rest."""
    await type_text(pilot, text, "enter")
    await settle(pilot)


async def answer(pilot: Pilot[None], text: str, *then: str) -> None:
    """Type ``text`` into the focused output field, then press ``then``."""
    await type_text(pilot, text, *then)
    await settle(pilot)


# --- fakes for snapshots: a scripted run that stops for two calls, with fixed ids ---------

WEATHER_TOOL = DEMO_ASSISTANT["tools"][0]


def waiting_run_events(thread_id: str, new_thread: bool) -> list[AnyEvent]:
    """A run that calls get_weather and get_time (whose arguments break its schema) in
    parallel and waits for both outputs; it expires 9½ minutes after NOW."""
    run_id, step_id = next_id("run"), next_id("step")
    calls = [
        {
            "id": "call_weather",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"location": "Tokyo"}'},
        },
        {
            "id": "call_time",
            "type": "function",
            "function": {"name": "get_time", "arguments": '{"city": 42}'},
        },
    ]
    run = {
        "id": run_id,
        "object": "thread.run",
        "created_at": NOW,
        "thread_id": thread_id,
        "assistant_id": "asst_demo",
        "status": "queued",
        "model": "demo-model",
        "tools": [WEATHER_TOOL, TIME_TOOL],
        "expires_at": NOW + 570,
    }
    step = {
        "id": step_id,
        "object": "thread.run.step",
        "run_id": run_id,
        "thread_id": thread_id,
        "type": "tool_calls",
        "status": "in_progress",
        "step_details": {
            "type": "tool_calls",
            "tool_calls": [
                {**call, "function": {**call["function"], "output": None}} for call in calls
            ],
        },
    }
    events = [event("thread.created", {"id": thread_id, "created_at": NOW})] if new_thread else []
    waiting = {
        **run,
        "status": "requires_action",
        "started_at": NOW,
        "required_action": {
            "type": "submit_tool_outputs",
            "submit_tool_outputs": {"tool_calls": calls},
        },
    }
    return [
        *events,
        event("thread.run.created", run),
        event("thread.run.in_progress", {**run, "status": "in_progress", "started_at": NOW}),
        event("thread.run.step.created", step),
        event("thread.run.requires_action", waiting),
        parse_event("done", "[DONE]"),
    ]


class WaitingConversation(FakeConversation):
    """A scripted conversation with the real ToolRound (no handlers), as the driver makes it."""

    _round: ToolRound | None = None

    @property
    def pending_tool_calls(self) -> list[RequiredToolCall]:
        if self.run_id is None:
            return []
        run = self.state.run(self.run_id)
        if run.status != "requires_action" or run.required_action is None:
            return []
        return list(run.required_action.submit_tool_outputs.tool_calls)

    @property  # type: ignore[override]
    def tool_round(self) -> ToolRound | None:
        calls = self.pending_tool_calls
        if not calls or self.run_id is None:
            return None
        if self._round is None:
            run = self.state.run(self.run_id)
            self._round = ToolRound(
                calls, tools=run.tools, run_id=run.id, expires_at=run.expires_at
            )
        return self._round


async def waiting_session(session: FakeSession) -> None:
    """Setup: two older threads, and "Weather in Tokyo" (opened first) whose next message
    stops for tools."""
    await session.add_thread("Weekly report", at=NOW - 2 * 86400, status="failed")
    await session.add_thread("Trip plan to Lisbon", [("user", "Three days?")], at=NOW - 3600)
    thread_id = await session.add_thread("Weather in Tokyo", at=NOW - 60)
    session.conversations[thread_id] = WaitingConversation(session, thread_id)
    session.script = lambda conv, text, tid, new: waiting_run_events(tid, new)
