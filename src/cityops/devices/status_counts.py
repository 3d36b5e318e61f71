"""Device status counted per grid, for screens that poll: one pass over the registry serves
every caller for a couple of seconds.

At 240k devices a pass takes a noticeable fraction of a second of interpreter time; a wall
screen, a few desks and the phones all polling every few seconds must not each pay it. Any
area (street, community, grid) is the sum of the grids under its code.
"""

from __future__ import annotations

import threading
from collections import Counter

from cityops.core.clock import Clock
from cityops.devices.registry import DeviceRegistry
from cityops.devices.shadow import ShadowStore, Status, status_of

TTL_MS = 2_000


class StatusCounts:
    def __init__(self, registry: DeviceRegistry, shadows: ShadowStore, clock: Clock) -> None:
        self._registry = registry
        self._shadows = shadows
        self._clock = clock
        self._lock = threading.Lock()
        self._at: int | None = None
        self._size = -1
        self._per_grid: dict[str, Counter[Status]] = {}

    def per_grid(self) -> dict[str, Counter[Status]]:
        """Counts per grid code ("" for a device outside every grid), at most TTL_MS old."""
        now = self._clock.now_ms()
        with self._lock:
            stale = self._at is None or not 0 <= now - self._at < TTL_MS
            if stale or len(self._registry) != self._size:  # a registration shows at once
                self._size = len(self._registry)
                self._per_grid = self._count(now)
                self._at = now
            return self._per_grid

    def within(self, areas: tuple[str, ...]) -> Counter[Status]:
        """The sum over the grids under `areas` (everything when empty)."""
        total: Counter[Status] = Counter()
        for grid, counts in self.per_grid().items():
            if not areas or grid.startswith(areas):
                total.update(counts)
        return total

    def _count(self, now: int) -> dict[str, Counter[Status]]:
        per_grid: dict[str, Counter[Status]] = {}
        shadows, model_of = self._shadows, self._registry.model_of
        for device in self._registry:
            status = status_of(shadows.get(device.id), model_of(device), now)
            per_grid.setdefault(device.grid_code or "", Counter())[status] += 1
        return per_grid
