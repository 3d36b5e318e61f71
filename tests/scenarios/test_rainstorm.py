"""The simulated rainstorm: underpass events where the water rises, graded by depth, cleared
when it drains — and nowhere else."""

from __future__ import annotations

from cityops.core.clock import FakeClock
from cityops.events.model import EventStatus, Severity
from cityops.runtime import Runtime
from cityops.simulate.overlays import Flood, plan_incidents
from tests.scenarios.driver import Drive, simulator

BANDS = [(50, Severity.RED), (40, Severity.ORANGE), (27, Severity.YELLOW), (15, Severity.BLUE)]


def band(depth: float) -> Severity | None:
    return next((severity for above, severity in BANDS if depth >= above), None)


def test_underpass_events_follow_the_flood(runtime: Runtime, clock: FakeClock) -> None:
    sim = simulator("rainstorm")
    plan = plan_incidents(sim.scenario, sim.fleet, sim.seed)
    flooded = {d for d, overlays in plan.items() if any(isinstance(o, Flood) for o in overlays)}
    drive = Drive(runtime, clock, sim)
    drive.run(sim.scenario.duration_s)

    depth_events = [e for e in drive.events("E1001") if e.rule_id == "underpass-water-depth"]
    expected = {
        d: band(drive.peak(d, "water_level_cm"))
        for d in flooded
        if band(drive.peak(d, "water_level_cm")) is not None
    }
    assert len(expected) >= 7  # the seed floods most of its gauges past the first band
    assert {e.device_id for e in drive.events("E1001")} <= flooded
    assert sorted(e.device_id or "" for e in depth_events) == sorted(expected)  # one each

    for event in depth_events:
        ranks = [change.severity_to.rank for change in event.severity_history]
        peak_at = ranks.index(max(ranks))
        assert event.severity_history[-1].severity_to is Severity.BLUE
        assert max(ranks) == expected[event.device_id or ""].rank, event.device_id
        assert ranks[0] == 1  # the water rises through the bands, so it starts blue
        assert ranks[: peak_at + 1] == sorted(ranks[: peak_at + 1])  # escalates as it rises
        assert ranks[peak_at:] == sorted(ranks[peak_at:], reverse=True)  # and eases off
        assert event.status is EventStatus.CLEARED
        assert (event.clear_reason or "").startswith("积水已退至")
        assert event.count > 10


def test_the_deepest_underpass_passes_through_every_band(
    runtime: Runtime, clock: FakeClock
) -> None:
    sim = simulator("rainstorm")
    drive = Drive(runtime, clock, sim)
    drive.run(sim.scenario.duration_s)
    (event,) = [
        e
        for e in drive.events("E1001")
        if e.rule_id == "underpass-water-depth" and e.device_id == "UWL-UP-031"  # peak 57 cm
    ]
    steps = [c.severity_to for c in event.severity_history]
    assert steps == [
        Severity.BLUE,
        Severity.YELLOW,
        Severity.ORANGE,
        Severity.RED,
        Severity.ORANGE,
        Severity.YELLOW,
        Severity.BLUE,
    ]
    assert event.evidence["band"] == {"above": 15.0, "severity": "blue"}
    assert "积水" in event.title
