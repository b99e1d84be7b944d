"""Engines produce a run's output; :mod:`.base` is the interface the runner drives."""

from .base import (
    Engine,
    EngineError,
    FunctionCallSpec,
    MessageWriter,
    RunContext,
    RunIncomplete,
    SearchResult,
    ToolCallsWriter,
    ToolChoice,
    ToolOutput,
    estimate_tokens,
    split_tokens,
)

__all__ = [
    "Engine",
    "EngineError",
    "FunctionCallSpec",
    "MessageWriter",
    "RunContext",
    "RunIncomplete",
    "SearchResult",
    "ToolCallsWriter",
    "ToolChoice",
    "ToolOutput",
    "estimate_tokens",
    "split_tokens",
]
