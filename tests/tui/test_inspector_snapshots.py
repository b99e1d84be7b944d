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
    def script(conversation, text, thread_id, new_thread):  # type: ignore[no-untyped-def]
        run = weather_run(thread_id, new_thread=new_thread)
        session.arrivals = [at for at, _, _ in run]
        return [parse_event(name, json.dumps(data)) for _, name, data in run]

    session.script = script


async def ask(pilot: Pilot[None]) -> None:
    await settle(pilot)
    await type_text(pilot, "What's the weather in Paris? And the mean of my numbers?", "enter")
    await settle(pilot)


async def steps_tab(pilot: Pilot[None]) -> None:
    await ask(pilot)
    await pilot.press("alt+i", "2")
    await settle(pilot)
    pilot.app.screen.query_one(InspectorPane).steps_view.rows[0].focus()
    await settle(pilot)


def test_inspector_run_tab_120x40(snap_compare, make_app: AppMaker) -> None:  # type: ignore[no-untyped-def]
    """The main screen after the run. Right, under "Inspector": the run list's one row,
    "✓ completed  2.0s  155 tok" over "run_0001 · demo-model", highlighted; the tabs with
    "Run" active. Then the run id with "✓ completed"; "Timeline": "15:09:00 → 15:09:03 ·
    2.0s" and one line per status with its offset and the time spent in it: created,
    queued, in_progress (0.5s), requires_action (no span: the next stream's offsets start
    again), queued and in_progress (1.2s) again from +0.004s, completed at +1.214s. "Settings": model demo-model,
    assistant, tools "function get_weather, code_interpreter", tool_choice auto,
    parallel_tool_calls true, temperature 0.7 top_p 1.0, truncation "last 10 messages",
    max tokens prompt 2000 · completion 500, response_format auto, usage "prompt 120 ·
    completion 35 · total 155" and "cached 64 · reasoning 0"; metadata {"project": "trip"};
    a collapsed "▶ Instructions". The conversation shows the question and the reply."""
    app = make_app(setup=scripted)
    assert snap_compare(app, terminal_size=(120, 40), run_before=ask)


def test_inspector_steps_with_a_tool_call_120x40(snap_compare, make_app: AppMaker) -> None:  # type: ignore[no-untyped-def]
    """The Steps tab, its first step focused (a band on its two header lines): "1 tool_calls
    ✓ completed 1.0s", "step_0001 · 60 in / 9 out"; the call "ƒ get_weather  call_0001",
    "arguments" with {"location": "Paris"} pretty-printed and highlighted over three lines,
    "output" 18°C and sunny. Then "2 tool_calls ✓ completed 1.0s" with "⌘ code_interpreter",
    its input as highlighted Python (wrapped at the pane's edge) and "logs" 3.875; then
    "3 message_creation ✓ completed 2.0s", "step_0003 · 60 in / 26 out" and its underlined
    "→ msg_0001" link. The conversation keeps the question and the reply."""
    app = make_app(setup=scripted)
    assert snap_compare(app, terminal_size=(120, 40), run_before=steps_tab)


async def events_at_the_end(pilot: Pilot[None]) -> None:
    await pilot.pause()
    await pilot.press("e", "3")  # jump to the end, the Events tab
    await settle(pilot)
    log = pilot.app.screen.query_one(InspectorPane).events_view.event_log
    log.focus()
    await pilot.press("end", "up", "up", "up")  # the reply's folded deltas
    await settle(pilot)


def test_inspector_events_in_replay_mode_120x40(snap_compare) -> None:  # type: ignore[no-untyped-def]
    """Replay mode at the end of the capture. Left: "Replay of weather.sse", the question
    is not in the stream, so only the reply "It is 18°C and sunny in Paris..." and its
    "completed in 2s" notice. Right, 48 columns: the run list, then the Events tab: the
    filter field "filter by type (/)" and "fold: on"; one row per event with its number,
    its offset (+0.012s ...) and its type without "thread.": created, run.created, ...,
    one "run.step.delta ×4" row for the streamed arguments with their text, requires_action,
    the second stream's rows from +0.004s, and one highlighted "message.delta ×14" row with
    the start of the reply's text (the list scrolled to keep it in view, rows 3 to 34).
    Below the list: "thread.message.delta ×14  +0.750s → +1.153s", "text of these deltas:"
    with the whole reply as a JSON string, then "first event:" and its pretty JSON. Bottom
    bar: "at the end x1  event 34/34 thread.run.completed +1.214s" and the replay keys."""
    player = Replay(weather_capture())
    app = ReplayApp(Config(), player, "weather.sse", clock=Clock.fixed(NOW), cursor_blink=False)
    assert snap_compare(app, terminal_size=(120, 40), run_before=events_at_the_end)
