"""The figures of issue 9, in table order; each module defines ``FIGURE``."""

from __future__ import annotations

from bench.model import Figure

from . import bytes_per_token, live, long_thread, render, server, sse_reduce, startup

FIGURES: list[Figure] = [
    render.FIGURE,
    live.FIGURE,
    bytes_per_token.FIGURE,
    startup.FIGURE,
    long_thread.FIGURE,
    sse_reduce.FIGURE,
    server.FIGURE,
]
