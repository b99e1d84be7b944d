"""How the inspector's Events list copes with a run streaming 2,000 small deltas.

    .venv/bin/python scripts/bench_inspector.py [--deltas 2000] [--runs 3] [--modes ...]

A synthetic capture (run, step and message events around N one-word message deltas) is
stepped through a core ``Replay`` as fast as the loop allows (a demo run at speed 0), in a
headless 120x40 app that shows only the inspector, Events tab open. Its updates reach the
pane the way a live run's do (``LiveFeed`` -> ``RunUpdated`` -> ``InspectorPane.apply``).

For each way of keeping the list, it reports the time from the first event to the list
showing the last one, the frames drawn, the event-list lines drawn, and how late a 5 ms
timer fires meanwhile (p99 and max: what a key press waits for):

- ``coalesced``: the list as built (records filed once per refresh, only visible lines drawn);
- ``rebuild``: the same widget, but every event refiles every record and redraws the list;
- ``table``: every event clears a DataTable and adds every row again;
- ``static``: every event re-renders all rows as one text widget (the usual naive list);
- ``none``: no list at all, for the cost of everything else (reducer, messages, the pane).

Each with deltas folded (the default) and one row per delta.

Headless runs skip writing to the terminal, so absolute times are low; the ratios hold.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from textual.app import App, ComposeResult
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Static

from threadline.core.capture import TimedEvent
from threadline.core.replay import Replay
from threadline.tui.clock import Clock
from threadline.tui.live import LiveFeed
from threadline.tui.messages import RunUpdated
from threadline.tui.widgets.inspector import InspectorPane
from threadline.tui.widgets.inspector.event_log import EventLog


def capture(deltas: int) -> list[TimedEvent]:
    run = {"id": "run_1", "object": "thread.run", "thread_id": "thread_1", "status": "queued"}
    step = {
        "id": "step_1",
        "object": "thread.run.step",
        "run_id": "run_1",
        "type": "message_creation",
        "status": "in_progress",
        "step_details": {"type": "message_creation", "message_creation": {"message_id": "m"}},
    }
    message = {
        "id": "m",
        "object": "thread.message",
        "role": "assistant",
        "run_id": "run_1",
        "thread_id": "thread_1",
        "status": "in_progress",
        "content": [],
    }
    events = [
        ("thread.run.created", run),
        ("thread.run.in_progress", {**run, "status": "in_progress"}),
        ("thread.run.step.created", step),
        ("thread.message.created", message),
    ]
    for i in range(deltas):
        delta = {"content": [{"index": 0, "type": "text", "text": {"value": f" word{i}"}}]}
        events.append(
            ("thread.message.delta", {"id": "m", "object": "thread.message.delta", "delta": delta})
        )
    events += [
        ("thread.message.completed", {**message, "status": "completed"}),
        ("thread.run.step.completed", {**step, "status": "completed"}),
        ("thread.run.completed", {**run, "status": "completed"}),
    ]
    return [TimedEvent(i * 0.001, name, json.dumps(data)) for i, (name, data) in enumerate(events)]


class Host(Screen[None]):
    def __init__(self, replay: Replay) -> None:
        super().__init__()
        self.replay = replay

    def compose(self) -> ComposeResult:
        yield InspectorPane(id="inspector")

    def on_mount(self) -> None:
        self.feed = LiveFeed(cast(Any, self.replay), self)
        pane = self.query_one(InspectorPane)
        pane.show_conversation(self.replay)
        pane.action_show_tab("events")

    def on_run_updated(self, event: RunUpdated) -> None:
        self.query_one(InspectorPane).apply(event)


class Bench(App[None]):
    def __init__(self, replay: Replay) -> None:
        super().__init__()
        self.replay = replay
        self.clock = Clock.fixed(0)
        self.frames: list[float] = []

    def on_mount(self) -> None:
        self.push_screen(Host(self.replay))

    def _display(self, screen: Screen[Any], renderable: Any) -> None:
        if renderable is not None:
            self.frames.append(time.perf_counter())
        super()._display(screen, renderable)


def rebuild_per_event(log: EventLog) -> None:
    log._rebuild()


class TableList:
    """Another naive list: a DataTable cleared and refilled on every event."""

    def __init__(self, log: EventLog) -> None:
        self.log = log
        self.table: DataTable[str] = DataTable()
        self.table.add_columns("#", "event", "text")
        log.parent.mount(self.table, before=log)  # type: ignore[union-attr]
        log.display = False

    def sync(self) -> None:
        self.table.clear()
        self.table.add_rows(
            (str(i + 1), r.name, r.preview()) for i, r in enumerate(self.log.records)
        )


class StaticList:
    """The naive list: all rows as one Static, re-rendered on every event."""

    def __init__(self, log: EventLog) -> None:
        self.log = log
        self.static = Static(Content(""))
        log.parent.mount(self.static, before=log)  # type: ignore[union-attr]
        log.display = False

    def sync(self) -> None:
        rows = [f"{i + 1:>4} {r.name} {r.preview()!r}" for i, r in enumerate(self.log.records)]
        self.static.update(Content("\n".join(rows)))


async def one_run(deltas: int, mode: str, fold: bool) -> dict[str, float]:
    replay = Replay(capture(deltas))
    app = Bench(replay)
    lines = 0
    original_render_line = EventLog.render_line

    def counting_render_line(self: EventLog, y: int) -> Any:
        nonlocal lines
        lines += 1
        return original_render_line(self, y)

    EventLog.render_line = counting_render_line  # type: ignore[method-assign]
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            pane = app.screen.query_one(InspectorPane)
            log = pane.events_view.event_log
            log.set_fold(fold)
            if mode == "none":
                log.sync = lambda: None  # type: ignore[method-assign]
            elif mode == "rebuild":
                log.sync = lambda: rebuild_per_event(log)  # type: ignore[method-assign]
            elif mode == "static":
                naive = StaticList(log)
                log.sync = naive.sync  # type: ignore[method-assign]
            elif mode == "table":
                table = TableList(log)
                log.sync = table.sync  # type: ignore[method-assign]
            await pilot.pause()
            app.frames.clear()
            lines = 0
            lags: list[float] = []
            probing = True

            async def probe() -> None:
                # How late a 5 ms timer fires: what a key press waits for, at worst.
                loop = asyncio.get_running_loop()
                while probing:
                    due = loop.time() + 0.005
                    await asyncio.sleep(0.005)
                    lags.append(loop.time() - due)

            prober = asyncio.create_task(probe())
            start = time.perf_counter()
            for index in range(len(replay)):
                replay.step()
                if index % 16 == 15:  # the demo engine at speed 0 yields this often
                    await asyncio.sleep(0)
            # Done when the list has filed the last record and a frame showed it.
            while True:
                await app.screen.wait_for_refresh()
                records = pane.data.records("run_1") or []
                if mode in {"static", "table", "none"} or log._seen == len(records) == len(replay):
                    break
            await app.screen.wait_for_refresh()
            elapsed = time.perf_counter() - start
            probing = False
            await prober
            lags.sort()
            frames = [t for t in app.frames if t >= start]
            gaps = [b - a for a, b in zip([start, *frames], frames, strict=False)]
            return {
                "seconds": elapsed,
                "frames": len(frames),
                "lines": lines,
                "max_gap_ms": max(gaps, default=elapsed) * 1000,
                "lag_p99_ms": lags[int(len(lags) * 0.99)] * 1000 if lags else 0.0,
                "lag_max_ms": lags[-1] * 1000 if lags else 0.0,
                "rows": len(log.rows),
                "flushes": log.flushes,
            }
    finally:
        EventLog.render_line = original_render_line  # type: ignore[method-assign]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deltas", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--modes", default="none,coalesced,rebuild,table,static", help="comma-separated"
    )
    args = parser.parse_args()
    print(f"{args.deltas} deltas, {len(capture(args.deltas))} events, median of {args.runs} runs")
    for fold in (True, False):
        print(f"deltas {'folded' if fold else 'one row each'}:")
        for mode in args.modes.split(","):
            results = [await one_run(args.deltas, mode, fold) for _ in range(args.runs)]
            median = {k: statistics.median(r[k] for r in results) for k in results[0]}
            print(
                f"{mode:>10}: {median['seconds']:.2f} s to show the last event, "
                f"{median['frames']:.0f} frames, {median['lines']:.0f} list lines drawn, "
                f"input lag p99 {median['lag_p99_ms']:.0f} ms (max {median['lag_max_ms']:.0f}), "
                f"{median['flushes']:.0f} flushes, {median['rows']:.0f} rows"
            )


if __name__ == "__main__":
    asyncio.run(main())
