"""An engine for huge outputs, served by the real server: "reply N" streams an N-character
reply in 64 KiB deltas; "call N" calls get_weather with N characters of location, then
says how long the arguments and the output it got back were."""

from __future__ import annotations

import asyncio
import functools
import json
from typing import Any

from threadline.server.engines.base import Engine, FunctionCallSpec, RunContext

CHUNK = 64 * 1024
LINE = "line {:08d}: the quick brown fox jumps over the lazy dog, and back again.\n"


@functools.cache
def huge_text(size: int) -> str:
    """``size`` characters of numbered lines: every part of it is checkable."""
    lines = []
    total = 0
    number = 0
    while total < size:
        line = LINE.format(number)
        lines.append(line)
        total += len(line)
        number += 1
    return "".join(lines)[:size]


class HugeEngine(Engine):
    name = "huge"

    def default_assistant(self) -> dict[str, Any]:
        return {
            "model": "huge-model",
            "name": "Huge",
            "tools": [
                {
                    "type": "function",
                    "function": {
                        "name": "get_weather",
                        "parameters": {
                            "type": "object",
                            "properties": {"location": {"type": "string"}},
                            "required": ["location"],
                        },
                    },
                }
            ],
        }

    async def run(self, ctx: RunContext) -> None:
        verb, _, size = ctx.last_user_text().partition(" ")
        if verb == "call":
            arguments = json.dumps({"location": "L" * int(size)})
            (result,) = await ctx.function_calls(
                [FunctionCallSpec("get_weather", arguments)], chunk_size=CHUNK
            )
            async with ctx.message() as message:
                await message.text(
                    f"arguments {len(result.arguments)}, output {len(result.output)} "
                    f"ending {result.output[-6:]}"
                )
            return
        text = huge_text(int(size))
        async with ctx.message() as message:
            for start in range(0, len(text), CHUNK):
                ctx.add_usage(completion_tokens=1)
                await message.text(text[start : start + CHUNK])
                await asyncio.sleep(0)  # as a real engine waits on its model
