"""Figure 5: SSE parsing plus state reduction, events/s, against the openai SDK's path.

Threadline: ``threadline.api.SSEDecoder`` -> ``parse_event`` -> ``RunState.apply``.
Baseline: what ``client.beta.threads.runs.stream()`` does per event in openai 3.54.0, that is
``openai._streaming.SSEDecoder`` -> ``json.loads`` -> ``construct_type`` into
``AssistantStreamEvent`` -> ``accumulate_event`` and ``accumulate_run_step`` (the
``AssistantEventHandler`` bookkeeping, without its callbacks or HTTP).

Both read the same chunks of the same recordings. The goal row is events per second of this
thread's CPU time, which a busy machine disturbs far less than wall time; wall time is shown
too.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any

from bench.inputs.recordings import Stream, repeated
from bench.model import Case, Figure, Metric, Options, Sample, ratio_at_least

FULL_EVENTS = 100_000
QUICK_EVENTS = 500

CPU = Metric("5.cpu", "parse+reduce", "events/CPU s", ratio_at_least(3))
WALL = Metric("5.wall", "parse+reduce, wall", "events/s")


def threadline_pass(streams: list[Stream]) -> int:
    from threadline.api import SSEDecoder, parse_event
    from threadline.core.run_state import RunState

    count = 0
    for stream in streams:
        decoder = SSEDecoder()
        state = RunState()
        for chunk in stream.chunks:
            for sse in decoder.feed(chunk):
                state.apply(parse_event(sse.event, sse.data))
                count += 1
        for sse in decoder.end():
            state.apply(parse_event(sse.event, sse.data))
            count += 1
    return count


def sdk_pass(streams: list[Stream]) -> int:
    from openai._models import construct_type
    from openai._streaming import SSEDecoder
    from openai.lib.streaming._assistants import accumulate_event, accumulate_run_step
    from openai.types.beta import AssistantStreamEvent

    count = 0
    for stream in streams:
        snapshot: Any = None
        steps: dict[str, Any] = {}
        for sse in SSEDecoder().iter_bytes(iter(stream.chunks)):
            count += 1
            if sse.data.startswith("[DONE]"):
                break  # as openai._streaming.Stream.__stream__ does
            event: Any = construct_type(
                type_=AssistantStreamEvent, value={"data": sse.json(), "event": sse.event}
            )
            snapshot, _ = accumulate_event(event=event, current_message_snapshot=snapshot)
            accumulate_run_step(event=event, run_step_snapshots=steps)
    return count


def _warm(run: Callable[[list[Stream]], int], streams: list[Stream]) -> None:
    """One unmeasured pass over a few streams: imports, pydantic's and the SDK's caches."""
    counted, want = run(streams), sum(s.events for s in streams)
    if counted != want:
        raise RuntimeError(f"{run.__name__} saw {counted} events, not {want}")


def _timed(run: Callable[[list[Stream]], int], streams: list[Stream], warm: set[str]) -> Sample:
    if run.__name__ not in warm:
        _warm(run, streams[:8])
        warm.add(run.__name__)
    gc.collect()
    wall, cpu = time.perf_counter(), time.thread_time()
    events = run(streams)
    cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    return Sample({CPU.key: events / cpu, WALL.key: events / wall})


def cases(options: Options) -> list[Case]:
    streams = repeated(QUICK_EVENTS if options.quick else FULL_EVENTS)
    events = sum(s.events for s in streams)
    warm: set[str] = set()
    return [
        Case(
            f"{events:,} events",
            (CPU, WALL),
            threadline=lambda: _timed(threadline_pass, streams, warm),
            baseline=lambda: _timed(sdk_pass, streams, warm),
        )
    ]


FIGURE = Figure("5", "sse", "SSE parsing plus state reduction (conformance recordings)", cases)
