"""Thread export: Markdown and JSON both carry the thread's text; nothing hostile survives."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from threadline.api import iter_sse
from threadline.cli.export_run import export

from ..conftest import CONFORMANCE
from .fake_api import FakeAPI, ok, page

SEARCH = (CONFORMANCE / "streams" / "openai-dotnet-FileSearchStreamingWorks-1.sse").read_bytes()


def last_of(event: str) -> dict[str, Any]:
    return [json.loads(e.data) for e in iter_sse([SEARCH]) if e.event == event][-1]


class FakeBackend:
    def __init__(self, api: FakeAPI) -> None:
        self.client = api.client()
        self.label = "fake"

    async def aclose(self) -> None:
        await self.client.aclose()


def fake_api() -> tuple[FakeAPI, dict[str, Any], list[dict[str, Any]]]:
    run = last_of("thread.run.completed")
    steps = [
        json.loads(e.data) for e in iter_sse([SEARCH]) if e.event == "thread.run.step.completed"
    ]
    answer = last_of("thread.message.completed")
    thread_id = run["thread_id"]
    question = {
        "id": "msg_user",
        "object": "thread.message",
        "created_at": answer["created_at"] - 5,
        "thread_id": thread_id,
        "role": "user",
        "run_id": None,
        "assistant_id": None,
        "metadata": {},
        "content": [
            {
                "type": "text",
                "text": {
                    "value": "What's Filip's favourite food?\x1b]52;c;eA==\x07",
                    "annotations": [],
                },
            }
        ],
    }
    api = FakeAPI()
    api.route(
        "GET",
        r"/threads/(\w+)",
        ok({"id": thread_id, "object": "thread", "created_at": 1, "metadata": {"title": "Food"}}),
    )
    api.route("GET", r"/threads/(\w+)/messages", ok(page([question, answer])))
    api.route("GET", r"/threads/(\w+)/runs", ok(page([run])))
    api.route("GET", r"/threads/(\w+)/runs/(\w+)/steps", ok(page(steps)))
    return api, run, [question, answer]


async def run_export(fmt: str, **kwargs: Any) -> tuple[int, str, str]:
    api, run, _ = fake_api()
    out, err = io.StringIO(), io.StringIO()

    async def factory(_profile: Any) -> FakeBackend:
        return FakeBackend(api)

    code = await export(
        run["thread_id"],
        profile_name=None,
        fmt=fmt,
        out=out,
        err=err,
        backend_factory=factory,
        **kwargs,
    )
    return code, out.getvalue(), err.getvalue()


async def test_markdown_has_every_message_text_with_citations_as_footnotes() -> None:
    code, text, _ = await run_export("md")
    assert code == 0
    assert text.startswith("# Food\n")
    assert "## You · " in text and "## Assistant · " in text
    assert "What's Filip's favourite food?" in text
    assert "Filip's favorite food is cake[^1]." in text
    assert "[^1]: file_citation file-CyHtsk7XAWdRabQUBYRjCu" in text
    assert "\x1b" not in text and "\x07" not in text


async def test_json_round_trips_messages_runs_and_steps() -> None:
    code, text, _ = await run_export("json")
    _, run, messages = fake_api()
    document = json.loads(text)
    assert code == 0 and document["format"] == "threadline.thread-export/1"
    assert [m["id"] for m in document["messages"]] == ["msg_user", messages[1]["id"]]
    assert document["messages"][1] == messages[1]
    assert (
        document["messages"][0]["content"][0]["text"]["value"] == "What's Filip's favourite food?"
    )
    (exported_run,) = document["runs"]
    assert exported_run["id"] == run["id"] and len(exported_run["steps"]) == 2


async def test_output_file_is_private(tmp_path: Path) -> None:
    target = tmp_path / "thread.md"
    code, stdout, err = await run_export("md", output=str(target))
    assert code == 0 and stdout == "" and "wrote" in err
    assert target.stat().st_mode & 0o777 == 0o600
    assert "Filip's favorite food is cake" in target.read_text()
