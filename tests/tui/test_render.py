"""What the views are given to show: citations, images, refusals, end states; all cleaned."""

from __future__ import annotations

from typing import Any

import pytest

from threadline.api import Message, Run
from threadline.tui.clock import Clock
from threadline.tui.render import error_line, message_parts, run_state_line

from .fakes import NOW, message_dict


def message(content: list[dict[str, Any]], **kw: Any) -> Message:
    return Message.model_validate(
        message_dict("msg_1", "thread_1", "assistant", "", content=content) | kw
    )


def run(status: str, **kw: Any) -> Run:
    return Run.model_validate({"id": "run_1", "status": status, **kw})


def test_citations_become_numbered_markers_with_the_file_id() -> None:
    parts = message_parts(
        message(
            [
                {
                    "type": "text",
                    "text": {
                        "value": "Rome【1†a】 and Paris【2†b】.",
                        "annotations": [
                            {
                                "type": "file_citation",
                                "text": "【1†a】",
                                "file_citation": {"file_id": "file-a"},
                            },
                            {
                                "type": "file_path",
                                "text": "【2†b】",
                                "file_path": {"file_id": "file-b"},
                            },
                            {"type": "some_new_kind", "text": "x"},
                        ],
                    },
                }
            ]
        )
    )
    assert parts.text == "Rome[1] and Paris[2]."
    assert [n.text for n in parts.notes] == ["[1] file-a", "[2] file-b (generated file)"]


def test_images_refusals_and_unknown_content_are_labelled_lines() -> None:
    parts = message_parts(
        message(
            [
                {"type": "image_file", "image_file": {"file_id": "file-img"}},
                {
                    "type": "image_url",
                    "image_url": {"url": "https://x.test/a.png\x1b]52;c;eA==\x07"},
                },
                {"type": "refusal", "refusal": "I can't [bold]help[/bold]."},
                {"type": "audio", "audio": {}},
            ]
        )
    )
    assert [n.text for n in parts.notes] == [
        "image: file file-img",
        "image: https://x.test/a.png",
        "refused: I can't [bold]help[/bold].",
        "(audio content not shown)",
    ]


def test_an_incomplete_message_says_why() -> None:
    parts = message_parts(
        message(
            [{"type": "text", "text": {"value": "Half", "annotations": []}}],
            status="incomplete",
            incomplete_details={"reason": "max_tokens"},
        )
    )
    assert parts.notes[-1].text == "incomplete: max_tokens"
    assert parts.notes[-1].kind == "incomplete"


def test_text_is_cleaned_of_escape_sequences() -> None:
    parts = message_parts(
        message(
            [
                {
                    "type": "text",
                    "text": {"value": "a\x1b[2Jb\x1b]0;title\x07c\u202ed", "annotations": []},
                }
            ]
        )
    )
    assert parts.text == "abc<U+202E>d"


@pytest.mark.parametrize(
    ("the_run", "css", "line"),
    [
        (
            run("completed", started_at=10, completed_at=13, usage={"total_tokens": 42}),
            "-completed",
            "completed in 3s · 42 tokens",
        ),
        (run("cancelled"), "-cancelled", "cancelled"),
        (run("expired"), "-expired", "expired before it finished"),
        (
            run("failed", last_error={"code": "rate_limit_exceeded", "message": "slow\ndown"}),
            "-failed",
            "failed: rate_limit_exceeded: slow down",
        ),
        (
            run("incomplete", incomplete_details={"reason": "max_completion_tokens"}),
            "-incomplete",
            "incomplete: max_completion_tokens",
        ),
        (
            run(
                "requires_action",
                required_action={
                    "type": "submit_tool_outputs",
                    "submit_tool_outputs": {
                        "tool_calls": [
                            {"id": "c1", "function": {"name": "get_weather", "arguments": "{}"}}
                        ]
                    },
                },
            ),
            "-requires-action",
            "waiting for tool output: get_weather",
        ),
        (run("in_progress"), "-running", "running…"),
        (run("some_future_status"), "-running", "some_future_status"),
    ],
)
def test_run_end_states(the_run: Run, css: str, line: str) -> None:
    assert run_state_line(the_run) == (css, line)


def test_a_stream_that_broke_after_acceptance_shows_the_error() -> None:
    assert error_line("failed", "stream lost\x1b[31m") == ("-failed", "failed: stream lost")


def test_clock_formats_for_today_this_year_and_older() -> None:
    clock = Clock.fixed(NOW)  # 2026-03-14 15:09 UTC
    assert clock.stamp(NOW - 600) == "14:59"
    assert clock.stamp(NOW - 9 * 86400) == "Mar 5 15:09"
    assert clock.stamp(NOW - 400 * 86400) == "2025-02-07"
    assert [clock.ago(NOW - s) for s in (5, 300, 7200, 3 * 86400, 30 * 86400)] == [
        "now",
        "5m",
        "2h",
        "3d",
        "Feb 12",
    ]
