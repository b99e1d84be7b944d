"""The deltas a streaming figure feeds: the demo engine's "stream N tokens" text itself.

The Threadline side asks the real demo engine for "stream N tokens"; the baseline feeds
the same tokens, from the same function, to stock ``MarkdownStream``.
"""

from __future__ import annotations


def request(tokens: int, code: bool) -> str:
    """What the user types to get that stream from the demo engine."""
    return f"stream {tokens} tokens" + (" of code" if code else "")


def tokens(count: int, code: bool) -> list[str]:
    from threadline.server.engines.demo_text import benchmark_tokens

    return list(benchmark_tokens(count, code=code))


def end_marker(count: int) -> str:
    from threadline.server.engines.demo_text import end_marker as marker

    return marker(count)
