from __future__ import annotations

import asyncio

from cityops.core.clock import FakeClock
from cityops.devices.thing_model import ThingModel
from cityops.simulate.fleet import DeviceSpec
from cityops.simulate.loadgen import blast
from cityops.simulate.targets import CallbackTarget, WireReading
from tests.simulate.helpers import START_MS, violations


def test_blast_sends_valid_readings_at_the_requested_rate_with_unique_timestamps(
    fleet: list[DeviceSpec], models: dict[str, ThingModel]
) -> None:
    clock = FakeClock(START_MS)
    received: list[WireReading] = []

    async def sleep(seconds: float) -> None:
        clock.advance(seconds)

    report = asyncio.run(
        blast(CallbackTarget(received.extend), fleet, 2000, 5, models=models, clock=clock,
              sleep=sleep)
    )  # fmt: skip
    assert report.sent == report.accepted == len(received) == 10_000
    assert report.readings_per_s == 2000
    kinds = {d.id: models[d.model] for d in fleet}
    pairs = {(r["device_id"], r["ts"]) for r in received}
    assert len(pairs) == len(received)
    assert all(violations(kinds[r["device_id"]], r["values"]) == [] for r in received)
    assert max(r["ts"] for r in received) <= clock.now_ms()


def test_blast_reports_the_lower_rate_a_slow_target_allows(
    fleet: list[DeviceSpec], models: dict[str, ThingModel]
) -> None:
    clock = FakeClock(START_MS)

    async def slow(readings: list[WireReading]) -> None:
        clock.advance(len(readings) / 500)  # the target takes 2 ms per reading

    async def sleep(seconds: float) -> None:
        clock.advance(seconds)

    report = asyncio.run(
        blast(CallbackTarget(slow), fleet, 2000, 5, models=models, clock=clock, sleep=sleep,
              max_batch=200)
    )  # fmt: skip
    assert 400 <= report.readings_per_s <= 600
