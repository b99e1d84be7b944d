"""The run and step inspector over the real session and the embedded demo server (speed 0).

A run that calls a function, runs code and searches files shows each step and call with
its content; a message_creation step scrolls the conversation to its message; the event
list filters and folds; copying writes the OSC 52 sequence; a failed run shows its error;
a run's capture saves as an .sse file that reads back with its arrival times.
"""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest
from textual.pilot import Pilot

from threadline.core.capture import read_capture
from threadline.tui.app import ThreadlineApp
from threadline.tui.widgets.inspector import InspectorPane
from threadline.tui.widgets.inspector.tool_calls import ToolCallView
from threadline.tui.widgets.message_view import AssistantMessage

from .conftest import settle, type_text
from .test_real_backend import RealApps, send


@pytest.fixture
def real_app(tmp_path: Path) -> RealApps:
    return RealApps(tmp_path / "data")


def text(widget: object) -> str:
    return str(widget.render())  # type: ignore[attr-defined]


def inspector(app: ThreadlineApp) -> InspectorPane:
    return app.screen.query_one(InspectorPane)


async def run_with_every_tool(pilot: Pilot[None]) -> None:
    """get_weather (answered here), then code_interpreter and file_search, then a reply."""
    app = pilot.app
    await send(pilot, "What is the weather in Paris? Then run code and search the docs")
    conversation = app.screen.conversation  # type: ignore[attr-defined]
    (call,) = conversation.pending_tool_calls
    await conversation.submit_tool_outputs({call.id: "18°C and sunny"})
    await settle(pilot)


async def test_each_step_and_call_shows_its_content(real_app: RealApps) -> None:
    app = real_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await run_with_every_tool(pilot)
        pane = inspector(app)
        rows = pane.steps_view.rows
        assert [row.step["type"] for row in rows] == ["tool_calls"] * 3 + ["message_creation"]
        assert all(row.step["status"] == "completed" for row in rows)
        function, code, search = (row.query_one(ToolCallView) for row in rows[:3])
        shown = text(function)
        assert "get_weather" in shown and '"location": "Paris"' in shown
        assert "output" in shown and "18°C and sunny" in shown
        shown = text(code)
        assert "code_interpreter" in shown and "numbers = [3, 1, 4, 1, 5, 9, 2, 6]" in shown
        assert "count=8 sum=31 mean=3.875" in shown  # the logs output
        shown = text(search)
        assert "threadline-guide.md" in shown and "score 0.82" in shown
        assert "keeps each run one keypress away" in shown  # the result's content
        assert "release-notes.md" in shown and "score 0.61" in shown
        message_id = rows[3].message_id
        assert message_id is not None and message_id in text(rows[3].query_one(".header"))
        # The Run tab: the whole timeline, with the pause for tool output.
        timeline = text(pane.run_view.query_one("#run-timeline"))
        for status in ("created", "queued", "in_progress", "requires_action", "completed"):
            assert status in timeline
        settings = text(pane.run_view.query_one("#run-settings"))
        assert "demo-model" in settings and "function get_weather" in settings
        assert "completion" in settings  # usage


async def test_a_message_creation_step_scrolls_to_its_message(real_app: RealApps) -> None:
    app = real_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for text_ in ("first question", "second question", "third question"):
            await send(pilot, text_)
        pane = inspector(app)
        messages = app.screen.messages  # type: ignore[attr-defined]
        assert messages.scroll_y == messages.max_scroll_y > 0
        await pilot.press("alt+i")  # the runs list, newest first
        await pilot.press("end")  # the oldest run
        await settle(pilot)
        first_run = pane.run_id
        await pilot.press("2")
        await settle(pilot)
        (row,) = pane.steps_view.rows
        row.focus()
        await pilot.press("enter")
        await settle(pilot)
        view = next(v for v in app.screen.query(AssistantMessage) if v.message_id == row.message_id)
        assert app.screen.conversation.state.message(row.message_id).run_id == first_run  # type: ignore[attr-defined]
        assert messages.scroll_y < messages.max_scroll_y
        assert abs(messages.scroll_y - view.virtual_region.y) <= 1
        assert pane.selection == ("message", row.message_id)
        await pilot.press("4")
        await settle(pilot)
        assert f'"id": "{row.message_id}"' in text(pane.raw)


async def test_the_event_list_filters_by_type_and_folds_deltas(real_app: RealApps) -> None:
    app = real_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await send(pilot, "hello there")
        pane = inspector(app)
        log = pane.events_view.event_log
        records = pane.data.records(pane.run_id or "")
        assert records is not None and records[0].name == "thread.created"
        deltas = sum(r.name == "thread.message.delta" for r in records)
        assert deltas > 20
        folded = len(log.rows)
        assert folded == len(records) - deltas + 1  # one row for the whole reply
        await pilot.press("alt+i", "slash")
        await type_text(pilot, "message")
        await settle(pilot)
        names = [records[row.first].name for row in log.rows]
        assert names and all("message" in name for name in names)
        assert "thread.message.delta" in names and "thread.run.completed" not in names
        await pilot.press("enter", "f")  # back to the list, then unfold
        await settle(pilot)
        assert len(log.rows) == sum("message" in r.name for r in records)
        await pilot.press("slash", "ctrl+u", "enter")
        await settle(pilot)
        assert len(log.rows) == len(records)
        # The selected row's JSON is shown below the list.
        await pilot.press("home")
        await settle(pilot)
        detail = text(pane.events_view.query_one(".detail Static"))
        assert "thread.created" in detail and f'"id": "{app.screen.thread_id}"' in detail  # type: ignore[attr-defined]


async def test_copy_writes_the_osc52_sequence(real_app: RealApps) -> None:
    app = real_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await run_with_every_tool(pilot)
        written: list[str] = []
        driver = app._driver
        assert driver is not None
        driver.write = written.append  # type: ignore[method-assign]
        pane = inspector(app)
        await pilot.press("alt+i", "c")  # the selected run, as JSON
        await settle(pilot)
        run = app.screen.conversation.state.run_dict(pane.run_id)  # type: ignore[attr-defined]
        expected = base64.b64encode(json.dumps(run, indent=2, ensure_ascii=False).encode())
        assert f"\x1b]52;c;{expected.decode()}\a" in written
        # A tool call's arguments, exactly as the model sent them.
        await pilot.press("2")
        await settle(pilot)
        pane.steps_view.rows[0].query_one(ToolCallView).focus()
        await pilot.press("a")
        await settle(pilot)
        arguments = pane.steps_view.rows[0].step["step_details"]["tool_calls"][0]["function"]
        expected = base64.b64encode(arguments["arguments"].encode())
        assert f"\x1b]52;c;{expected.decode()}\a" in written


async def test_a_failed_run_shows_its_last_error(real_app: RealApps) -> None:
    app = real_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await send(pilot, "please fail")
        pane = inspector(app)
        (run_id,) = pane.run_list.runs
        assert pane.run_list.runs[run_id]["status"] == "failed"
        assert "✗ failed" in str(pane.run_list.get_option_at_index(0).prompt)
        problems = text(pane.run_view.query_one("#run-problems"))
        assert "last_error" in problems
        assert 'server_error: The demo engine was asked to "fail".' in problems


async def test_save_capture_writes_a_private_sse_file_with_arrival_times(
    real_app: RealApps, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THREADLINE_DATA_DIR", str(tmp_path / "data"))
    app = real_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await send(pilot, "hello")
        pane = inspector(app)
        await pilot.press("alt+i", "s")
        await settle(pilot)
        path = tmp_path / "data" / "exports" / f"{pane.run_id}.sse"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        saved = read_capture(path.read_bytes())
        stored = await app.session.captured_events(pane.run_id)  # type: ignore[union-attr]
        assert [(e.at, e.event, e.data) for e in saved] == [
            (pytest.approx(e.at, abs=1e-6), e.event, e.data) for e in stored
        ]


async def test_every_inspector_action_is_in_the_palette(real_app: RealApps) -> None:
    from threadline.tui.commands import ThreadlineCommands
    from threadline.tui.keys import KEYS

    app = real_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        provider = ThreadlineCommands(app.screen)
        offered = {action.id for action in provider._actions()}
        inspector_ids = {k.id for k in KEYS if k.scope == "inspector"}
        assert inspector_ids and inspector_ids <= offered
        assert "focus_inspector" in offered
        assert not {k.id for k in KEYS if k.scope == "replay"} & offered  # not on this screen


async def test_an_earlier_run_reads_from_the_server_and_the_store(
    real_app: RealApps, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a restart the run is no longer live: its steps come from list-steps (here
    without file_search content, as a server may send them), its events from the store's
    capture, and ``i`` fetches the results' content with include[]."""
    first = real_app()
    async with first.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await send(pilot, "search the docs")
    app = real_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        session = app.session
        assert session is not None
        real_steps, included = session.steps, []

        async def without_content(thread_id, run_id, include=()):  # type: ignore[no-untyped-def]
            steps = await real_steps(thread_id, run_id, include)
            for step in steps:
                for call in getattr(step.step_details, "tool_calls", []):
                    for result in call.file_search.results or []:
                        result.content = None
            return steps

        real_step = session.step

        async def step(thread_id, run_id, step_id, include=()):  # type: ignore[no-untyped-def]
            included.extend(include)
            return await real_step(thread_id, run_id, step_id, include)

        monkeypatch.setattr(session, "steps", without_content)
        monkeypatch.setattr(session, "step", step)
        pane = inspector(app)
        await pane.select_run(None)
        await pane.select_run(next(iter(pane.run_list.runs)))
        await settle(pilot)
        search_row = pane.steps_view.rows[0]
        assert "content not included" in text(search_row.query_one(ToolCallView))
        records = pane.data.records(pane.run_id or "")
        assert records and records[0].at is not None  # from the store, with arrival times
        assert len(pane.events_view.event_log.rows) > 3
        await pilot.press("alt+i", "2")
        search_row.focus()
        await pilot.press("i")
        await settle(pilot)
        assert included == ["step_details.tool_calls[*].file_search.results[*].content"]
        shown = text(pane.steps_view.rows[0].query_one(ToolCallView))
        assert "content not included" not in shown and "keeps each run one keypress" in shown


async def test_the_api_key_never_shows_in_raw_copy_or_events(tmp_path: Path) -> None:
    """A server that echoes the key (here in a run's metadata) gets it redacted everywhere
    the inspector shows or copies data."""
    import httpx
    from pydantic import SecretStr

    from threadline.api import ASGIStreamingTransport, AssistantsClient
    from threadline.cli.backend import EMBEDDED_BASE_URL, ClientBackend
    from threadline.config import Profile
    from threadline.core.run_options import RunOptions
    from threadline.server.app import create_app as create_server
    from threadline.server.engines.demo import DemoEngine
    from threadline.server.store import Store

    key = "sk-inspector-canary-4242"
    server_store = await Store.open(tmp_path / "server.sqlite3")
    server = create_server(server_store, DemoEngine(0), token=key)
    await server.state.server.startup()

    async def keyed(profile: Profile) -> ClientBackend:
        client = AssistantsClient(
            base_url=EMBEDDED_BASE_URL,
            api_key=SecretStr(key),
            max_retries=0,
            http_client=httpx.AsyncClient(transport=ASGIStreamingTransport(server)),
        )
        return ClientBackend(client, "work · remote")

    app = RealApps(tmp_path / "data")(backend=keyed)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            conversation = app.screen.conversation  # type: ignore[attr-defined]
            await conversation.send("hello", RunOptions(metadata={"echo": key}))
            await settle(pilot)
            written: list[str] = []
            app._driver.write = written.append  # type: ignore[union-attr, method-assign]
            pane = inspector(app)
            await pilot.press("alt+i", "4", "c")
            await settle(pilot)
            raw = text(pane.raw)
            assert "[redacted]" in raw and key not in raw
            (sequence,) = [w for w in written if w.startswith("\x1b]52;c;")]
            copied = base64.b64decode(sequence[7:-1]).decode()
            assert '"echo": "[redacted]"' in copied and key not in copied
            metadata = text(pane.run_view.query_one("#run-metadata"))
            assert "[redacted]" in metadata and key not in metadata
            await pilot.press("3")
            pane.events_view.event_log.focus()
            await pilot.press("home", "down")  # thread.run.created, with the metadata
            await settle(pilot)
            detail = text(pane.events_view.query_one(".detail Static"))
            assert "[redacted]" in detail and key not in detail
    finally:
        await server.state.server.shutdown()
        await server_store.close()
