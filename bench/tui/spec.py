"""What a streaming trial does (parent -> child, as JSON) and what it measured (child ->
parent, as the last status line)."""

from __future__ import annotations

import bisect
import json
from dataclasses import asdict, dataclass, fields
from typing import Any

SIZE = (120, 40)


@dataclass(frozen=True)
class StreamSpec:
    tokens: int
    code: bool = False
    earlier: int = 0  # messages in the thread above the streamed one
    pace: float = 0.0  # tokens/s; 0: as fast as the app takes them
    budget: float = 60.0  # seconds of streaming before the trial stops and says so
    headless: bool = True
    tokens_file: str = ""  # the deltas, as a JSON list (written by the parent)

    def deltas(self) -> list[str]:
        with open(self.tokens_file, encoding="utf-8") as file:
            deltas: list[str] = json.load(file)
        return deltas

    def dumps(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def loads(cls, text: str) -> StreamSpec:
        data = json.loads(text)
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})


@dataclass(frozen=True)
class StreamResult:
    tokens: int  # asked for
    done: int  # tokens that reached the screen (all of them unless partial)
    seconds: float  # first token in -> last token on screen
    cpu: float  # process CPU seconds over that time
    frames: int
    bytes: int  # written to the terminal over that time
    partial: bool  # the budget ran out first
    rss_mb: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StreamResult:
        return cls(**{f.name: data[f.name] for f in fields(cls)})


class TokenCounter:
    """Turns characters of streamed text into whole tokens (of a known token list)."""

    def __init__(self, tokens: list[str]) -> None:
        self.ends: list[int] = []
        total = 0
        for token in tokens:
            total += len(token)
            self.ends.append(total)
        self.total_chars = total

    def tokens_in(self, chars: int) -> int:
        return bisect.bisect_right(self.ends, chars)
