"""Figure 6: the embedded server under load, through the real ``threadline serve``.

Each trial starts ``threadline serve`` (uvicorn on loopback, bearer token, a fresh store in a
temporary folder), then drives it from this process with httpx, reading the SSE bytes with
Threadline's decoder (events are counted, not parsed, so the client stays cheap):

- throughput: 10 clients each start a streamed run of "stream N tokens" at demo speed 0;
  aggregate events/s = all events received / wall time from the first request to the last
  stream's end. The server process's CPU share over that time is shown too.
- latency: 100 concurrent streamed runs at 60 tokens/s; the gaps between consecutive
  message deltas of each stream, as received, pooled; p99 and max.

There is no stock server to compare with, so the baseline column shows "—".
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.model import Case, Figure, Metric, Options, Sample, at_least, at_most
from bench.support.env import trial_dir
from bench.support.proc import cpu_seconds
from bench.support.serve import Served, serving

EVENTS = Metric("6.events", "server, 10 clients, speed 0", "events/s", at_least(20_000), False)
SERVER_CPU = Metric("6.cpu", "server CPU at speed 0", "% of a core", baseline=False)


def gap_metrics(runs: int) -> tuple[Metric, Metric]:
    label = f"server, {runs} runs at 60 tok/s, gap"
    return (
        Metric("6.gap_p99", f"{label} p99", "ms", at_most(100), baseline=False),
        Metric("6.gap_max", f"{label} max", "ms", baseline=False),
    )


@dataclass
class _Stream:
    events: int = 0
    delta_times: list[float] = field(default_factory=list)
    last_event: str = ""


async def _assistant_id(client: httpx.AsyncClient) -> str:
    response = await client.get("/assistants", params={"limit": 1})
    response.raise_for_status()
    return str(response.json()["data"][0]["id"])


async def _one_run(client: httpx.AsyncClient, assistant_id: str, text: str) -> _Stream:
    from threadline.api import SSEDecoder

    body: dict[str, Any] = {
        "assistant_id": assistant_id,
        "stream": True,
        "thread": {"messages": [{"role": "user", "content": text}]},
    }
    stream = _Stream()
    decoder = SSEDecoder()
    async with client.stream("POST", "/threads/runs", json=body) as response:
        if response.status_code != 200:
            await response.aread()
            raise RuntimeError(f"POST /threads/runs: {response.status_code} {response.text[:300]}")
        async for chunk in response.aiter_raw():
            now = time.perf_counter()
            for sse in decoder.feed(chunk):
                stream.events += 1
                stream.last_event = sse.event
                if sse.event == "thread.message.delta":
                    stream.delta_times.append(now)
    for sse in decoder.end():
        stream.events += 1
        stream.last_event = sse.event
    if stream.last_event != "done":
        raise RuntimeError(f"a stream ended with {stream.last_event!r}, not done")
    return stream


async def _runs(served: Served, runs: int, tokens: int) -> tuple[list[_Stream], float]:
    limits = httpx.Limits(max_connections=runs + 10, max_keepalive_connections=runs + 10)
    headers = {"Authorization": f"Bearer {served.token}"}
    async with httpx.AsyncClient(
        base_url=served.url, headers=headers, limits=limits, timeout=120.0
    ) as client:
        assistant_id = await _assistant_id(client)
        await _one_run(client, assistant_id, "stream 20 tokens")  # warm: imports, first run
        started = time.perf_counter()
        streams = await asyncio.gather(
            *(_one_run(client, assistant_id, f"stream {tokens} tokens") for _ in range(runs))
        )
        return list(streams), time.perf_counter() - started


def throughput_trial(root: Path, clients: int, tokens: int) -> Sample:
    with serving(root, demo_speed=0) as served:
        cpu = cpu_seconds(served.pid)
        streams, wall = asyncio.run(_runs(served, clients, tokens))
        cpu = cpu_seconds(served.pid) - cpu
    events = sum(s.events for s in streams)
    # The server's CPU includes the warm-up run: a small overstatement, on the safe side.
    return Sample({EVENTS.key: events / wall, SERVER_CPU.key: 100 * cpu / wall})


def gap_trial(root: Path, runs: int, tokens: int) -> Sample:
    with serving(root, demo_speed=60) as served:
        streams, _ = asyncio.run(_runs(served, runs, tokens))
    gaps = [
        (later - earlier) * 1000
        for s in streams
        for earlier, later in zip(s.delta_times, s.delta_times[1:], strict=False)
    ]
    if len(gaps) < 2:
        raise RuntimeError("too few deltas to measure gaps")
    p99 = statistics.quantiles(gaps, n=100, method="inclusive")[98]
    return Sample({"6.gap_p99": p99, "6.gap_max": max(gaps)})


def cases(options: Options) -> list[Case]:

    def fresh() -> Path:
        return trial_dir(options.workdir, "server")

    tokens, runs, run_tokens = (200, 20, 30) if options.quick else (20_000, 100, 300)
    return [
        Case(
            f"10 clients x {tokens} tokens",
            (EVENTS, SERVER_CPU),
            lambda: throughput_trial(fresh(), 10, tokens),
        ),
        Case(
            f"{runs} runs x {run_tokens} tokens",
            gap_metrics(runs),
            lambda: gap_trial(fresh(), runs, run_tokens),
        ),
    ]


FIGURE = Figure("6", "server", "the embedded server: throughput and event gaps", cases)
