"""The simulator against the real application: registration and ingest accept what it sends."""

from __future__ import annotations

import asyncio

import httpx
from fastapi.testclient import TestClient

from cityops.core.clock import FakeClock
from cityops.devices.thing_model import ThingModel
from cityops.runtime import Runtime
from cityops.simulate.fleet import build_fleet
from cityops.simulate.geography import Geography
from cityops.simulate.runner import RunStats, Simulator
from cityops.simulate.scenario import resolve_scenario
from cityops.simulate.targets import (
    CallbackTarget,
    HttpTarget,
    Registration,
    register_over_http,
)
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


def test_the_demo_scenarios_detections_reach_the_server_and_open_events(
    runtime: Runtime,
    admin_key: str,
    client: TestClient,
    clock: FakeClock,
    geo: Geography,
    models: dict[str, ThingModel],
) -> None:
    transport = httpx.ASGITransport(app=create_app(runtime, manage_runtime=False))
    fleet = build_fleet(300, seed=11, geo=geo)

    async def sleep(seconds: float) -> None:
        clock.advance(seconds)

    async def go() -> tuple[Simulator, RunStats]:
        await register_over_http(BASE, admin_key, fleet, transport=transport)
        http = HttpTarget(BASE, admin_key, transport=transport)
        target = CallbackTarget(lambda readings: None, on_detections=http.send_detections)
        try:  # the whole demo at speed 100; readings are dropped, detections are posted
            sim = Simulator(fleet, models, resolve_scenario("demo"), speed=100)
            stats = await sim.run(target, clock=clock, sleep=sleep, tick_s=5)
        finally:
            await http.aclose()
        return sim, stats

    sim, stats = asyncio.run(go())
    assert stats.detections_sent == len(sim.detections) == 11
    assert (stats.detections_accepted, stats.detections_rejected) == (11, 0), stats.errors
    stored = client.get("/api/v1/detections").json()["items"]
    outcomes = sorted(d["outcome"] for d in stored)
    assert outcomes == ["event"] * 10 + ["unmapped"]  # person_loitering has no mapping
    events = client.get("/api/v1/events", params={"source": "detection"}).json()["items"]
    by_class = {e["class_code"]: e for e in events}
    assert set(by_class) == {"E0102", "E0504", "E0105", "E0502"}
    garbage = by_class["E0102"]
    assert garbage["count"] == 4
    assert len(garbage["evidence"]["images"]) == 4
    assert client.get(garbage["evidence"]["images"][-1]).headers["content-type"] == "image/png"
    assert (by_class["E0504"]["count"], by_class["E0105"]["count"]) == (2, 3)
