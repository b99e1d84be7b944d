"""Tool handlers for tests: small Python scripts in tmp_path, run with this interpreter."""

from __future__ import annotations

import json
import os
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

from threadline.api import RequiredToolCall
from threadline.config import ToolHandler


def make_handler(tmp_path: Path, body: str, name: str = "handler", **settings: Any) -> ToolHandler:
    """A handler whose program is ``body`` (Python, dedented); ``settings`` as in [tools.X]."""
    script = tmp_path / f"{name}.py"
    script.write_text(textwrap.dedent(body))
    # -I -S: no user site, no PYTHON* variables, faster start; the script is all there is.
    return ToolHandler(command=[sys.executable, "-I", "-S", str(script)], **settings)


def tool_call(
    call_id: str = "call_1", name: str = "get_weather", arguments: Any = None
) -> RequiredToolCall:
    if arguments is None:
        arguments = {"location": "Paris"}
    raw = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return RequiredToolCall.model_validate(
        {"id": call_id, "type": "function", "function": {"name": name, "arguments": raw}}
    )


def function_tool(
    name: str, parameters: dict[str, Any] | None = None, description: str = ""
) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {"name": name, "description": description, "parameters": parameters or {}},
    }


def alive(pid: int) -> bool:
    """Whether ``pid`` is a running process (a zombie no reaper collected counts as dead)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_dead(pid: int, within: float = 2.0) -> bool:
    """Wait (bounded) for a killed process to be gone: SIGKILL is delivered asynchronously."""
    deadline = time.monotonic() + within
    while alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True
