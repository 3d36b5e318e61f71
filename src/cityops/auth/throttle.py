"""Failed logins per source address, counted in memory over a sliding window.

The per-account lock-out stops guessing one account's password; this stops one address from
guessing across many accounts (password spraying). Only failures count: an operations centre
puts its whole shift behind one NAT address at eight o'clock, and their successful logins must
not lock each other out. The state is per process and lost on restart, which is acceptable for
a rate limit (the account lock-out, which matters more, is stored).
"""

from __future__ import annotations

import threading
from collections import deque

from cityops.core.clock import Clock

MAX_SOURCES = 10_000
"""Bound on remembered addresses; beyond it the stalest are forgotten first."""


class LoginThrottle:
    def __init__(self, clock: Clock, *, limit: int = 20, window_s: int = 300) -> None:
        self._clock = clock
        self._limit = limit
        self._window_ms = window_s * 1000
        self._failures: dict[str, deque[int]] = {}
        self._lock = threading.Lock()

    def retry_after(self, source: str | None) -> int:
        """Seconds until `source` may try again; 0 when it may try now."""
        if source is None:
            return 0
        now = self._clock.now_ms()
        with self._lock:
            stamps = self._failures.get(source)
            if stamps is None:
                return 0
            self._expire(stamps, now)
            if len(stamps) < self._limit:
                return 0
            return max(1, -(-(stamps[0] + self._window_ms - now) // 1000))

    def failed(self, source: str | None) -> None:
        if source is None:
            return
        now = self._clock.now_ms()
        with self._lock:
            stamps = self._failures.pop(source, None) or deque(maxlen=self._limit)
            self._expire(stamps, now)
            stamps.append(now)
            self._failures[source] = stamps  # re-inserted: dict order is least recent first
            if len(self._failures) > MAX_SOURCES:
                del self._failures[next(iter(self._failures))]

    def _expire(self, stamps: deque[int], now: int) -> None:
        while stamps and stamps[0] <= now - self._window_ms:
            stamps.popleft()
