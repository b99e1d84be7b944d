"""run_handler: no shell, arguments on stdin, a clean environment, every way it can end."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from threadline.config import ToolHandler
from threadline.core import tool_handlers
from threadline.core.tool_handlers import handler_environment, run_handler

from .handler_support import alive, make_handler, tool_call, wait_dead


async def test_arguments_on_stdin_and_stdout_is_the_output(tmp_path: Path) -> None:
    handler = make_handler(
        tmp_path,
        """
        import json, sys
        args = json.load(sys.stdin)
        print(f"{args['location']}: 21 C")
        """,
    )
    result = await run_handler(handler, tool_call(arguments={"location": "Paris"}))
    assert result.ok, result.reason
    assert (result.outcome, result.output, result.exit_status) == ("ok", "Paris: 21 C", 0)
    assert result.reason == ""


async def test_only_one_trailing_newline_is_removed_and_blank_arguments_are_an_object(
    tmp_path: Path,
) -> None:
    handler = make_handler(
        tmp_path,
        """
        import sys
        sys.stdout.write(repr(sys.stdin.read()) + "\\n\\n")
        """,
    )
    result = await run_handler(handler, tool_call(arguments=""))
    assert result.output == "'{}'\n"


async def test_no_shell_is_involved(tmp_path: Path) -> None:
    canary = tmp_path / "pwned"
    sneaky_argv = [f"$(touch {canary})", f"; touch {canary}", "`touch x`", "*"]
    arguments = {"q": f"; rm -rf {tmp_path}/x", "c": f"$(touch {canary})", "b": f"`touch {canary}`"}
    handler = make_handler(
        tmp_path,
        """
        import json, sys
        print(json.dumps({"argv": sys.argv[1:], "stdin": sys.stdin.read()}))
        """,
    )
    handler = handler.model_copy(update={"command": [*handler.command, *sneaky_argv]})

    result = await run_handler(handler, tool_call(arguments=arguments))

    assert result.ok, result.reason
    seen = json.loads(result.output)
    assert seen["argv"] == sneaky_argv  # passed literally, nothing expanded or split
    assert json.loads(seen["stdin"]) == arguments
    assert seen["stdin"] == json.dumps(arguments)  # byte for byte what the model sent
    assert not canary.exists()


async def test_the_api_key_and_other_secrets_are_not_in_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secrets = {
        "OPENAI_API_KEY": "sk-parent-secret-1",
        "THREADLINE_API_KEY": "sk-threadline-secret-2",
        "WORK_ASSISTANTS_KEY": "sk-profile-env-secret-3",  # a profile's api_key_env
        "AWS_SECRET_ACCESS_KEY": "aws-secret-4",
        "LC_AUTH_TOKEN": "lc-token-5",
        "THREADLINE_CONFIG": "/somewhere/config.toml",
    }
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setenv("LC_TIME", "C")
    handler = make_handler(
        tmp_path,
        """
        import json, os
        print(json.dumps(dict(os.environ)))
        """,
        env={"WEATHER_UNITS": "metric"},
    )

    result = await run_handler(handler, tool_call("call_9", "get_weather"))

    assert result.ok, result.reason
    env = json.loads(result.output)
    for name, value in secrets.items():
        assert name not in env
        assert value not in result.output
    assert env["WEATHER_UNITS"] == "metric"
    assert env["THREADLINE_TOOL_NAME"] == "get_weather"
    assert env["THREADLINE_CALL_ID"] == "call_9"
    assert env["LANG"] == "C.UTF-8" and env["LC_TIME"] == "C"
    assert env["PATH"] == os.environ["PATH"]
    # Nothing but the safe list, the handler's env and the two call variables (Python may
    # add LC_CTYPE itself when it coerces the C locale).
    allowed = {*tool_handlers.INHERITED, "WEATHER_UNITS", "THREADLINE_TOOL_NAME"}
    allowed |= {"THREADLINE_CALL_ID", "LC_TIME", "LC_CTYPE"}
    assert set(env) <= allowed


def test_environment_is_built_from_a_safe_list_only() -> None:
    handler = ToolHandler(command=["x"], env={"SERVICE_TOKEN": "mine", "THREADLINE_CALL_ID": "no"})
    env = handler_environment(
        handler,
        tool_call("c1", "f"),
        {"HOME": "/h", "OPENAI_API_KEY": "sk-1", "LC_ALL": "C", "LC_API_KEY": "k", "EDITOR": "vi"},
    )
    # The handler's own configured env is the user's explicit choice and is passed as is;
    # the call variables always describe the call.
    assert env == {
        "HOME": "/h",
        "LC_ALL": "C",
        "PATH": os.defpath,
        "SERVICE_TOKEN": "mine",
        "THREADLINE_TOOL_NAME": "f",
        "THREADLINE_CALL_ID": "c1",
    }


async def test_failing_handler_reports_status_and_first_stderr_line(tmp_path: Path) -> None:
    handler = make_handler(
        tmp_path,
        """
        import sys
        print("partial")
        print("boom: no such city", file=sys.stderr)
        print("second line", file=sys.stderr)
        sys.exit(1)
        """,
        name="weather",
    )
    result = await run_handler(handler, tool_call())
    assert result.outcome == "failed"
    assert result.exit_status == 1
    assert result.output == "partial"
    assert "exited with status 1: boom: no such city" in result.reason
    assert result.summary.startswith("handler failed: ")
    assert "\n" not in result.reason


async def test_python_traceback_reports_its_last_line(tmp_path: Path) -> None:
    handler = make_handler(tmp_path, "raise ValueError('unknown city: Atlantis')\n")
    result = await run_handler(handler, tool_call())
    assert result.outcome == "failed"
    assert result.reason.endswith("exited with status 1: ValueError: unknown city: Atlantis")


async def test_missing_program_fails_with_its_name(tmp_path: Path) -> None:
    result = await run_handler(ToolHandler(command=[str(tmp_path / "no-such-tool")]), tool_call())
    assert result.outcome == "failed"
    assert result.reason == f"{tmp_path / 'no-such-tool'}: command not found"


async def test_timeout_kills_the_handler_and_its_children(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    handler = make_handler(
        tmp_path,
        f"""
        import os, time
        child = os.fork()
        if child == 0:
            time.sleep(60)
            os._exit(0)
        with open({str(pids)!r}, "w") as f:
            f.write(f"{{os.getpid()}} {{child}}")
        time.sleep(60)
        """,
    )
    loop = asyncio.get_running_loop()
    started = loop.time()

    result = await run_handler(handler, tool_call(), timeout=0.5)

    assert loop.time() - started < 1.5
    assert result.outcome == "timed_out"
    assert "did not finish within 0.5 s" in result.reason
    assert result.summary.startswith("handler timed out: ")
    handler_pid, child_pid = map(int, pids.read_text().split())
    assert wait_dead(handler_pid) and wait_dead(child_pid)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("pass\n", "printed nothing"),
        ("print('   ')\n", "printed nothing"),
        ("import sys; sys.stdout.buffer.write(b'caf\\xe9 ok')\n", "not UTF-8 (byte 3)"),
    ],
)
async def test_invalid_output(tmp_path: Path, body: str, reason: str) -> None:
    result = await run_handler(make_handler(tmp_path, body), tool_call())
    assert result.outcome == "invalid_output"
    assert reason in result.reason
    assert result.summary.startswith("handler gave invalid output: ")


async def test_too_much_output_is_invalid_and_stops_the_handler(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tool_handlers, "MAX_OUTPUT_BYTES", 1000)
    handler = make_handler(
        tmp_path,
        """
        import sys, time
        sys.stdout.write("x" * 5000)
        sys.stdout.flush()
        time.sleep(60)
        """,
    )
    result = await run_handler(handler, tool_call(), timeout=30)
    assert result.outcome == "invalid_output"
    assert "more than 1000 bytes" in result.reason
    assert result.output == "x" * 1000


async def test_cancelling_the_caller_kills_the_handler(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    handler = make_handler(
        tmp_path,
        f"""
        import os, time
        open({str(pid_file)!r}, "w").write(str(os.getpid()))
        time.sleep(60)
        """,
    )
    task = asyncio.create_task(run_handler(handler, tool_call()))
    for _ in range(500):  # wait for the handler to have started (bounded)
        if pid_file.exists() and pid_file.read_text():
            break
        await asyncio.sleep(0.01)
    pid = int(pid_file.read_text())
    assert alive(pid)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert wait_dead(pid)


async def test_handlers_run_concurrently(tmp_path: Path) -> None:
    # Each waits for the other's file: run one after the other, both would time out.
    def waiter(me: str, other: str) -> str:
        return f"""
        import os, time
        open({str(tmp_path / me)!r}, "w").close()
        deadline = time.monotonic() + 5
        while not os.path.exists({str(tmp_path / other)!r}):
            if time.monotonic() > deadline:
                raise SystemExit("alone")
            time.sleep(0.005)
        print({me!r})
        """

    first = make_handler(tmp_path, waiter("a", "b"), name="a")
    second = make_handler(tmp_path, waiter("b", "a"), name="b")
    results = await asyncio.gather(
        run_handler(first, tool_call("c1")), run_handler(second, tool_call("c2"))
    )
    assert [r.output for r in results] == ["a", "b"]
