"""Ingest counters, kept in memory and served by the API: what came in, what was turned away."""

from __future__ import annotations

import threading
from collections import Counter

from cityops.core.types import Source


class IngestStats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.accepted: Counter[str] = Counter()
        self.rejected: Counter[str] = Counter()
        self.rejected_by_code: Counter[str] = Counter()

    def count(self, source: Source, accepted: int, rejected_codes: list[str]) -> None:
        with self._lock:
            self.accepted[source.value] += accepted
            if rejected_codes:
                self.rejected[source.value] += len(rejected_codes)
                self.rejected_by_code.update(rejected_codes)

    def snapshot(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {
                "accepted": dict(self.accepted),
                "rejected": dict(self.rejected),
                "rejected_by_reason": dict(self.rejected_by_code),
            }
