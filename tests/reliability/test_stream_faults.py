"""Real faults on real sockets: ``threadline send`` through a proxy that cuts, resets, stalls
or drips the streamed response, against ``threadline serve``'s server.

What a fault may cost is time, never a duplicate or a lost word: after each one the thread
on the server holds one user and one assistant message for the turn and one run, the
create was POSTed once, and stdout holds the whole reply exactly once.

A fault before the first event of a *new* thread is the one case that cannot be recovered:
the server has acted (it answers 200 only after creating the run) but nothing has told the
client which thread it made, and the API cannot list threads. ``send`` then exits 4 with a
message saying the request was accepted and not sent again. On an existing thread the run
is found (the thread's newest run) and followed like any other lost stream.
"""

from __future__ import annotations

import asyncio
import functools
import os
import re
import sys
from pathlib import Path

import pytest

from threadline.core import session
from threadline.core.driver import PollPolicy

from .conftest import (
    Served,
    count_rows,
    local_threads,
    proxied,
    run_send,
    serving,
    thread_contents,
)
from .proxy import Canned, Fault, FaultProxy, api_error

TEXT = "stream 30 tokens"
FIRST_DELTA = b"event: thread.message.delta"
RUN_CREATED = b"event: thread.run.created"
TOOL_TEXT = "What is the weather in Paris? Use get_weather."


def polled(proxy: FaultProxy) -> bool:
    """Whether the client read a run back: the recovery after a lost stream."""
    return any(r.method == "GET" and "/runs/run_" in r.path for r in proxy.requests)


async def test_without_a_fault_the_reply_streams_once(served: Served) -> None:
    async with proxied(served, None, idle=5) as proxy:  # a busy machine is no fault
        sent = await run_send(TEXT)
    assert (sent.code, sent.err) == (0, "")
    (thread_id,) = await local_threads()
    contents = await thread_contents(served, thread_id)
    assert contents.roles() == ["user", "assistant"]
    assert len(contents.runs) == 1
    assert sent.out == contents.text() + "\n"
    assert "-- end of 30 tokens --" in sent.out
    assert len(proxy.posts("/runs")) == 1
    assert not polled(proxy)


async def test_send_leaves_no_connection_open(served: Served) -> None:
    """The remote client's connections close when ``send`` ends, not when collected."""
    async with proxied(served, None) as proxy:
        sent = await run_send(TEXT)
        assert sent.code == 0
        await asyncio.wait_for(proxy.all_closed.wait(), 5)


FAULTS = {
    "cut-mid-reply": Fault("cut", FIRST_DELTA),
    "reset-mid-reply": Fault("reset", FIRST_DELTA),
    "stall-mid-reply": Fault("stall", FIRST_DELTA),
    "cut-before-run-created": Fault("cut", RUN_CREATED),
    "reset-before-run-created": Fault("reset", RUN_CREATED),
    "stall-before-run-created": Fault("stall", RUN_CREATED),
    "cut-after-200-bytes": Fault("cut", 200),
    "reset-after-1000-bytes": Fault("reset", 1000),
    "stall-after-3000-bytes": Fault("stall", 3000),
}


@pytest.mark.parametrize("fault", FAULTS.values(), ids=FAULTS.keys())
async def test_a_lost_stream_is_followed_to_the_end(served: Served, fault: Fault) -> None:
    async with proxied(served, fault) as proxy:
        sent = await run_send(TEXT)
    assert proxy.triggered.is_set()
    assert sent.code == 0, sent.err
    assert polled(proxy)
    (thread_id,) = await local_threads()
    contents = await thread_contents(served, thread_id)
    assert contents.roles() == ["user", "assistant"]
    assert [run["status"] for run in contents.runs] == ["completed"]
    assert sent.out == contents.text() + "\n"
    assert len(proxy.posts("/runs")) == 1


@pytest.mark.parametrize("at", [0, FIRST_DELTA], ids=["from-the-start", "from-the-reply"])
async def test_a_dripped_stream_needs_no_recovery(served: Served, at: int | bytes) -> None:
    """One byte per write for 1500 bytes (events split everywhere), then the rest."""
    async with proxied(served, Fault("drip", at, drip_bytes=1500), idle=5) as proxy:
        sent = await run_send(TEXT)
    assert sent.code == 0, sent.err
    assert proxy.triggered.is_set()
    assert not polled(proxy)
    (thread_id,) = await local_threads()
    contents = await thread_contents(served, thread_id)
    assert contents.roles() == ["user", "assistant"]
    assert sent.out == contents.text() + "\n"


async def test_a_lost_stream_of_a_run_still_going_is_polled_until_it_ends(
    tmp_path: Path,
) -> None:
    """At 150 tokens/s the run is mid-reply when the stream breaks: polling waits it out."""
    async with serving(tmp_path / "slow", speed=150) as served:
        async with proxied(served, Fault("reset", FIRST_DELTA)) as proxy:
            sent = await run_send("stream 40 tokens")
        (thread_id,) = await local_threads()
        contents = await thread_contents(served, thread_id)
    assert sent.code == 0, sent.err
    run_reads = [r for r in proxy.requests if r.method == "GET" and r.path.split("?")[0].endswith(
        contents.runs[0]["id"]
    )]  # fmt: skip
    assert len(run_reads) >= 2  # in progress at first, then completed
    assert contents.roles() == ["user", "assistant"]
    assert sent.out == contents.text() + "\n"
    assert sent.out.endswith("-- end of 40 tokens --\n")


@pytest.mark.parametrize("kind", ["cut", "reset", "stall"])
async def test_on_an_existing_thread_a_stream_lost_before_any_event_is_found(
    served: Served, kind: str
) -> None:
    async with proxied(served, None):
        first = await run_send("hello")
    (thread_id,) = await local_threads()
    async with proxied(served, Fault(kind, 0)) as proxy:  # type: ignore[arg-type]
        sent = await run_send(TEXT, thread_id=thread_id)
    assert proxy.triggered.is_set() and proxy.body_forwarded == 0
    assert sent.code == 0, sent.err
    contents = await thread_contents(served, thread_id)
    assert contents.roles() == ["user", "assistant"] * 2
    assert [run["status"] for run in contents.runs] == ["completed", "completed"]
    assert first.out + sent.out == "".join(
        "".join(b["text"]["value"] for b in m["content"]) + "\n"
        for m in contents.messages
        if m["role"] == "assistant"
    )
    assert len(proxy.posts("/runs")) == 1


@pytest.mark.parametrize(
    ("fault", "says"),
    [
        (Fault("cut", 0), "the server accepted the request, so it was not sent again"),
        (Fault("reset", 0), "the server accepted the request, so it was not sent again"),
        (Fault("stall", 0), "the server accepted the request, so it was not sent again"),
        (Fault("cut", None), "may have received the request, so it was not sent again"),
        (Fault("reset", None), "may have received the request, so it was not sent again"),
    ],
    ids=["cut-at-0", "reset-at-0", "stall-at-0", "cut-before-status", "reset-before-status"],
)
async def test_a_new_thread_lost_before_any_event_fails_without_a_duplicate(
    served: Served, fault: Fault, says: str
) -> None:
    """Nothing names the new thread, so it cannot be followed: exit 4, one clear line."""
    async with proxied(served, fault) as proxy:
        sent = await run_send(TEXT)
    assert proxy.triggered.is_set()
    assert sent.code == 4
    assert sent.out == ""
    assert sent.err.count("\n") == 1 and sent.err.startswith("threadline: error: ")
    assert says in sent.err
    assert len(proxy.posts("/runs")) == 1
    assert await local_threads() == []
    # The server did act, once: one thread, one run, one question, one answer.
    await served.store.sync()
    assert [await count_rows(served, t) for t in ("threads", "runs", "messages")] == [1, 1, 2]


@pytest.mark.parametrize(
    "fault",
    [Fault("reset", FIRST_DELTA, stream=2), Fault("cut", 0, stream=2), Fault("stall", 0, stream=2)],
    ids=["reset-mid-reply", "cut-at-0", "stall-at-0"],
)
async def test_the_stream_after_tool_outputs_is_recovered_too(served: Served, fault: Fault) -> None:
    async with proxied(served, fault) as proxy:
        sent = await run_send(TOOL_TEXT, tool_outputs={"get_weather": "sunny, 21 C"})
    assert proxy.triggered.is_set()
    assert sent.code == 0, sent.err
    assert "sunny, 21 C" in sent.out
    (thread_id,) = await local_threads()
    contents = await thread_contents(served, thread_id)
    assert contents.roles() == ["user", "assistant"]
    assert sent.out == contents.text() + "\n"
    assert len(proxy.posts("/runs")) == 1
    assert len(proxy.posts("/submit_tool_outputs")) == 1


async def test_send_as_a_process_survives_a_reset(served: Served) -> None:
    """The installed entry point, in its own process, through a reset mid-reply."""
    async with proxied(served, Fault("reset", FIRST_DELTA)) as proxy:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "threadline", "send", TEXT,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            env=os.environ.copy(),
        )  # fmt: skip
        out, err = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0, err.decode()
    assert proxy.triggered.is_set() and polled(proxy)
    (thread_id,) = await local_threads()
    contents = await thread_contents(served, thread_id)
    assert contents.roles() == ["user", "assistant"]
    assert out.decode() == contents.text() + "\n"
    assert len(proxy.posts("/runs")) == 1


@pytest.fixture
def quick_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Polls 20-50 ms apart, giving up after half a second of failures."""
    quick = functools.partial(PollPolicy, first=0.02, cap=0.05, give_up=0.5)
    monkeypatch.setattr(session, "PollPolicy", quick)


@pytest.mark.usefixtures("quick_polls")
async def test_a_server_away_for_a_few_polls_is_waited_for(served: Served) -> None:
    fault = Fault("cut", FIRST_DELTA, refuse_after=3)
    async with proxied(served, fault, max_retries=0) as proxy:
        sent = await run_send(TEXT)
    assert sent.code == 0, sent.err
    assert proxy.refused == 3
    (thread_id,) = await local_threads()
    contents = await thread_contents(served, thread_id)
    assert contents.roles() == ["user", "assistant"] and len(contents.runs) == 1
    assert sent.out == contents.text() + "\n"
    assert len(proxy.posts("/runs")) == 1


@pytest.mark.usefixtures("quick_polls")
async def test_a_server_gone_for_good_ends_send_instead_of_polling_forever(
    served: Served,
) -> None:
    fault = Fault("cut", FIRST_DELTA, refuse_after=10**6)
    async with proxied(served, fault, max_retries=0) as proxy:
        sent = await asyncio.wait_for(run_send(TEXT), 10)  # it used to poll forever
    assert sent.code == 4
    assert sent.err.count("\n") == 1
    assert re.match(
        r"threadline: error: lost the stream of run run_\w+, and the server did not answer "
        r"for \d+ s: connection to 127\.0\.0\.1:\d+ failed",
        sent.err,
    ), sent.err
    assert proxy.refused > 3
    assert len(proxy.posts("/runs")) == 1
    # The run went on without the client, once.
    assert [await count_rows(served, t) for t in ("runs", "messages")] == [1, 2]


async def test_a_run_the_server_no_longer_has_ends_send_at_once(served: Served) -> None:
    """Polling a run whose thread was deleted meanwhile: 404 will not go away by waiting."""
    canned = Canned(
        "GET",
        "/runs/run_",
        404,
        api_error("No thread found.", type="invalid_request_error"),
        times=10**6,
    )
    async with proxied(served, Fault("cut", FIRST_DELTA), [canned]) as proxy:
        sent = await asyncio.wait_for(run_send(TEXT), 10)  # it used to poll forever
    assert sent.code == 4
    assert "and the server refused: 404 Not Found: No thread found." in sent.err
    assert canned.times == 10**6 - 1  # asked once, not polled forever
    assert len(proxy.posts("/runs")) == 1
