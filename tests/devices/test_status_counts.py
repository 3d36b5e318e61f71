"""Device status per grid for polling screens: one pass serves all callers for two seconds,
a registration shows at once, areas are sums of their grids."""

from __future__ import annotations

from tests.screen.conftest import BINJIANG, XINCHENG, add_devices

from cityops.core.clock import FakeClock
from cityops.core.types import Reading
from cityops.devices.shadow import Status
from cityops.devices.status_counts import TTL_MS
from cityops.runtime import Runtime


def seen(runtime: Runtime, clock: FakeClock, device_id: str) -> None:
    reading = Reading(device_id=device_id, ts=clock.now_ms(), values={"water_level_cm": 1.0})
    runtime.shadows.apply([reading], clock.now_ms())


def test_areas_are_the_sums_of_their_grids(runtime: Runtime, clock: FakeClock) -> None:
    add_devices(runtime, BINJIANG, "A-1", "A-2")
    add_devices(runtime, XINCHENG, "B-1")
    seen(runtime, clock, "A-1")
    counts = runtime.status_counts
    assert counts.within(()) == {Status.ONLINE: 1, Status.NEVER_SEEN: 2}
    assert counts.within((BINJIANG,)) == {Status.ONLINE: 1, Status.NEVER_SEEN: 1}
    assert counts.within((XINCHENG,)) == {Status.NEVER_SEEN: 1}
    assert sum(c.total() for c in counts.per_grid().values()) == 3


def test_a_pass_is_reused_until_it_is_two_seconds_old(runtime: Runtime, clock: FakeClock) -> None:
    add_devices(runtime, BINJIANG, "A-1")
    assert runtime.status_counts.within(()) == {Status.NEVER_SEEN: 1}
    seen(runtime, clock, "A-1")
    assert runtime.status_counts.within(()) == {Status.NEVER_SEEN: 1}  # cached
    clock.advance(TTL_MS / 1000)
    assert runtime.status_counts.within(()) == {Status.ONLINE: 1}


def test_a_registration_shows_without_waiting(runtime: Runtime) -> None:
    add_devices(runtime, BINJIANG, "A-1")
    assert runtime.status_counts.within(()).total() == 1
    add_devices(runtime, XINCHENG, "B-1")
    assert runtime.status_counts.within(()).total() == 2
