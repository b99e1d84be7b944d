"""ToolRound: the approval policies, fallbacks to manual input, argument checks, and how a
round lives on its Conversation (kept across visits, submitted in one request)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from httpx import Response

from threadline.api import APIStatusError, FunctionTool, RequiredToolCall
from threadline.config import ToolHandler
from threadline.core.driver import Conversation, PollPolicy
from threadline.core.tool_handlers import HandlerResult
from threadline.core.tool_round import CallState, IncompleteRound, ToolRound

from ..conftest import CONFORMANCE
from .fake_api import FakeAPI, ok, page, sse
from .handler_support import function_tool, make_handler, tool_call

STREAMS = CONFORMANCE / "streams"
FIRST = (STREAMS / "openai-dotnet-StreamingToolCall-1.sse").read_bytes()
SECOND = (STREAMS / "openai-dotnet-StreamingToolCall-2.sse").read_bytes()
WEATHER_SCHEMA = {
    "type": "object",
    "properties": {"location": {"type": "string"}, "unit": {"enum": ["c", "f"]}},
    "required": ["location"],
    "additionalProperties": False,
}
PRINT_LOCATION = """
import json, sys
print("sunny in " + json.load(sys.stdin)["location"])
"""


def tools(*names: str, schema: dict[str, Any] | None = None) -> list[FunctionTool]:
    return [FunctionTool.model_validate(function_tool(n, schema, f"{n} described")) for n in names]


def marking_handler(tmp_path: Path, marker: Path, **settings: Any) -> ToolHandler:
    """A handler that leaves ``marker`` behind when it runs, and answers."""
    body = f"""
    open({str(marker)!r}, "w").close()
    print("ran")
    """
    return make_handler(tmp_path, body, name=marker.name, **settings)


async def test_always_answers_automatically(tmp_path: Path) -> None:
    handler = make_handler(tmp_path, PRINT_LOCATION, approve="always")
    changes: list[CallState | None] = []
    tool_round = ToolRound(
        [tool_call()], tools=tools("get_weather"), handlers={"get_weather": handler}
    )
    tool_round.subscribe(changes.append)

    await tool_round.start()

    (state,) = tool_round.calls
    assert (state.status, state.source, state.text) == ("answered", "handler", "sunny in Paris")
    assert state.result is not None and state.result.ok
    assert tool_round.complete and tool_round.answered_automatically
    assert tool_round.outputs() == {"call_1": "sunny in Paris"}
    assert changes and all(c is state for c in changes)
    assert state.description == "get_weather described"


async def test_ask_proposes_and_waits_for_approval(tmp_path: Path) -> None:
    handler = make_handler(tmp_path, PRINT_LOCATION, approve="ask")
    tool_round = ToolRound([tool_call()], handlers={"get_weather": handler})

    await tool_round.start()

    (state,) = tool_round.calls
    assert state.status == "proposed"
    assert state.proposal == "sunny in Paris"
    assert not tool_round.complete and not tool_round.answered_automatically
    with pytest.raises(IncompleteRound, match="get_weather"):
        tool_round.outputs()

    tool_round.approve("call_1")

    assert (state.status, state.source) == ("answered", "approved")
    assert tool_round.outputs() == {"call_1": "sunny in Paris"}
    assert not tool_round.answered_automatically


async def test_side_effects_are_not_run_before_the_user_asks(tmp_path: Path) -> None:
    marker = tmp_path / "sent-email"
    handler = marking_handler(tmp_path, marker, approve="ask", side_effects=True)
    tool_round = ToolRound([tool_call(name="send_email")], handlers={"send_email": handler})

    await tool_round.start()

    (state,) = tool_round.calls
    assert not marker.exists()
    assert state.status == "awaiting_run" and state.can_run

    result = await tool_round.run_handler("call_1")  # the card's "run handler" button

    assert result.ok and marker.exists()
    assert (state.status, state.text, state.source) == ("answered", "ran", "handler")


async def test_never_and_unconfigured_calls_are_typed_by_the_user(tmp_path: Path) -> None:
    marker = tmp_path / "never-run"
    handler = marking_handler(tmp_path, marker, approve="never")
    tool_round = ToolRound(
        [tool_call("c1", "get_weather"), tool_call("c2", "other")],
        handlers={"get_weather": handler},
    )

    await tool_round.start()

    assert not marker.exists()
    assert [s.status for s in tool_round.calls] == ["needs_input", "needs_input"]
    assert [s.policy for s in tool_round.calls] == ["never", "manual"]
    assert not any(s.can_run for s in tool_round.calls)
    with pytest.raises(ValueError, match="no handler"):
        await tool_round.run_handler("c1")

    tool_round.set_output("c1", "12 C")
    tool_round.set_error("c2", "service down")

    assert tool_round.outputs() == {"c1": "12 C", "c2": '{"error": "service down"}'}


@pytest.mark.parametrize(
    ("body", "limit", "summary"),
    [
        (
            "import sys\nprint('oops', file=sys.stderr)\nsys.exit(1)\n",
            30.0,
            "handler failed: python",
        ),
        ("import time\ntime.sleep(60)\n", 0.3, "handler timed out: python"),
        ("import sys\nsys.stdout.buffer.write(b'\\xff\\xfe')\n", 30.0, "handler gave invalid"),
    ],
    ids=["failing", "timing-out", "invalid-output"],
)
async def test_handler_problems_fall_back_to_manual_input(
    tmp_path: Path, body: str, limit: float, summary: str
) -> None:
    handler = make_handler(tmp_path, body, approve="always", timeout=limit)
    tool_round = ToolRound([tool_call()], handlers={"get_weather": handler})

    await tool_round.start()

    (state,) = tool_round.calls
    assert state.status == "needs_input"
    assert state.notice is not None and state.notice.startswith(summary)
    assert state.can_run  # a retry is possible
    assert not tool_round.complete

    tool_round.set_output("call_1", "typed by hand")

    assert tool_round.outputs() == {"call_1": "typed by hand"}


async def test_failing_handler_notice_names_the_stderr_line(tmp_path: Path) -> None:
    handler = make_handler(
        tmp_path, "import sys\nsys.exit('no such city')\n", approve="ask", timeout=30
    )
    tool_round = ToolRound([tool_call()], handlers={"get_weather": handler})
    await tool_round.start()
    assert tool_round.calls[0].notice is not None
    assert tool_round.calls[0].notice.endswith("exited with status 1: no such city")


async def test_schema_violations_are_reported_and_the_call_can_still_be_answered() -> None:
    call = tool_call(arguments={"location": 12, "unit": "kelvin", "extra": True})
    tool_round = ToolRound([call], tools=tools("get_weather", schema=WEATHER_SCHEMA))

    (state,) = tool_round.calls
    assert state.arguments.valid_json
    assert state.arguments.violations == (
        "$: Additional properties are not allowed ('extra' was unexpected)",
        "$.location: 12 is not of type 'string'",
        "$.unit: 'kelvin' is not one of ['c', 'f']",
    )
    assert json.loads(state.arguments.pretty) == {"location": 12, "unit": "kelvin", "extra": True}
    tool_round.set_output(call.id, "no data")
    assert tool_round.complete


async def test_valid_arguments_have_no_violations_and_missing_schema_checks_nothing() -> None:
    checked = ToolRound([tool_call()], tools=tools("get_weather", schema=WEATHER_SCHEMA))
    unknown = ToolRound([tool_call(name="not_in_tools", arguments={"x": 1})], tools=tools("a"))
    assert checked.calls[0].arguments.violations == ()
    assert unknown.calls[0].arguments.violations == ()
    assert unknown.calls[0].description is None


async def test_arguments_that_are_not_json_are_reported_and_not_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    handler = marking_handler(tmp_path, marker, approve="always")
    call = tool_call(arguments='{"location": "Par')
    tool_round = ToolRound(
        [call], tools=tools("get_weather", schema=WEATHER_SCHEMA), handlers={"get_weather": handler}
    )

    await tool_round.start()

    (state,) = tool_round.calls
    assert not marker.exists()
    assert state.arguments.parse_error is not None
    assert state.arguments.parse_error.startswith("arguments are not valid JSON: ")
    assert state.arguments.pretty == '{"location": "Par'
    assert state.notice is not None and "the handler was not run" in state.notice
    assert state.status == "needs_input"


async def test_broken_schema_is_a_schema_error_not_a_violation() -> None:
    tool_round = ToolRound(
        [tool_call()], tools=tools("get_weather", schema={"type": "no-such-type"})
    )
    check = tool_round.calls[0].arguments
    assert check.violations == ()
    assert check.schema_error is not None and "schema is invalid" in check.schema_error


async def test_parallel_calls_are_each_answered(tmp_path: Path) -> None:
    echo_location = make_handler(tmp_path, PRINT_LOCATION, name="weather", approve="always")
    echo_name = make_handler(
        tmp_path, "import os\nprint(os.environ['THREADLINE_CALL_ID'])\n", name="t", approve="always"
    )
    tool_round = ToolRound(
        [
            tool_call("c1", "get_weather", {"location": "Paris"}),
            tool_call("c2", "get_weather", {"location": "Oslo"}),
            tool_call("c3", "get_time", {}),
        ],
        handlers={"get_weather": echo_location, "get_time": echo_name},
    )

    await tool_round.start()

    assert tool_round.outputs() == {"c1": "sunny in Paris", "c2": "sunny in Oslo", "c3": "c3"}


async def test_handler_output_never_replaces_typed_text() -> None:
    async def runner(handler: ToolHandler, call: RequiredToolCall) -> HandlerResult:
        tool_round.set_output(call.id, "typed while it ran")
        return HandlerResult("ok", "from the handler")

    handler = ToolHandler(command=["unused"], approve="always")
    tool_round = ToolRound([tool_call()], handlers={"get_weather": handler}, runner=runner)

    await tool_round.start()

    (state,) = tool_round.calls
    assert (state.text, state.source, state.proposal) == (
        "typed while it ran",
        "typed",
        "from the handler",
    )


async def test_given_outputs_are_not_run_and_start_runs_once() -> None:
    runs: list[str] = []

    async def runner(handler: ToolHandler, call: RequiredToolCall) -> HandlerResult:
        runs.append(call.id)
        return HandlerResult("ok", "auto")

    handler = ToolHandler(command=["unused"], approve="always")
    tool_round = ToolRound(
        [tool_call("c1"), tool_call("c2")], handlers={"get_weather": handler}, runner=runner
    )
    tool_round.set_output("c1", "given")

    await tool_round.start()
    await tool_round.start()

    assert runs == ["c2"]
    assert tool_round.outputs() == {"c1": "given", "c2": "auto"}


async def test_blank_text_is_no_output() -> None:
    tool_round = ToolRound([tool_call()])
    tool_round.set_output("call_1", "  \n")
    assert tool_round.calls[0].status == "needs_input" and not tool_round.complete


async def test_cancel_stops_running_handlers() -> None:
    started = asyncio.Event()
    stopped = asyncio.Event()

    async def runner(handler: ToolHandler, call: RequiredToolCall) -> HandlerResult:
        started.set()
        try:
            await asyncio.Event().wait()
        finally:
            stopped.set()
        raise AssertionError("unreachable")

    handler = ToolHandler(command=["unused"], approve="ask")
    tool_round = ToolRound([tool_call()], handlers={"get_weather": handler}, runner=runner)
    job = asyncio.create_task(tool_round.start())
    await started.wait()
    assert tool_round.calls[0].status == "running"

    tool_round.cancel()

    with pytest.raises(asyncio.CancelledError):
        await job
    assert stopped.is_set()
    assert tool_round.calls[0].status == "needs_input"
    assert tool_round.calls[0].notice == "the handler was stopped"


# --- on the Conversation ------------------------------------------------------------


async def no_sleep(_: float) -> None:
    return None


def weather_conversation(api: FakeAPI, handlers: dict[str, ToolHandler]) -> Conversation:
    api.route("POST", "/threads/runs", sse(FIRST))
    api.route("GET", r"/threads/(\w+)/messages", ok(page([])))
    return Conversation(
        api.client(),
        profile="p",
        assistant_id="asst_1",
        poll=PollPolicy(),
        sleep=no_sleep,
        tool_handlers=handlers,
    )


def submitted(api: FakeAPI) -> list[Any]:
    return [api.body(r)["tool_outputs"] for r in api.posts("/submit_tool_outputs")]


async def test_conversation_keeps_its_round_and_submits_only_when_approved(
    tmp_path: Path,
) -> None:
    api = FakeAPI()
    api.route("POST", r"/threads/(\w+)/runs/(\w+)/submit_tool_outputs", sse(SECOND))
    handler = make_handler(tmp_path, "print('sunny')\n", approve="ask")
    convo = weather_conversation(api, {"get_current_weather": handler})
    assert convo.tool_round is None

    await convo.send("weather?")
    tool_round = convo.tool_round
    assert tool_round is not None
    (state,) = tool_round.calls
    assert state.name == "get_current_weather"
    assert state.description == "Gets the user's current weather"
    assert tool_round.expires_at is not None

    await tool_round.start()
    assert convo.tool_round is tool_round  # the same object every time: nothing is lost
    with pytest.raises(IncompleteRound):
        await convo.submit_tool_round()
    assert submitted(api) == []

    tool_round.approve(state.id)
    result = await convo.submit_tool_round()

    assert result.completed
    assert submitted(api) == [[{"tool_call_id": state.id, "output": "sunny"}]]
    assert convo.tool_round is None


async def test_failed_submit_keeps_the_outputs_and_says_why() -> None:
    api = FakeAPI()
    error = {
        "error": {"message": "upstream down", "type": "server_error", "param": None, "code": None}
    }
    api.route("POST", r"/threads/(\w+)/runs/(\w+)/submit_tool_outputs", Response(400, json=error))
    convo = weather_conversation(api, {})
    await convo.send("weather?")
    tool_round = convo.tool_round
    assert tool_round is not None
    call_id = tool_round.calls[0].id
    tool_round.set_output(call_id, "typed answer")

    with pytest.raises(APIStatusError, match="upstream down"):
        await convo.submit_tool_round()

    assert convo.tool_round is tool_round
    assert tool_round.calls[0].text == "typed answer"
    assert tool_round.submit_error is not None and "upstream down" in tool_round.submit_error
    assert not tool_round.submitting
