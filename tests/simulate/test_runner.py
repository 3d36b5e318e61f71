from __future__ import annotations

import asyncio
from collections import defaultdict
from itertools import pairwise

from cityops.core.clock import FakeClock
from cityops.devices.thing_model import ThingModel
from cityops.simulate.fleet import DeviceSpec, build_fleet, venue_partner
from cityops.simulate.geography import Geography
from cityops.simulate.overlays import Flood, plan_incidents
from cityops.simulate.runner import Simulator, prepare_simulator
from cityops.simulate.scenario import Scenario, parse_scenario, resolve_scenario
from cityops.simulate.targets import CallbackTarget, WireReading
from tests.simulate.helpers import START_MS, scenario_s, ticks, violations


def _scenario(incidents: str, speed: float = 60, duration_s: float = 7200) -> Scenario:
    text = f"name: t\nspeed: {speed}\nduration_s: {duration_s}\nincidents:\n{incidents}"
    return parse_scenario(text, "test")


def _by_device(readings: list[WireReading]) -> dict[str, list[WireReading]]:
    grouped: dict[str, list[WireReading]] = defaultdict(list)
    for reading in readings:
        grouped[reading["device_id"]].append(reading)
    return grouped


def _number(reading: WireReading, key: str) -> float:
    value = reading["values"][key]
    assert isinstance(value, float)
    return value


def test_the_same_seed_and_ticks_give_identical_readings_and_another_seed_different_ones(
    fleet: list[DeviceSpec], models: dict[str, ThingModel]
) -> None:
    demo = resolve_scenario("demo")

    def play(seed: int, step_ms: int = 700) -> list[WireReading]:
        sim = Simulator(fleet, models, demo, seed=seed)
        return [r for _, r in ticks(sim, 120, step_ms)]

    first = play(7)
    assert len(first) > 1000
    assert play(7) == first
    assert play(8) != first


def test_every_reading_is_valid_for_its_thing_model_over_a_simulated_day(
    geo: Geography, models: dict[str, ThingModel]
) -> None:
    small = build_fleet(300, seed=3, geo=geo)
    kinds = {d.id: models[d.model] for d in small}
    sim = Simulator(small, models, resolve_scenario("demo"), speed=1440)
    last_ts: dict[str, int] = {}
    seen = set()
    for now, reading in ticks(sim, 60):  # 86,400 scenario seconds
        device_id = reading["device_id"]
        assert violations(kinds[device_id], reading["values"]) == [], reading
        assert isinstance(reading["ts"], int)
        assert reading["ts"] <= now
        assert reading["ts"] > last_ts.get(device_id, 0)
        last_ts[device_id] = reading["ts"]
        seen.add(device_id)
    assert seen == set(kinds)


def test_every_device_reports_once_in_the_boot_window(
    fleet: list[DeviceSpec], models: dict[str, ThingModel]
) -> None:
    sim = Simulator(fleet, models, resolve_scenario("demo"), speed=10, boot_window_s=120)
    booted = {r["device_id"] for _, r in ticks(sim, 12)}
    assert booted == {d.id for d in fleet}


def test_the_rainstorm_floods_the_chosen_underpasses_then_they_drain_while_others_stay_dry(
    fleet: list[DeviceSpec], models: dict[str, ThingModel]
) -> None:
    storm = resolve_scenario("rainstorm")
    sim = Simulator(fleet, models, storm)
    plan = plan_incidents(storm, fleet, sim.seed)
    readings = _by_device([r for _, r in ticks(sim, storm.duration_s / storm.speed)])
    gauges = [d.id for d in fleet if d.model == "underpass_water_level"]
    flooded = [g for g in gauges if g in plan]
    assert len(flooded) == 10
    assert {"UWL-UP-001", "UWL-UP-002"} <= set(flooded)
    peaks = {g: max(_number(r, "water_level_cm") for r in readings[g]) for g in flooded}
    assert min(peaks.values()) >= 9
    assert max(peaks.values()) >= 40  # some cross the deep bands (15, 27, 40 cm) ...
    assert min(peaks.values()) < 27  # ... and some do not
    for gauge in flooded:
        (flood,) = plan[gauge]
        assert isinstance(flood, Flood)
        after = [r for r in readings[gauge] if scenario_s(sim, r) >= flood.end_s]
        assert after
        assert all(_number(r, "water_level_cm") <= 1.0 for r in after)
    for gauge in set(gauges) - set(flooded):
        assert all(_number(r, "water_level_cm") <= 1.0 for r in readings[gauge])


def test_flooded_gauges_report_every_minute(
    fleet: list[DeviceSpec], models: dict[str, ThingModel]
) -> None:
    storm = resolve_scenario("rainstorm")
    sim = Simulator(fleet, models, storm)
    readings = [r for _, r in ticks(sim, 90) if r["device_id"] == "UWL-UP-001"]
    (flood,) = plan_incidents(storm, fleet, sim.seed)["UWL-UP-001"]
    times = [scenario_s(sim, r) for r in readings]  # ms stamps: within 0.06 s of the schedule
    during = [t for t in times if flood.start_s - 0.1 <= t < flood.end_s]
    assert during[0] - flood.start_s < 0.1  # the first report comes as the water starts
    gaps = [b - a for a, b in pairwise(during)]
    assert gaps
    assert max(gaps) <= 60.1


def test_the_spill_station_is_worse_than_class_v_during_the_spill_and_recovers_after(
    fleet: list[DeviceSpec], models: dict[str, ThingModel]
) -> None:
    spill = _scenario(
        "  - {kind: pollution_spill, station: WQ-03, start_s: 600, duration_s: 1800,"
        " ramp_s: 300, recover_s: 600}\n",
        duration_s=4800,
    )
    sim = Simulator(fleet, models, spill)
    readings = [r for _, r in ticks(sim, 80) if r["device_id"] == "WQS-WQ-03"]
    phases: dict[str, list[WireReading]] = defaultdict(list)
    for reading in readings:
        t = scenario_s(sim, reading)
        phase = "before" if t < 600 else "plateau" if 900 <= t < 2400 else "after"
        if t < 600 or 900 <= t < 2400 or t >= 3000:
            phases[phase].append(reading)
    assert len(phases["plateau"]) >= 10  # reports every 2 minutes while polluted
    for reading in phases["plateau"]:
        assert _number(reading, "nh3n_mg_l") > 2.0
        assert _number(reading, "cod_mg_l") > 40
        assert _number(reading, "do_mg_l") < 2.0
    for reading in phases["before"] + phases["after"]:
        assert _number(reading, "nh3n_mg_l") < 1.0
        assert _number(reading, "cod_mg_l") < 30
        assert _number(reading, "do_mg_l") > 3.0
    assert phases["before"]
    assert phases["after"]


def test_a_fire_alarm_raises_the_electrical_then_the_smoke_alarm_in_one_venue(
    fleet: list[DeviceSpec], models: dict[str, ThingModel]
) -> None:
    fire = _scenario("  - {kind: fire_alarm, start_s: 600, duration_s: 900, smoke_after_s: 180}\n")
    sim = Simulator(fleet, models, fire)
    readings = _by_device([r for _, r in ticks(sim, 40)])
    alarmed = {d for d, rs in readings.items() if any(r["values"].get("alarm") for r in rs)}
    smoking = {d for d, rs in readings.items() if any(r["values"].get("smoke_alarm") for r in rs)}
    assert len(alarmed) == len(smoking) == 1
    (sensor,), (detector,) = alarmed, smoking
    assert venue_partner(detector) == sensor
    first_alarm = min(scenario_s(sim, r) for r in readings[sensor] if r["values"]["alarm"])
    first_smoke = min(scenario_s(sim, r) for r in readings[detector] if r["values"]["smoke_alarm"])
    assert 600 < first_alarm <= first_smoke
    assert abs(first_smoke - 780) < 0.1  # reported the moment smoke appears
    peak = max(readings[sensor], key=lambda r: _number(r, "residual_current_ma"))
    assert _number(peak, "residual_current_ma") > 300
    assert _number(peak, "cable_temp_c") > 80
    late = [r for r in readings[detector] if scenario_s(sim, r) >= 1500]
    assert late
    assert not any(r["values"]["smoke_alarm"] for r in late)


def test_a_displaced_manhole_reports_its_tilt_at_once(
    fleet: list[DeviceSpec], models: dict[str, ThingModel]
) -> None:
    cover = next(d.id for d in fleet if d.model == "manhole_tilt_sensor")
    tilt = _scenario(f"  - {{kind: manhole_displaced, device: {cover}, start_s: 1000}}\n")
    sim = Simulator(fleet, models, tilt)
    readings = [r for _, r in ticks(sim, 40) if r["device_id"] == cover]
    moved = [r for r in readings if r["values"]["displaced"]]
    assert moved
    assert abs(scenario_s(sim, moved[0]) - 1000) < 0.1
    assert all(_number(r, "tilt_deg") > 15 for r in moved)
    assert all(_number(r, "tilt_deg") < 5 for r in readings if not r["values"]["displaced"])


def test_dropout_devices_send_nothing_during_the_window_and_report_after(
    fleet: list[DeviceSpec], models: dict[str, ThingModel]
) -> None:
    dropout = _scenario(
        "  - {kind: dropout, devices: [UWL-UP-004, WQS-WQ-02], fraction: 0.2, models: [camera],"
        " start_s: 600, duration_s: 1800}\n"
    )
    sim = Simulator(fleet, models, dropout)
    silent = set(plan_incidents(dropout, fleet, sim.seed))
    cameras = {d.id for d in fleet if d.model == "camera"}
    assert {"UWL-UP-004", "WQS-WQ-02"} <= silent
    assert len(silent & cameras) == round(len(cameras) * 0.2)
    readings = [r for _, r in ticks(sim, 60) if r["device_id"] in silent]
    times = _by_device(readings)
    for device_id in silent:
        seen = [scenario_s(sim, r) for r in times[device_id]]
        assert not [t for t in seen if 600 <= t < 2400], device_id
        assert any(abs(t - 2400) < 0.1 for t in seen), device_id  # back at once


def test_run_sends_due_readings_to_the_target_until_the_duration_is_over(
    fleet: list[DeviceSpec], models: dict[str, ThingModel]
) -> None:
    clock = FakeClock(START_MS)
    received: list[WireReading] = []

    async def sleep(seconds: float) -> None:
        clock.advance(seconds)

    sim = Simulator(fleet, models, resolve_scenario("demo"))
    target = CallbackTarget(received.extend)
    stats = asyncio.run(sim.run(target, duration_s=30, clock=clock, sleep=sleep, tick_s=0.5))
    assert clock.now_ms() == START_MS + 30_000
    assert stats.sent == stats.accepted == len(received) > 500
    assert stats.scenario_s == 300  # demo speed 10
    assert all(r["ts"] <= clock.now_ms() for r in received)


def test_prepare_simulator_builds_the_fleet_and_takes_seed_and_speed_from_the_scenario() -> None:
    sim = prepare_simulator("rainstorm", scale=200)
    assert len(sim.fleet) == 200
    assert (sim.seed, sim.speed) == (7, 60)
    assert prepare_simulator("rainstorm", scale=200, seed=9, speed=5).speed == 5
