"""The pollution spill raises worse-than-Class-V at its station only; a silent gauge goes offline
through the detector's tick and comes back."""

from __future__ import annotations

from cityops.core.clock import FakeClock
from cityops.events.model import EventStatus, Severity
from cityops.runtime import Runtime
from tests.scenarios.driver import Drive, scenario, simulator

SPILL = scenario(
    """
name: spill
seed: 7
duration_s: 4200
start_clock: "10:00"
incidents:
  - {kind: pollution_spill, station: WQ-05, start_s: 600, duration_s: 1800, ramp_s: 300,
     recover_s: 900}
"""
)

SILENCE = scenario(
    """
name: silence
seed: 7
duration_s: 4800
incidents:
  - {kind: dropout, devices: [UWL-UP-003], start_s: 600, duration_s: 3000}
"""
)


def test_the_spill_raises_worse_than_class_v_at_the_spill_station(
    runtime: Runtime, clock: FakeClock
) -> None:
    sim = simulator(SPILL)
    drive = Drive(runtime, clock, sim)
    drive.run(1500)  # the plateau: NH3-N 6 mg/L, COD 85 mg/L, DO 1.2 mg/L
    (event,) = [e for e in drive.events("E1002") if e.rule_id == "river-water-class"]
    assert event.device_id == "WQS-WQ-05"
    assert event.status is EventStatus.ACTIVE
    assert event.severity is Severity.ORANGE
    assert event.evidence["water_class"] == "劣V"
    assert event.evidence["standard"] == "GB 3838-2002"
    assert {"nh3n_mg_l", "cod_mg_l", "do_mg_l"} <= set(event.evidence["set_by"])
    assert event.title.endswith("水质劣Ⅴ类（GB 3838-2002）")
    assert [c.severity_to for c in event.severity_history][-1] is Severity.ORANGE

    drive.run(sim.scenario.duration_s)  # the river flushes the spill out
    (event,) = [e for e in drive.events("E1002") if e.rule_id == "river-water-class"]
    assert event.status is EventStatus.CLEARED
    assert {e.device_id for e in drive.events("E1002")} == {"WQS-WQ-05"}


def test_a_silent_gauge_goes_offline_and_comes_back(runtime: Runtime, clock: FakeClock) -> None:
    sim = simulator(SILENCE)
    drive = Drive(runtime, clock, sim)
    drive.run(1400, tick=True)
    assert drive.events("E1006") == []  # last heard before 600 s, but after 300 s
    drive.run(2400, tick=True)
    (event,) = drive.events("E1006")
    assert (event.device_id, event.rule_id) == ("UWL-UP-003", "offline-underpass-water-level")
    assert (event.status, event.severity) == (EventStatus.ACTIVE, Severity.YELLOW)
    assert "分钟无数据" in event.title

    drive.run(sim.scenario.duration_s, tick=True)  # it reports again from 3600 s
    (event,) = drive.events("E1006")
    assert event.status is EventStatus.CLEARED
    assert event.clear_reason == "设备恢复上报 data received again"
