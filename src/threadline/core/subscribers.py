"""Callbacks that want to hear about something: a conversation's updates, a replay's
steps, a tool round's calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Subscribers(Generic[T]):
    def __init__(self) -> None:
        self._callbacks: list[Callable[[T], None]] = []

    def add(self, callback: Callable[[T], None]) -> Callable[[], None]:
        """Call ``callback`` with everything emitted from now on; returns the unsubscriber."""
        self._callbacks.append(callback)

        def unsubscribe() -> None:
            if callback in self._callbacks:
                self._callbacks.remove(callback)

        return unsubscribe

    def emit(self, value: T) -> None:
        # A copy: a callback may unsubscribe itself (or another) while being called.
        for callback in list(self._callbacks):
            callback(value)
