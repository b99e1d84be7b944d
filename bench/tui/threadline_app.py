"""The Threadline side of the TUI figures: the real ``threadline`` command, instrumented.

Run by the parent as ``python -m bench.tui.threadline_app MODE SPEC_JSON`` under a pty, in
an environment whose config and data live in a temporary folder (``bench.support.env``).
It goes through ``threadline.cli.main([])`` exactly as the console script does (config,
profile, session factory, ``create_app``); the only change is that ``ThreadlineApp.run``
gets the benchmark's auto-pilot (and ``headless`` when the spec asks for it).

Modes:

- ``stream``: send "stream N tokens" in the thread on screen (seeded with earlier messages
  when the spec has them); time from the first message delta reaching the app's reducer
  to the assistant message's final render;
- ``open``: with a long thread in the local cache, select it; time to its first screen and
  RSS growth, then scroll up for a while (messages/s, RSS), then go to the first message.

The hooks into Threadline's widgets are the functions under "Hooks": a new renderer that
changes the message view's seam only needs those updated.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from bench.inputs.tokens import request
from bench.tui.probe import Probe, rss_mb
from bench.tui.spec import SIZE, StreamResult, StreamSpec, TokenCounter

READY_TIMEOUT = 60.0

# --- Hooks: where the benchmark reads Threadline's widgets ------------------------------


class StreamWatch:
    """When the first token reached the app, how much text the live message holds, and
    when its final render was done.

    - first token: the first message delta the reducer applies (``RunState.apply``, the
      core's single entry for events), so time the app spends before the view sees the
      text counts, as it does for the stock app from its first ``write``;
    - text held: ``AssistantMessage.start`` / ``feed`` (the view's streaming seam; a view
      created mid-stream starts from the reducer's snapshot and skips what it holds);
    - done: ``AssistantMessage.finish`` returned (the final render has been awaited).
    """

    def __init__(self, on_first: Callable[[], None]) -> None:
        from threadline.api import MessageDeltaEvent
        from threadline.core.run_state import RunState
        from threadline.tui.widgets.message_view import AssistantMessage

        self.chars = 0
        self.finished = asyncio.Event()
        self.first = asyncio.Event()
        watch = self
        apply = RunState.apply
        start, feed, finish = AssistantMessage.start, AssistantMessage.feed, AssistantMessage.finish

        def watched_apply(self: RunState, event: Any) -> Any:
            if not watch.first.is_set() and isinstance(event, MessageDeltaEvent):
                watch.first.set()
                on_first()
            return apply(self, event)

        async def watched_start(self: AssistantMessage, snapshot: str) -> None:
            watch.chars = max(watch.chars, len(snapshot))
            await start(self, snapshot)

        async def watched_feed(self: AssistantMessage, fragment: str, offset: int) -> None:
            watch.chars = max(watch.chars, offset + len(fragment))
            await feed(self, fragment, offset)

        async def watched_finish(self: AssistantMessage, message: Any) -> None:
            await finish(self, message)
            watch.finished.set()

        RunState.apply = watched_apply  # type: ignore[method-assign]
        AssistantMessage.start = watched_start  # type: ignore[method-assign]
        AssistantMessage.feed = watched_feed  # type: ignore[method-assign]
        AssistantMessage.finish = watched_finish  # type: ignore[method-assign]


def connected(app: Any) -> bool:
    """The session is open, the backend connected, and nothing is loading any more (a
    message sent while the thread's newest page replaces the cached one can be lost)."""
    if not (app.main.messages.online and app.main.conversation is not None):
        return False
    return all(worker.is_finished for worker in app.workers)


def diagnose(app: Any) -> str:
    """What the screen says, for an error message when a step never happens."""
    main = app.main
    notes = "; ".join(str(n.message) for n in app._notifications)
    return (
        f"thread={main.thread_id} composer={main.composer.text!r} "
        f"read_only={main.composer.read_only} run={main.status.run!r} "
        f"problem={main.status.problem!r} notifications={notes!r}"
    )


def send(app: Any, text: str) -> None:
    composer = app.main.composer
    composer.focus()
    composer.load_text(text)
    composer.action_send()


def shown_message_ids(app: Any) -> set[str]:
    from threadline.tui.widgets.message_view import MessageView

    return {view.message_id for view in app.main.messages.query(MessageView)}


def select_thread(app: Any, thread_id: str) -> None:
    from threadline.tui.widgets.thread_list import ThreadList

    threads = app.main.threads
    threads.post_message(ThreadList.ThreadSelected(threads, thread_id))


def scroll_up(app: Any) -> None:
    """Scroll the conversation to the top of what is mounted (as dragging the scrollbar
    there does): each time, the next older batch is mounted above."""
    app.main.messages.scroll_home(animate=False)


def go_to_first(app: Any) -> None:
    """What the home key does with the conversation focused: go to the thread's first
    message (mounting it, not everything in between)."""
    app.main.messages.action_scroll_home()


# --- Profiling: BENCH_PROFILE=FILE profiles the streaming window with pyinstrument ------


def _profiler() -> Any:
    if not os.environ.get("BENCH_PROFILE"):
        return None
    from pyinstrument import Profiler

    return Profiler(interval=0.001, async_mode="disabled")


def _write_profile(profiler: Any) -> None:
    path = os.environ["BENCH_PROFILE"]
    with open(path, "w", encoding="utf-8") as out:
        out.write(profiler.output_text(unicode=True, show_all=False))
    # The session too, for other views: pyinstrument --load=FILE.pyisession -r text --show-all
    profiler.last_session.save(path + ".pyisession")


# --- Scenarios --------------------------------------------------------------------------


async def until(check: Callable[[], bool], what: str, seconds: float = READY_TIMEOUT) -> None:
    """Poll ``check`` (cheap, 100 times a second) until it holds."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"waited {seconds:g} s for {what}")
        await asyncio.sleep(0.01)


async def stream(spec: StreamSpec, wait_for: str | None, probe: Probe, pilot: Pilot[Any]) -> None:
    app = pilot.app
    probe.install_driver_hooks()
    deltas = spec.deltas()
    profiler = _profiler()

    def first_token() -> None:
        probe.start()
        if profiler is not None:
            profiler.start()

    watch = StreamWatch(first_token)
    await until(lambda: connected(app), "the backend to connect")
    if wait_for is not None:
        await until(lambda: wait_for in shown_message_ids(app), "the thread")
    await app.screen.wait_for_refresh()
    send(app, request(spec.tokens, spec.code))
    try:
        await asyncio.wait_for(watch.first.wait(), READY_TIMEOUT)
    except TimeoutError:
        raise TimeoutError(f"no text {READY_TIMEOUT:g} s after sending: {diagnose(app)}") from None
    try:
        await asyncio.wait_for(watch.finished.wait(), spec.budget)
    except TimeoutError:
        pass
    else:
        await app.screen.wait_for_refresh()
    window = probe.stop()
    if profiler is not None:
        profiler.stop()
        _write_profile(profiler)
    done = TokenCounter(deltas).tokens_in(watch.chars)
    finished = watch.finished.is_set()
    result = StreamResult(
        spec.tokens,
        spec.tokens if finished else done,
        window.seconds,
        window.cpu,
        window.frames,
        window.bytes,
        not finished,
        rss_mb(),
    )
    await probe.settle()
    probe.result(**result.as_dict())
    app.exit()


async def open_thread(target: dict[str, Any], probe: Probe, pilot: Pilot[Any]) -> None:
    """Select the long thread; the parent types F12 when it sees its newest text on the
    terminal. Then scroll up for ``scroll_seconds`` (counting the messages that came into
    view), then go to the first message; the parent types F12 again when it sees it."""
    app = pilot.app
    await until(lambda: connected(app), "the backend to connect")
    await app.screen.wait_for_refresh()
    before = rss_mb()
    probe.send("select", at=time.monotonic())
    select_thread(app, target["thread_id"])
    await until(lambda: len(probe.keys) >= 1, "the thread's first screen")
    after_open = rss_mb()

    seen = set(shown_message_ids(app))
    opened = len(seen)
    started = time.monotonic()
    # (A short thread can show its first message before the time is up: then that is it.)
    while time.monotonic() - started < float(target["scroll_seconds"]) and len(probe.keys) < 2:
        scroll_up(app)
        await app.screen.wait_for_refresh()
        seen |= shown_message_ids(app)
        await asyncio.sleep(0.005)
    scrolled = time.monotonic() - started
    after_scroll = rss_mb()

    budget = float(target["budget"])
    started = time.monotonic()
    probe.send("scroll", at=started)
    while len(probe.keys) < 2 and time.monotonic() - started < budget:
        go_to_first(app)
        await app.screen.wait_for_refresh()
        await asyncio.sleep(0.005)
    probe.result(
        rss_before=before,
        rss_open=after_open,
        rss_scroll=after_scroll,
        scrolled_messages=len(seen) - opened,
        scrolled_seconds=scrolled,
        rss_top=rss_mb(),
        top_reached=len(probe.keys) >= 2,
        mounted=len(shown_message_ids(app)),
    )
    app.exit()


def main(argv: list[str]) -> int:
    mode, payload = argv[0], json.loads(argv[1])
    import threadline.tui.app as tui_app
    from threadline.cli import main as threadline_main

    original_run = tui_app.ThreadlineApp.run
    headless = bool(payload.get("headless", True))

    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        probe = Probe(self)

        async def pilot(p: Pilot[Any]) -> None:
            if mode == "stream":
                await stream(StreamSpec.loads(argv[1]), payload.get("last_message_id"), probe, p)
            else:
                await open_thread(payload, probe, p)

        return original_run(
            self, headless=headless, size=SIZE if headless else None, auto_pilot=pilot
        )

    tui_app.ThreadlineApp.run = run  # type: ignore[method-assign]
    return threadline_main([])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
