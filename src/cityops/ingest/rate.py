"""Readings stored per minute and per hour, by area, counted as they commit.

The screens ask for these figures every few seconds; counting them in the readings table costs
a seek per device (seconds at 240k devices), counting them here costs one dict update per
stored batch. Counts are kept in 10-second buckets per grid for the last hour, in memory: a
restarted server starts again from zero (the figure is a rate, not a record; the readings
themselves are in the store).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Sequence

from cityops.core.types import Reading

BUCKET_MS = 10_000
MINUTE_MS = 60_000
HOUR_MS = 3_600_000


class StoredRate:
    def __init__(self, grid_of: Callable[[str], str | None]) -> None:
        self._grid_of = grid_of
        self._lock = threading.Lock()
        self._buckets: dict[int, Counter[str]] = {}

    def on_stored(self, message: tuple[Sequence[Reading], int]) -> None:
        """Bus listener for committed batches: (readings, commit time in ms)."""
        readings, at = message
        per_grid = Counter(self._grid_of(r.device_id) or "" for r in readings)
        bucket = at // BUCKET_MS
        with self._lock:
            counts = self._buckets.get(bucket)
            if counts is None:  # a new bucket (every 10 s): time to forget the expired ones
                counts = self._buckets[bucket] = Counter()
                for expired in [b for b in self._buckets if b <= bucket - HOUR_MS // BUCKET_MS]:
                    del self._buckets[expired]
            counts.update(per_grid)

    def counts(self, grids: tuple[str, ...], now: int) -> tuple[int, int]:
        """Readings stored in the last minute and the last hour, in grids under `grids`
        (all when empty); to the 10-second bucket."""
        current = now // BUCKET_MS
        minute = hour = 0
        with self._lock:
            for bucket, per_grid in self._buckets.items():
                age = current - bucket
                if not 0 <= age < HOUR_MS // BUCKET_MS:
                    continue
                n = sum(c for g, c in per_grid.items() if not grids or g.startswith(grids))
                hour += n
                if age < MINUTE_MS // BUCKET_MS:
                    minute += n
        return minute, hour
