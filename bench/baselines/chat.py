"""Baseline (a): a minimal stock chat app streaming into one ``Markdown`` message.

The three-pane layout of :mod:`bench.baselines.three_pane`, optionally with earlier
messages (one ``Markdown`` widget each, all mounted), then the user's request and the live
reply: deltas go to stock ``Markdown.get_stream()`` / ``MarkdownStream`` one ``write`` at a
time, and the scroll view is anchored. No final full ``update()``: that would only add cost.

Run by the parent as ``python -m bench.baselines.chat SPEC_JSON`` under a pty; see
:mod:`bench.tui.spec` for the spec and the result.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import Any

from textual.await_complete import AwaitComplete
from textual.containers import VerticalScroll
from textual.pilot import Pilot
from textual.widgets import Markdown

from bench.baselines.three_pane import ThreePane
from bench.inputs.thread import messages, thread_titles
from bench.inputs.tokens import request
from bench.tui.probe import Probe, rss_mb
from bench.tui.spec import SIZE, StreamResult, StreamSpec, TokenCounter


class LiveBody(Markdown):
    """Stock ``Markdown``; only counts what ``MarkdownStream`` has appended so far."""

    def __init__(self, total_chars: int) -> None:
        super().__init__()
        self.total_chars = total_chars
        self.rendered = 0
        self.done = asyncio.Event()

    def append(self, markdown: str) -> AwaitComplete:
        inner = super().append(markdown)

        async def counted() -> None:
            await inner
            self.rendered += len(markdown)
            if self.rendered >= self.total_chars:
                self.done.set()

        return AwaitComplete(counted())


async def stream(spec: StreamSpec, probe: Probe, pilot: Pilot[Any]) -> None:
    app = pilot.app
    probe.install_driver_hooks()
    deltas = spec.deltas()
    total = sum(len(t) for t in deltas)
    view = app.query_one("#messages", VerticalScroll)
    await app.screen.wait_for_refresh()
    body = LiveBody(total)
    await view.mount(body)
    live = Markdown.get_stream(body)
    await app.screen.wait_for_refresh()

    probe.start()
    started = time.monotonic()
    deadline = started + spec.budget
    for index, delta in enumerate(deltas):
        if spec.pace:
            delay = started + index / spec.pace - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        await live.write(delta)
        if time.monotonic() > deadline:
            break
    try:
        await asyncio.wait_for(body.done.wait(), max(0.0, deadline - time.monotonic()))
    except TimeoutError:
        pass
    else:
        await app.screen.wait_for_refresh()
    window = probe.stop()
    done = TokenCounter(deltas).tokens_in(body.rendered)
    result = StreamResult(
        spec.tokens,
        done,
        window.seconds,
        window.cpu,
        window.frames,
        window.bytes,
        done < spec.tokens,
        rss_mb(),
    )
    await probe.settle()
    probe.result(**result.as_dict())
    app.exit()


def main(argv: list[str]) -> None:
    spec = StreamSpec.loads(argv[0])
    earlier = [text for _, text in messages(spec.earlier)]
    app = ThreePane(thread_titles(1), [*earlier, request(spec.tokens, spec.code)])
    probe = Probe(app)

    async def pilot(p: Pilot[Any]) -> None:
        await stream(spec, probe, p)

    app.run(headless=spec.headless, size=SIZE if spec.headless else None, auto_pilot=pilot)


if __name__ == "__main__":
    main(sys.argv[1:])
