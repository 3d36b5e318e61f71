"""Readings the rules never judged before a stop are judged at the next start: the detector's
checkpoint (what the saved rule states have seen) is saved with those states, and anything
committed after it is read back and evaluated before new input."""

from __future__ import annotations

from cityops.core.clock import FakeClock
from cityops.core.config import Settings
from cityops.core.types import Reading
from cityops.devices.service import DeviceIn
from cityops.rules.service import shipped_rules_path
from cityops.runtime import Runtime
from cityops.store import readings as readings_store

GAUGE = DeviceIn(
    id="UWL-1",
    model="underpass_water_level",
    name="望湖路下穿通道",
    lon=120.30,
    lat=30.29,
    owner_unit="dept-drainage",
)


def store_unjudged(rt: Runtime, depth_cm: float, at: int) -> None:
    """A reading committed as the writer does, but never handed to the detector (the process
    died between the commit and the bus)."""
    reading = Reading(device_id=GAUGE.id, ts=at, values={"water_level_cm": depth_cm})
    with rt.engine.begin() as conn:
        readings_store.write_batch(conn, [(reading, at)], [])


def test_the_checkpoint_is_the_last_judged_commit_saved_with_the_states(
    runtime: Runtime, clock: FakeClock
) -> None:
    runtime.rules.seed(shipped_rules_path(), models=runtime.registry.models)
    runtime.devices.register([GAUGE])
    clock.advance(60)
    reading = Reading(device_id=GAUGE.id, ts=clock.now_ms(), values={"water_level_cm": 3.0})
    runtime.detector.on_stored(([reading], clock.now_ms()))
    assert runtime.detector.wait_idle(10)
    runtime.rules.flush_state()
    assert runtime.rules.checkpoint() == clock.now_ms()


def test_a_reading_committed_but_never_judged_raises_its_event_at_the_next_start(
    runtime: Runtime, settings: Settings, clock: FakeClock
) -> None:
    runtime.rules.seed(shipped_rules_path(), models=runtime.registry.models)
    runtime.devices.register([GAUGE])
    runtime.rules.flush_state()
    clock.advance(60)
    store_unjudged(runtime, 55.0, clock.now_ms())  # red: ≥50 cm
    assert runtime.detector.wait_idle(10)
    assert runtime.events.open_events() == []
    runtime.stop()

    again = Runtime(settings, clock)
    again.start()
    try:
        (event,) = [e for e in again.events.open_events() if e.device_id == GAUGE.id]
        assert (event.class_code, event.severity.value) == ("E1001", "red")
        assert again.rules.checkpoint() is not None
    finally:
        again.stop()


def test_readings_judged_before_the_checkpoint_are_not_judged_twice(
    runtime: Runtime, settings: Settings, clock: FakeClock
) -> None:
    runtime.rules.seed(shipped_rules_path(), models=runtime.registry.models)
    runtime.devices.register([GAUGE])
    clock.advance(60)
    reading = Reading(device_id=GAUGE.id, ts=clock.now_ms(), values={"water_level_cm": 55.0})
    with runtime.engine.begin() as conn:
        readings_store.write_batch(conn, [(reading, clock.now_ms())], [])
    runtime.detector.on_stored(([reading], clock.now_ms()))
    assert runtime.detector.wait_idle(10)
    runtime.stop()  # flushes states and the checkpoint

    again = Runtime(settings, clock)
    again.start()
    try:
        (event,) = [e for e in again.events.open_events() if e.device_id == GAUGE.id]
        assert event.count == 1  # not counted again by a replay
    finally:
        again.stop()
