"""The streaming assistant message: every character once, escapes removed across fragments."""

from __future__ import annotations

from textual.app import App, ComposeResult

from threadline.api import Message
from threadline.tui.clock import Clock
from threadline.tui.live import delta_text
from threadline.tui.widgets.message_view import AssistantMessage

from .fakes import NOW, event, message_dict


class OneMessage(App[None]):
    def compose(self) -> ComposeResult:
        yield AssistantMessage("msg_1", NOW, "assistant", Clock.fixed(NOW))


def final(text: str) -> Message:
    return Message.model_validate(message_dict("msg_1", "thread_1", "assistant", text))


async def test_a_view_started_mid_stream_skips_what_its_snapshot_holds() -> None:
    app = OneMessage()
    async with app.run_test() as pilot:
        view = app.query_one(AssistantMessage)
        await view.start("Hello wor")  # the reducer already held these characters
        await view.feed("wor", 6)  # queued before the view existed: skipped
        await view.feed("ld", 9)
        await view.feed("world", 6)  # a repeat: nothing new
        await view.feed("!", 11)
        await view.catch_up("Hello world! Bye")  # what the reducer has, deltas or not
        await pilot.pause()
        assert view.body.source == "Hello world! Bye"
        await view.finish(final("Hello world! Bye"))
        await pilot.pause()
        assert not view.streaming
        assert view.body.source == "Hello world! Bye"


async def test_an_escape_sequence_split_across_fragments_never_shows() -> None:
    app = OneMessage()
    async with app.run_test() as pilot:
        view = app.query_one(AssistantMessage)
        raw = (
            "Hi \x1b]52;c;aGVsbG8=\x07there \x1b[2J\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\ done"
        )
        offset = 0
        for cut in (5, 9, 14, 17, 22, 30, 41, 44, len(raw)):
            await view.feed(raw[offset:cut], offset)
            offset = cut
        await pilot.pause()
        assert view.body.source == "Hi there link done"
        assert "\x1b" not in view.body.source


async def test_the_final_render_is_the_servers_text_with_citations() -> None:
    app = OneMessage()
    async with app.run_test() as pilot:
        view = app.query_one(AssistantMessage)
        await view.feed("Rome【1†a】", 0)
        done = Message.model_validate(
            message_dict(
                "msg_1",
                "thread_1",
                "assistant",
                "",
                content=[
                    {
                        "type": "text",
                        "text": {
                            "value": "Rome【1†a】",
                            "annotations": [
                                {
                                    "type": "file_citation",
                                    "text": "【1†a】",
                                    "file_citation": {"file_id": "file-a"},
                                }
                            ],
                        },
                    }
                ],
            )
        )
        await view.finish(done)
        await pilot.pause()
        assert view.body.source == "Rome[1]"
        assert "[1] file-a" in str(view.query_one(".notes").render())


def test_delta_text_joins_the_text_parts_only() -> None:
    delta = event(
        "thread.message.delta",
        {
            "id": "msg_1",
            "delta": {
                "content": [
                    {"index": 0, "type": "text", "text": {"value": "a"}},
                    {"index": 1, "type": "image_file", "image_file": {"file_id": "f"}},
                    {"index": 2, "type": "text", "text": {"value": "b"}},
                ]
            },
        },
    )
    assert delta_text(delta) == "ab"  # type: ignore[arg-type]
