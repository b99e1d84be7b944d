"""Snapshots of the inspector at 120x40: the Run tab, the Steps tab with a function call,
and the Events tab (in replay mode, where arrival times come from the capture).

The run (tests/tui/inspector_data.py) asks get_weather for Paris, gets "18°C and sunny",
runs a little code, and answers in one short message. Ids, times and offsets are fixed.
Update with ``pytest tests/tui/test_inspector_snapshots.py --snapshot-update`` and look.
"""

from __future__ import annotations

import json

from textual.pilot import Pilot

from threadline.api import parse_event
from threadline.config import Config
from threadline.core.replay import Replay
from threadline.tui.clock import Clock
from threadline.tui.screens.replay_app import ReplayApp
from threadline.tui.widgets.inspector import InspectorPane

from .conftest import AppMaker, settle, type_text
from .fakes import NOW, FakeSession
from .inspector_data import weather_capture, weather_run


async def scripted(session: FakeSession) -> None:
    await session.add_thread("Weather", at=NOW - 60)

    def script(conversation, text, thread_id, new_thread):  # type: ignore[no-untyped-def]
        # The reply comes whole: a streamed reply's final render can race its stream's
        # last append (MarkdownStream.stop), which is not what these snapshots are about.
        run = weather_run(thread_id, new_thread=new_thread, stream_reply=False)
        session.arrivals = [at for at, _, _ in run]
        return [parse_event(name, json.dumps(data)) for _, name, data in run]

    session.script = script


async def ask(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await type_text(pilot, "What's the weather in Paris? And the mean of my numbers?", "enter")
    await settle(pilot)


async def zoomed(pilot: Pilot[None], *keys: str) -> None:
    """The inspector alone, full width (z). Only the pane: the conversation beside it is
    covered by the main screen's snapshots."""
    await pilot.press("alt+i", "z", *keys)
    await settle(pilot)


async def run_tab(pilot: Pilot[None]) -> None:
    await ask(pilot)
    await zoomed(pilot)


async def steps_tab(pilot: Pilot[None]) -> None:
    await ask(pilot)
    await zoomed(pilot, "2")
    pilot.app.screen.query_one(InspectorPane).steps_view.rows[0].focus()
    await settle(pilot)


def test_inspector_run_tab_120x40(snap_compare, make_app: AppMaker) -> None:  # type: ignore[no-untyped-def]
    """The inspector zoomed to the whole screen after the run. At the top "Inspector", the
    run list's one row "✓ completed  2.0s  155 tok" over "run_0001 · demo-model" in the
    focused highlight, the tabs with "Run" active. Then "run_0001  ✓ completed";
    "Timeline": "15:09:00 → 15:09:03 · 2.0s" and one line per status with its offset and
    the time spent in it: created +0.012s 3ms, queued 6ms, in_progress 0.5s,
    requires_action +0.512s (no span: the next stream's offsets start again), queued
    +0.004s 6ms, in_progress 0.8s, completed +0.780s. "Settings": model demo-model,
    assistant asst_demo, tools "function get_weather, code_interpreter", tool_choice auto,
    parallel_tool_calls true, temperature 0.7 top_p 1.0, truncation "last 10 messages",
    max tokens "prompt 2000 · completion 500", response_format auto, usage with "prompt
    120 · completion 35 · total 155" and "cached 64 · reasoning 0" under it, metadata
    {"project": "trip"}; a collapsed "▶ Instructions"."""
    app = make_app(setup=scripted)
    assert snap_compare(app, terminal_size=(120, 40), run_before=run_tab)


def test_inspector_steps_with_a_tool_call_120x40(snap_compare, make_app: AppMaker) -> None:  # type: ignore[no-untyped-def]
    """The zoomed inspector's Steps tab, the first step focused (a band on its two header
    lines): "1 tool_calls ✓ completed 1.0s", "step_0001 · 60 in / 9 out"; the call
    "ƒ get_weather  call_0001", "arguments" with {"location": "Paris"} pretty-printed and
    highlighted over three lines, "output" 18°C and sunny. Then "2 tool_calls ✓ completed
    1.0s", "step_0002", "⌘ code_interpreter  call_0002", its input as highlighted Python
    (numbers = [3, 1, 4, ...] and a print line) and "logs" 3.875; then "3 message_creation
    ✓ completed 2.0s", "step_0003 · 60 in / 26 out" and the underlined link "→ msg_0001"."""
    app = make_app(setup=scripted)
    assert snap_compare(app, terminal_size=(120, 40), run_before=steps_tab)


async def events_at_the_end(pilot: Pilot[None]) -> None:
    await pilot.pause()
    await pilot.press("e")  # jump to the end
    await settle(pilot)
    await zoomed(pilot, "3")
    log = pilot.app.screen.query_one(InspectorPane).events_view.event_log
    log.focus()
    await pilot.press("end", "up", "up", "up")  # the reply's folded deltas
    await settle(pilot)


def test_inspector_events_in_replay_mode_120x40(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """Replay mode ("Threadline replay" in the title) at the end of the capture, the
    inspector zoomed, Events tab: the filter field "filter by type (/)" and "fold: on";
    one row per event with its number, its offset and its type without "thread." (rows 2
    to 34 in view, the list scrolled to the cursor): run.created +0.012s, ..., one
    "run.step.delta ×4" row with the streamed arguments' text, run.requires_action +0.512s,
    the second stream's rows from +0.004s, and the highlighted "message.delta ×14" row with
    the reply's text. Below: "thread.message.delta ×14  +0.750s → +1.153s", "text of these
    deltas:" with the whole reply as a JSON string, then "first event:" and its pretty,
    highlighted JSON."""
    player = Replay(weather_capture())
    app = ReplayApp(Config(), player, "weather.sse", clock=Clock.fixed(NOW), cursor_blink=False)
    assert snap_compare(app, terminal_size=(120, 40), run_before=events_at_the_end)
