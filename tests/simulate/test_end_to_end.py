"""The simulator against the real application: registration and ingest accept what it sends."""

from __future__ import annotations

import asyncio

import httpx

from cityops.core.clock import FakeClock
from cityops.devices.thing_model import ThingModel
from cityops.runtime import Runtime
from cityops.simulate.fleet import build_fleet
from cityops.simulate.geography import Geography
from cityops.simulate.runner import RunStats, Simulator
from cityops.simulate.scenario import resolve_scenario
from cityops.simulate.targets import HttpTarget, Registration, register_over_http
from cityops.web.app import create_app

BASE = "http://cityops.test"


def test_a_simulated_fleet_registers_into_grids_and_its_readings_are_all_accepted(
    runtime: Runtime,
    admin_key: str,
    clock: FakeClock,
    geo: Geography,
    models: dict[str, ThingModel],
) -> None:
    transport = httpx.ASGITransport(app=create_app(runtime, manage_runtime=False))
    fleet = build_fleet(300, seed=11, geo=geo)

    async def sleep(seconds: float) -> None:
        clock.advance(seconds)

    async def go() -> tuple[Registration, RunStats]:
        registration = await register_over_http(BASE, admin_key, fleet, transport=transport)
        target = HttpTarget(BASE, admin_key, batch_size=200, transport=transport)
        try:
            sim = Simulator(fleet, models, resolve_scenario("demo"))
            stats = await sim.run(target, duration_s=60, clock=clock, sleep=sleep)
        finally:
            await target.aclose()
        return registration, stats

    registration, stats = asyncio.run(go())
    assert len(registration.tokens) == len(fleet)
    assert all(registration.grid_codes.values())  # every device landed in a grid
    assert stats.sent > len(fleet)
    assert (stats.accepted, stats.rejected) == (stats.sent, 0), stats.errors
