"""The demo engine's words: its markdown replies and the "stream N tokens" benchmark text.

Everything here is a pure function of its input, so a demo reply is the same every time.
A "token" is one streamed delta: a word with its leading whitespace (see ``split_tokens``).
"""

from __future__ import annotations

from collections.abc import Iterator

from .base import split_tokens

SHOWCASE = (
    "Here is what the demo engine can show you:\n\n"
    "- **bold**, *italic* and `inline code`\n"
    "- a [link](https://example.com/threadline) and a number: 42\n"
    "- a nested list:\n"
    "  - first\n"
    "  - second\n\n"
    "```python\n"
    "def greet(name: str) -> str:\n"
    '    return f"Hello, {name}!"\n'
    "```\n"
)


def quote(text: str) -> str:
    """``text`` as a markdown block quote, verbatim after each ``> ``."""
    return "\n".join(f"> {line}" if line else ">" for line in text.split("\n"))


def intro(user_text: str) -> str:
    said = user_text if user_text.strip() else "(an empty message)"
    return f"You said:\n\n{quote(said)}\n\n"


def tool_results(results: list[tuple[str, str, str]]) -> str:
    """A section quoting each function output: ``(name, arguments, output)``."""
    parts = ["The tools answered:\n\n"]
    for name, arguments, output in results:
        parts.append(f"**{name}** `{arguments}` returned:\n\n{quote(output)}\n\n")
    return "".join(parts)


def footer(model: str) -> str:
    return f"\n_Threadline demo engine · model `{model}`_"


# --- code interpreter ------------------------------------------------------------------


def code_for(numbers: list[int]) -> tuple[str, str]:
    """A small Python program over ``numbers`` and the logs it prints."""
    total = sum(numbers)
    mean = total / len(numbers)
    code = (
        f"numbers = {numbers!r}\n"
        "total = sum(numbers)\n"
        'print(f"count={len(numbers)} sum={total} mean={total / len(numbers):.3f}")\n'
    )
    logs = f"count={len(numbers)} sum={total} mean={mean:.3f}\n"
    return code, logs


# --- stream N tokens -------------------------------------------------------------------

_BLOCKS = (
    "\n\nStreaming text arrives one token at a time, and a good renderer keeps up without "
    "redrawing what it already drew: **finished blocks stay finished**, and only the open "
    "tail is parsed again.",
    "\n\n- a list item with *emphasis*\n- one with `inline code`\n- one with a "
    "[link](https://example.com) and a number, 42",
    "\n\n```python\ndef fib(n: int) -> int:\n    a, b = 0, 1\n    for _ in range(n):\n"
    "        a, b = b, a + b\n    return a\n```",
    "\n\n### A heading in the middle\n\nShort paragraphs, long paragraphs, and tables:",
    "\n\n| tokens | speed |\n| --- | --- |\n| 1,000 | fast |\n| 50,000 | still fast |",
)
_BLOCK_TOKENS = [split_tokens(block) for block in _BLOCKS]
_FILLER = split_tokens(
    " and so the stream goes on with plain words that need no closing mark at all"
)
_CODE_LINES = split_tokens(
    "\nfor i in range(10):\n    total = sum(x * x for x in range(i))\n    print(f'{i}: {total}')\n"
)


def end_marker(n: int) -> str:
    return f"-- end of {n} tokens --"


def benchmark_tokens(n: int, *, code: bool = False) -> Iterator[str]:
    """Exactly ``n`` tokens of mixed markdown (or one long code fence with ``code``),
    whose last line is :func:`end_marker`. Markdown constructs are always closed."""
    if n <= 1:
        yield end_marker(n)
        return
    body = n - 1
    if code and body >= 2:
        yield "```python"
        for i in range(body - 2):
            yield _CODE_LINES[i % len(_CODE_LINES)]
        yield "\n```"
    else:
        yield from _markdown(body)
    yield "\n\n" + end_marker(n)


def _markdown(count: int) -> Iterator[str]:
    emitted = 0
    block = 0
    while True:
        tokens = _BLOCK_TOKENS[block % len(_BLOCK_TOKENS)]
        if emitted + len(tokens) > count:
            break
        for index, token in enumerate(tokens):
            yield token.lstrip("\n") if emitted == 0 and index == 0 else token
        emitted += len(tokens)
        block += 1
    filler = 0
    while emitted < count:
        token = _FILLER[filler % len(_FILLER)]
        if filler == 0:
            token = ("\n\n" if emitted else "") + token.lstrip()
        yield token
        emitted += 1
        filler += 1
