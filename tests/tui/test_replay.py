"""Replay mode: ``threadline replay FILE`` plays a capture into the conversation and the
inspector through the same reducer as the live view and ``replay --json``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import TabbedContent

from threadline.api import Message
from threadline.cli import main
from threadline.config import Config
from threadline.core.capture import TimedEvent, read_capture, write_capture
from threadline.core.replay import Replay, parse_stream, replay
from threadline.tui.clock import Clock
from threadline.tui.render import message_parts
from threadline.tui.screens.replay import ReplayScreen
from threadline.tui.screens.replay_app import ReplayApp
from threadline.tui.widgets.inspector import InspectorPane
from threadline.tui.widgets.message_view import AssistantMessage

from ..conftest import STREAMS
from .conftest import settle
from .fakes import NOW


def replay_app(player: Replay, source: str = "capture.sse") -> ReplayApp:
    return ReplayApp(Config(), player, source, clock=Clock.fixed(NOW), cursor_blink=False)


def shown(app: ReplayApp) -> dict[str, object]:
    """What the screen shows: each message's text, the selected run's steps."""
    pane = app.screen.query_one(InspectorPane)
    return {
        "messages": {v.message_id: v.body.source for v in app.screen.query(AssistantMessage)},
        "run": pane.run_id,
        "steps": [row.step for row in pane.steps_view.rows],
    }


def expected(data: bytes, run_id: str | None) -> dict[str, object]:
    """The same, from ``threadline replay --json``'s state."""
    state = replay(parse_stream(data)).to_json()
    messages = [Message.model_validate(m) for m in state["messages"]]
    return {
        "messages": {m.id: message_parts(m).text for m in messages if m.role == "assistant"},
        "run": state["runs"][-1]["id"] if state["runs"] else None,
        "steps": [s for s in state["steps"] if s["run_id"] == run_id],
    }


async def wait_for_end(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await pilot.app.screen.query_one(InspectorPane).wait_for_refresh()
    await settle(pilot)


@pytest.mark.parametrize("path", STREAMS, ids=lambda p: p.stem)
async def test_a_stream_replays_to_what_replay_json_says_and_back(path: Path) -> None:
    data = path.read_bytes()
    player = Replay.from_bytes(data, path.name)
    app = replay_app(player, path.name)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_end(pilot)
        screen = app.screen
        assert isinstance(screen, ReplayScreen)
        assert player.at_end and screen.speed == "instant"  # no arrival times: at once
        assert player.state.to_json() == replay(parse_stream(data)).to_json()
        at_end = shown(app)
        assert at_end == expected(data, at_end["run"])
        # One back, one forward: the same state, the same screen.
        await pilot.press("left")
        await wait_for_end(pilot)
        assert player.position == len(player) - 1
        await pilot.press("right")
        await wait_for_end(pilot)
        assert player.state.to_json() == replay(parse_stream(data)).to_json()
        assert shown(app) == at_end


async def test_a_timed_capture_plays_at_its_own_pace_and_speeds_up() -> None:
    source = next(p for p in STREAMS if "StreamingRunWorks-1" in p.name)
    events = read_capture(source.read_bytes())
    timed = [TimedEvent(i * 0.002, e.event, e.data) for i, e in enumerate(events)]
    player = Replay(read_capture(write_capture(timed)))
    app = replay_app(player)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, ReplayScreen)
        assert screen.speed == "x1" and screen.playing
        await pilot.press("space")  # pause
        await settle(pilot)
        paused_at = player.position
        assert not screen.playing and paused_at < len(player)
        await pilot.press("right", "right")
        await settle(pilot)
        assert player.position == paused_at + 2
        await pilot.press("x")  # x10
        assert screen.speed == "x10"
        await pilot.press("x")  # instant
        assert screen.speed == "instant"
        await pilot.press("space")
        await wait_for_end(pilot)
        assert player.at_end
        assert shown(app) == expected(source.read_bytes(), shown(app)["run"])
        assert "event 44/44" in str(screen.query_one("#replay-bar").render())


async def test_the_end_key_jumps_and_the_palette_offers_replay_actions() -> None:
    from threadline.tui.commands import ThreadlineCommands
    from threadline.tui.keys import KEYS

    events = read_capture(STREAMS[0].read_bytes())
    player = Replay([TimedEvent(i * 1.0, e.event, e.data) for i, e in enumerate(events)])
    app = replay_app(player)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert not player.at_end and app.screen.playing  # type: ignore[attr-defined]
        await pilot.press("e")  # one event a second: no waiting for that
        await wait_for_end(pilot)
        assert player.at_end and not app.screen.playing  # type: ignore[attr-defined]
        offered = {a.id for a in ThreadlineCommands(app.screen)._actions()}
        assert {k.id for k in KEYS if k.scope in {"replay", "inspector"}} <= offered
        assert "new_thread" not in offered and "send" not in offered


def test_replay_without_json_opens_the_app_in_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    opened: list[Replay] = []

    def run(app: ReplayApp) -> None:
        opened.append(app.replay)

    monkeypatch.setattr("threadline.cli.replay._interactive", lambda: True)
    monkeypatch.setattr(ReplayApp, "run", run)
    assert main(["replay", str(STREAMS[0])]) == 0
    (player,) = opened
    assert len(player) == len(read_capture(STREAMS[0].read_bytes())) and player.position == 0
    assert capsys.readouterr().out == ""
    # --json is unchanged, in a terminal too.
    assert main(["replay", str(STREAMS[0]), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["runs"]


def test_a_bad_file_fails_in_one_line_before_the_app_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("threadline.cli.replay._interactive", lambda: True)
    monkeypatch.setattr(ReplayApp, "run", lambda app: pytest.fail("the app started"))
    path = tmp_path / "notes.sse"
    path.write_text("just some notes\n")
    assert main(["replay", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "notes.sse: not an SSE stream" in err


async def test_a_streaming_step_updates_in_place() -> None:
    """Step deltas redraw the call they extend: the same row and call view, never a new list."""
    from threadline.tui.widgets.inspector.tool_calls import ToolCallView

    from .inspector_data import weather_capture

    player = Replay(weather_capture())
    app = replay_app(player)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("space")  # pause where it is, then go to just after the step began
        screen = app.screen
        assert isinstance(screen, ReplayScreen)
        screen._seek(6)  # thread, run x3, step created, the call's first delta
        await settle(pilot)
        pane = screen.query_one(InspectorPane)
        (row,) = pane.steps_view.rows
        view = row.query_one(ToolCallView)
        log = pane.events_view.event_log
        flushes = log.flushes
        seen = []
        for _ in range(3):  # the arguments arrive in three deltas
            await pilot.press("right")
            await settle(pilot)
            assert pane.steps_view.rows == [row] and row.query_one(ToolCallView) is view
            seen.append(view.call["function"]["arguments"])
        assert seen == ['{"loc', '{"location": ', '{"location": "Paris"}']
        assert '"location": "Paris"' in str(view.render())
        # The Events tab is hidden: its list files the new records once it is shown.
        assert log.flushes == flushes and len(log.records) == 9
        pane.query_one(TabbedContent).active = "tab-events"
        await settle(pilot)
        assert log.flushes == flushes + 1  # appended, not rebuilt
        assert len(log.rows) == 6  # three deltas of the call folded into one row


def test_the_installed_script_replays_in_a_terminal(tmp_path: Path) -> None:
    """``threadline replay FILE`` in a pseudo-terminal: the app opens, plays a capture with
    no times to the end at once, and quits with ctrl+q (exit 0)."""
    import os
    import sys

    from .ptyrun import PtyProcess, visible_text

    script = Path(sys.executable).parent / "threadline"
    if not script.exists():
        pytest.skip("the threadline script is not installed")
    env = {**os.environ, "THREADLINE_DATA_DIR": str(tmp_path / "data"), "TERM": "xterm-256color"}
    source = next(p for p in STREAMS if "StreamingRunWorks-1" in p.name)
    process = PtyProcess([str(script), "replay", str(source)], env, size=(120, 40))
    try:
        process.wait_for_text("at the end")
        process.write(b"\x11")  # ctrl+q
        assert process.wait_exit() == 0
        shown = visible_text(bytes(process.output))
        assert "Replay of" in shown and "Inspector" in shown and "event 44/44" in shown
    finally:
        process.close()
