"""`threadline replay FILE --json`: the reducer's final state, and clear errors for bad input."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from threadline.cli import main

from ..conftest import STREAMS


@pytest.mark.parametrize("path", STREAMS, ids=lambda p: p.stem)
def test_replay_json_prints_api_shaped_final_state(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["replay", str(path), "--json"]) == 0
    state = json.loads(capsys.readouterr().out)
    assert set(state) == {"thread", "runs", "steps", "messages", "errors", "unknown_events"}
    assert state["errors"] == [] and state["unknown_events"] == 0
    assert all(r["object"] == "thread.run" for r in state["runs"])
    assert all(s["object"] == "thread.run.step" for s in state["steps"])
    assert all(m["object"] == "thread.message" for m in state["messages"])
    if "ToolCall" in path.name and path.name.endswith("-1.sse"):
        assert state["thread"]["object"] == "thread"
        assert state["runs"][0]["status"] == "requires_action"


def test_replay_reads_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(STREAMS[0].read_bytes())))
    assert main(["replay", "-", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["messages"][0]["role"] == "assistant"


def test_replay_summary_without_json(capsys: pytest.CaptureFixture[str]) -> None:
    path = next(p for p in STREAMS if "FileSearchStreamingWorks-1" in p.name)
    assert main(["replay", str(path)]) == 0
    out = capsys.readouterr().out
    assert "completed" in out and "Filip's favorite food is cake" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"  \n\n", "empty"),
        (b'{"not": "sse"}\n', "not an SSE stream"),
        (b"hello world", "not an SSE stream"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str
) -> None:
    path = tmp_path / "capture.sse"
    path.write_bytes(content)
    assert main(["replay", str(path), "--json"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "capture.sse" in err
    assert "Traceback" not in err


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(tmp_path / "nope.sse")]) == 2
    assert "nope.sse: no such file" in capsys.readouterr().err


def test_summary_sanitises_hostile_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    message = {
        "id": "m",
        "object": "thread.message",
        "role": "assistant",
        "content": [
            {
                "type": "text",
                "text": {"value": "hi\x1b]52;c;ZXZpbA==\x07\x1b[2J there", "annotations": []},
            }
        ],
    }
    path = tmp_path / "evil.sse"
    path.write_text(f"event: thread.message.completed\ndata: {json.dumps(message)}\n\n")
    assert main(["replay", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "hi there" in out
