"""Saved captures (``.sse`` with arrival times) and stepping a replay through the reducer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from threadline.api import SSEError, iter_sse
from threadline.cli import main
from threadline.core.capture import (
    NotAStreamError,
    TimedEvent,
    is_timed,
    read_capture,
    write_capture,
)
from threadline.core.driver import Update
from threadline.core.replay import Replay, parse_stream, replay
from threadline.core.store import CapturedEvent

from ..conftest import STREAMS


def test_a_capture_round_trips_names_data_and_arrival_times() -> None:
    events = [
        CapturedEvent(0.0, "thread.run.created", '{"id":"run_1","object":"thread.run"}'),
        CapturedEvent(0.125, "thread.message.delta", '{"id":"m","value":"é – ✓"}'),
        CapturedEvent(2.5, "odd", "first line\nsecond line"),
    ]
    data = write_capture(events)
    back = read_capture(data)
    assert [(e.at, e.event, e.data) for e in back] == [(e.at, e.event, e.data) for e in events]
    assert is_timed(back)


def test_any_sse_reader_sees_the_same_events_without_the_times() -> None:
    events = [TimedEvent(0.5, "thread.run.created", '{"id":"run_1"}'), TimedEvent(None, "x", "1")]
    plain = [(e.event, e.data, e.comments) for e in iter_sse([write_capture(events)])]
    assert plain == [("thread.run.created", '{"id":"run_1"}', ()), ("x", "1", ())]
    back = read_capture(write_capture(events))
    assert [e.at for e in back] == [0.5, None]
    assert not is_timed(back)


@pytest.mark.parametrize("path", STREAMS, ids=lambda p: p.stem)
def test_plain_sse_files_read_as_untimed_events(path: Path) -> None:
    data = path.read_bytes()
    events = read_capture(data)
    assert [(e.event, e.data) for e in events] == [(e.event, e.data) for e in iter_sse([data])]
    assert all(e.at is None for e in events)


def test_replay_json_is_the_same_with_or_without_the_times(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = next(p for p in STREAMS if "StreamingRunWorks-1" in p.name)
    timed = tmp_path / "timed.sse"
    raw = read_capture(source.read_bytes())
    timed.write_bytes(
        write_capture(TimedEvent(i * 0.01, e.event, e.data) for i, e in enumerate(raw))
    )
    assert main(["replay", str(source), "--json"]) == 0
    plain_out = capsys.readouterr().out
    assert main(["replay", str(timed), "--json"]) == 0
    assert capsys.readouterr().out == plain_out


@pytest.mark.parametrize(
    ("comment", "expected"),
    [
        ("threadline-at=1.5", 1.5),
        ("threadline-at=abc", None),
        ("threadline-at=-1", None),
        ("threadline-at=nan", None),
        ("something else", None),
    ],
)
def test_only_a_well_formed_time_counts(comment: str, expected: float | None) -> None:
    (event,) = read_capture(f": {comment}\nevent: e\ndata: 1\n\n".encode())
    assert event.at == expected


def test_comments_before_a_keepalive_do_not_leak_into_the_next_event() -> None:
    (event,) = read_capture(b": threadline-at=9\n\n: ping\n\nevent: e\ndata: 1\n\n")
    assert event.at is None


def test_comments_count_towards_the_event_size_bound() -> None:
    with pytest.raises(SSEError):
        list(iter_sse([b": " + b"x" * 100 + b"\ndata: 1\n\n"], 64, keep_comments=True))
    assert list(iter_sse([b": " + b"x" * 100 + b"\ndata: 1\n\n"], 64))  # dropped unless kept


@pytest.mark.parametrize(("data", "words"), [(b"", "empty"), (b"just text\n", "not an SSE stream")])
def test_bad_input_is_a_one_line_user_error(data: bytes, words: str) -> None:
    with pytest.raises(NotAStreamError, match=words) as info:
        read_capture(data, "cap.sse")
    assert "cap.sse" in str(info.value) and "\n" not in str(info.value)


# --- stepping a replay --------------------------------------------------------------------


@pytest.mark.parametrize("path", STREAMS, ids=lambda p: p.stem)
def test_stepping_to_the_end_is_the_whole_replay(path: Path) -> None:
    data = path.read_bytes()
    player = Replay.from_bytes(data)
    updates: list[Update] = []
    player.subscribe(updates.append)
    while player.step() is not None:
        pass
    assert player.state.to_json() == replay(parse_stream(data)).to_json()
    assert [u.kind for u in updates] == ["event"] * len(player) + ["finished"]
    assert [u.raw for u in updates[:-1]] == player.raw


@pytest.mark.parametrize("path", STREAMS, ids=lambda p: p.stem)
def test_back_then_forward_gives_the_same_state_at_every_position(path: Path) -> None:
    player = Replay.from_bytes(path.read_bytes())
    snapshots = []
    while True:
        snapshots.append(json.dumps(player.state.to_json()))
        if player.step() is None:
            break
    for position in range(len(player) - 1, -1, -1):
        assert player.seek(position) is True
        assert json.dumps(player.state.to_json()) == snapshots[position]
    for position in range(1, len(player) + 1):
        player.seek(position - 1)
        assert player.seek(position) is False
        assert json.dumps(player.state.to_json()) == snapshots[position]
    assert player.run_id == player.state.last_run_id and player.thread_id


def test_delays_follow_the_original_timing_and_never_go_negative() -> None:
    player = Replay(
        [TimedEvent(0.0, "a", "{}"), TimedEvent(0.25, "b", "{}"), TimedEvent(0.1, "c", "{}")]
    )
    assert [player.delay(i) for i in range(3)] == [0.0, 0.25, 0.0]
    assert Replay([TimedEvent(None, "a", "{}"), TimedEvent(None, "b", "{}")]).delay(1) == 0.0
