"""Time for display: one injectable clock so snapshots and tests are deterministic."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo


@dataclass(frozen=True)
class Clock:
    """``now()`` in epoch seconds and the zone times are shown in (None: the local zone)."""

    now: Callable[[], float] = field(default=time.time)
    zone: tzinfo | None = None

    @classmethod
    def fixed(cls, at: float, zone: tzinfo = UTC) -> Clock:
        """A clock stopped at ``at``, showing times in ``zone``: for tests and snapshots."""
        return cls(now=lambda: at, zone=zone)

    def _local(self, ts: float) -> datetime:
        return datetime.fromtimestamp(ts, tz=self.zone or UTC).astimezone(self.zone)

    def stamp(self, ts: float) -> str:
        """A message time: ``14:03`` today, ``Mar 3 14:03`` this year, else ``2024-03-03``."""
        if ts <= 0:
            return ""
        then, now = self._local(ts), self._local(self.now())
        if then.date() == now.date():
            return then.strftime("%H:%M")
        if then.year == now.year:
            return f"{then.strftime('%b')} {then.day} {then.strftime('%H:%M')}"
        return then.strftime("%Y-%m-%d")

    def ago(self, ts: float) -> str:
        """A short age for the thread list: ``now``, ``5m``, ``3h``, ``2d``, ``Mar 3``."""
        if ts <= 0:
            return ""
        seconds = max(0.0, self.now() - ts)
        if seconds < 60:
            return "now"
        if seconds < 3600:
            return f"{int(seconds // 60)}m"
        if seconds < 86400:
            return f"{int(seconds // 3600)}h"
        if seconds < 7 * 86400:
            return f"{int(seconds // 86400)}d"
        then = self._local(ts)
        return f"{then.strftime('%b')} {then.day}"
