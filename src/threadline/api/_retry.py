"""When to retry a failed request, and how long to wait first.

The rule that matters most: a retry must never create a second run or message. A request
that is not idempotent (a create) is retried only when the server cannot have acted on it:
the connection was never established, or the server said 429 (it rejected the request
before doing anything). Idempotent requests (GET, DELETE, modify, cancel) are retried on
any connection error, 408, 409, 429 and 5xx.

Waits grow exponentially with jitter (0.5 s doubling, capped at 8 s) unless the server says
how long (``retry-after-ms``, then ``Retry-After`` in seconds or as an HTTP date). A server
asking for longer than ``max_wait`` is not waited on silently: its error is raised, with
``retry_after`` set, so the UI can show it.
"""

from __future__ import annotations

import asyncio
import email.utils
import math
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC
from typing import TypeVar

from ._errors import APIConnectionError, APIError, APIStatusError

INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
RETRYABLE_STATUSES = frozenset({408, 409, 429})

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
OnRetry = Callable[[int, float, APIError], None]
"""Called before each wait with (retry number from 1, seconds to wait, the error)."""


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds the server asks to wait, from ``retry-after-ms`` or ``Retry-After``."""
    ms = _number(headers.get("retry-after-ms"))
    if ms is not None:
        return ms / 1000
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = _number(value)
    if seconds is not None:
        return seconds
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000": no zone given; HTTP dates are GMT
        when = when.replace(tzinfo=UTC)
    return max(when.timestamp() - (time.time() if now is None else now), 0.0)


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) and number >= 0 else None


def backoff_delay(retry: int, rand: Callable[[], float] = random.random) -> float:
    """The wait before retry number ``retry`` (from 1): doubling, capped, minus up to 25%."""
    delay = min(INITIAL_RETRY_DELAY * 2.0 ** (retry - 1), MAX_RETRY_DELAY)
    return delay * (1 - 0.25 * rand())


def is_insufficient_quota(error: APIStatusError) -> bool:
    """A 429 that waiting will not fix: the account is out of credit."""
    return "insufficient_quota" in (error.code, error.type)


def is_retryable(error: APIError, *, idempotent: bool) -> bool:
    """Whether ``error`` may be retried, given whether repeating the request is harmless."""
    if isinstance(error, APIConnectionError):
        return idempotent or not error.sent
    if not isinstance(error, APIStatusError):
        return False
    if error.status_code == 429:
        return not is_insufficient_quota(error)
    if not idempotent:
        return False
    return error.status_code in RETRYABLE_STATUSES or error.status_code >= 500


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 2
    max_wait: float = 120.0
    sleep: Sleep = field(default=asyncio.sleep)
    on_retry: OnRetry | None = None
    rand: Callable[[], float] = field(default=random.random)

    async def call(self, attempt: Callable[[], Awaitable[T]], *, idempotent: bool) -> T:
        """Await ``attempt()`` until it succeeds or fails for good.

        ``attempt`` raises :class:`APIError` subclasses only. Cancellation during a wait
        propagates at once: nothing here catches it.
        """
        retry = 0
        while True:
            try:
                return await attempt()
            except APIError as exc:
                error = exc
            # Decided and re-raised outside the except block, so no context is chained.
            if retry >= self.max_retries or not is_retryable(error, idempotent=idempotent):
                raise error
            delay = self._delay(error, retry + 1)
            if delay is None:
                raise error
            retry += 1
            if self.on_retry is not None:
                self.on_retry(retry, delay, error)
            await self.sleep(delay)

    def _delay(self, error: APIError, retry: int) -> float | None:
        asked = error.retry_after if isinstance(error, APIStatusError) else None
        if asked is None:
            return backoff_delay(retry, self.rand)
        return asked if asked <= self.max_wait else None
