"""``threadline send`` answers tool calls with --tool-output and ``approve = "always"``
handlers; a call nobody answers ends with exit code 3 and says which call and why."""

from __future__ import annotations

import io
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import tomli_w

from threadline.api import AssistantsClient, iter_sse
from threadline.cli import EXIT_OK, EXIT_RUN_INCOMPLETE, CLIError
from threadline.cli.send import parse_tool_outputs
from threadline.cli.send_run import send
from threadline.config import Profile

from ..conftest import CONFORMANCE
from ..core.fake_api import FakeAPI, ok, page, sse

STREAMS = CONFORMANCE / "streams"
FIRST = (STREAMS / "openai-dotnet-StreamingToolCall-1.sse").read_bytes()
SECOND = (STREAMS / "openai-dotnet-StreamingToolCall-2.sse").read_bytes()
CALL_ID = next(
    json.loads(e.data) for e in iter_sse([FIRST]) if e.event == "thread.run.requires_action"
)["required_action"]["submit_tool_outputs"]["tool_calls"][0]["id"]
ASSISTANT = {"id": "asst_1", "object": "assistant", "created_at": 0, "model": "m", "tools": []}


@dataclass
class FakeBackend:
    client: AssistantsClient
    label: str = "fake"

    async def aclose(self) -> None:
        await self.client.aclose()


@pytest.fixture
def api() -> FakeAPI:
    api = FakeAPI()
    api.route("GET", "/assistants", ok(page([ASSISTANT])))
    api.route("POST", "/threads/runs", sse(FIRST))
    api.route("POST", r"/threads/(\w+)/runs/(\w+)/submit_tool_outputs", sse(SECOND))
    api.route("GET", r"/threads/(\w+)/messages", ok(page([])))
    return api


def write_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, config: dict[str, Any]) -> None:
    path = tmp_path / "config.toml"
    path.write_text(tomli_w.dumps(config))
    os.chmod(path, 0o600)
    monkeypatch.setenv("THREADLINE_CONFIG", str(path))


def handler(tmp_path: Path, body: str, approve: str, name: str = "weather") -> dict[str, Any]:
    script = tmp_path / f"{name}.py"
    script.write_text(body)
    return {"command": [sys.executable, "-I", "-S", str(script)], "approve": approve}


async def run_send(api: FakeAPI, **kwargs: Any) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()

    async def factory(_profile: Profile) -> FakeBackend:
        return FakeBackend(api.client())

    code = await send(
        "What's the weather?",
        profile_name=None,
        out=out,
        err=err,
        backend_factory=factory,
        **kwargs,
    )
    return code, out.getvalue(), err.getvalue()


def submitted(api: FakeAPI) -> list[Any]:
    return [api.body(r)["tool_outputs"] for r in api.posts("/submit_tool_outputs")]


async def test_always_handler_answers_and_the_run_completes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, api: FakeAPI
) -> None:
    weather = handler(tmp_path, "import sys; sys.stdin.read(); print('21 C, sunny')", "always")
    write_config(tmp_path, monkeypatch, {"tools": {"get_current_weather": weather}})

    code, out, err = await run_send(api)

    assert code == EXIT_OK, err
    assert submitted(api) == [[{"tool_call_id": CALL_ID, "output": "21 C, sunny"}]]
    assert out.strip()  # the reply after the tool output was printed


async def test_tool_output_wins_over_the_handler(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, api: FakeAPI
) -> None:
    marker = tmp_path / "handler-ran"
    weather = handler(tmp_path, f"open({str(marker)!r}, 'w').close(); print('x')", "always")
    write_config(tmp_path, monkeypatch, {"tools": {"get_current_weather": weather}})

    code, _, err = await run_send(api, tool_outputs={"get_current_weather": "given"})

    assert code == EXIT_OK, err
    assert submitted(api) == [[{"tool_call_id": CALL_ID, "output": "given"}]]
    assert not marker.exists()


async def test_ask_handlers_are_not_run_and_the_call_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, api: FakeAPI
) -> None:
    marker = tmp_path / "handler-ran"
    weather = handler(tmp_path, f"open({str(marker)!r}, 'w').close(); print('x')", "ask")
    write_config(tmp_path, monkeypatch, {"tools": {"get_current_weather": weather}})

    code, _, err = await run_send(api)

    assert code == EXIT_RUN_INCOMPLETE
    assert not marker.exists()
    assert submitted(api) == []
    assert f"needs tool output: get_current_weather {{}} (call {CALL_ID})" in err
    assert 'its handler has approve = "ask", which send does not run' in err
    assert "answer with --tool-output get_current_weather=VALUE" in err
    assert "run requires_action" in err


async def test_unanswered_call_without_handler_exits_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, api: FakeAPI
) -> None:
    write_config(tmp_path, monkeypatch, {})

    code, _, err = await run_send(api)

    assert code == EXIT_RUN_INCOMPLETE
    assert submitted(api) == []
    assert "needs tool output: get_current_weather" in err


async def test_failing_handler_exits_3_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, api: FakeAPI
) -> None:
    weather = handler(tmp_path, "import sys; sys.exit('weather service down')", "always")
    write_config(tmp_path, monkeypatch, {"tools": {"get_current_weather": weather}})

    code, _, err = await run_send(api)

    assert code == EXIT_RUN_INCOMPLETE
    assert submitted(api) == []
    assert "handler failed: python" in err
    assert "exited with status 1: weather service down" in err


async def test_api_keys_are_not_in_the_handler_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, api: FakeAPI
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-parent-environment-key")
    monkeypatch.setenv("WORK_KEY", "sk-profile-env-key")
    env_dump = handler(tmp_path, "import json, os; print(json.dumps(dict(os.environ)))", "always")
    write_config(
        tmp_path,
        monkeypatch,
        {
            "default_profile": "work",
            "profiles": {
                "work": {
                    "backend": "remote",
                    "base_url": "http://fake.test/v1",
                    "api_key_env": "WORK_KEY",
                },
                "other": {
                    "backend": "remote",
                    "base_url": "http://x.test/v1",
                    "api_key": "sk-profile-literal",
                },
            },
            "tools": {"get_current_weather": env_dump},
        },
    )

    code, _, err = await run_send(api)

    assert code == EXIT_OK, err
    ((answer,),) = submitted(api)
    env = json.loads(answer["output"])
    assert env["THREADLINE_TOOL_NAME"] == "get_current_weather"
    assert "OPENAI_API_KEY" not in env and "WORK_KEY" not in env
    for secret in ("sk-parent-environment-key", "sk-profile-env-key", "sk-profile-literal"):
        assert secret not in answer["output"]


def test_a_blank_tool_output_is_refused() -> None:
    with pytest.raises(CLIError, match="VALUE is empty"):
        parse_tool_outputs(["get_current_weather= "])
    assert parse_tool_outputs(["f=a=b"]) == {"f": "a=b"}
