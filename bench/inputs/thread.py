"""Earlier messages of a thread, the same for both sides: a user question, then an
assistant reply in markdown (a paragraph, a short list, now and then a code block)."""

from __future__ import annotations

import random

_TEXT = (
    "the stream renderer keeps finished blocks and parses only the open tail so a long "
    "answer costs the same per token at the end as at the start while the terminal shows "
    "every character exactly once"
)
_WORDS = _TEXT.split(" ")


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(_WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def message(index: int) -> tuple[str, str]:
    """Message ``index`` (from 0) of a thread: ``(role, text)``; even is user."""
    rng = random.Random(index)
    if index % 2 == 0:
        return "user", f"Question {index // 2 + 1}: {_sentence(rng, 12)}"
    parts = [
        " ".join(_sentence(rng, rng.randint(8, 16)) for _ in range(3)),
        "\n".join(f"- {_sentence(rng, 5)}" for _ in range(3)),
    ]
    if index % 10 == 1:
        parts.append("```python\nfor i in range(3):\n    print(i * i)\n```")
    parts.append(f"Reply {index // 2 + 1}, message {index + 1}.")
    return "assistant", "\n\n".join(parts)


def messages(count: int) -> list[tuple[str, str]]:
    return [message(i) for i in range(count)]


def thread_titles(count: int) -> list[str]:
    return [f"Bench thread {i + 1:02d}" for i in range(count)]
