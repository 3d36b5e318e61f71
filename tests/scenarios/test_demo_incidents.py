"""The demo scenario through the demo rule set (engine only): each incident raises its own
class at exactly the devices it touches, and nothing else is raised."""

from __future__ import annotations

from collections import defaultdict

from cityops.core.clock import FakeClock
from cityops.core.types import Reading
from cityops.devices.shadow import ShadowStore
from cityops.events.model import Signal
from cityops.rules.engine import RuleEngine
from cityops.simulate import prepare_simulator
from cityops.simulate.overlays import Displacement, Fire, Flood, Silence, Spill, plan_incidents
from tests.rules.support import T0, demo_rules, device, registry, taxonomy


def test_every_demo_incident_raises_its_class_where_it_happens() -> None:
    sim = prepare_simulator("demo", scale=1000, speed=1)
    plan = plan_incidents(sim.scenario, sim.fleet, sim.seed)

    def touched(kind: type) -> set[str]:
        return {d for d, overlays in plan.items() if any(isinstance(o, kind) for o in overlays)}

    reg = registry(*(device(d.id, d.model, tags=tuple(d.tags)) for d in sim.fleet))
    engine = RuleEngine(taxonomy())
    engine.set_rules(demo_rules())
    clock, shadows = FakeClock(T0), ShadowStore()
    engine.resume(clock.now_ms())
    raised: dict[str, set[str]] = defaultdict(set)
    water_classes: set[str] = set()
    peaks: dict[str, float] = defaultdict(float)
    while sim.scenario_time(clock.now_ms()) < sim.scenario.duration_s:
        clock.advance(60)
        batch = [
            Reading(w["device_id"], w["ts"], w["values"]) for w in sim.readings_due(clock.now_ms())
        ]
        shadows.apply(batch, clock.now_ms())
        for r in batch:
            level = r.values.get("water_level_cm")
            if isinstance(level, float):
                peaks[r.device_id] = max(peaks[r.device_id], level)
        outcomes = engine.evaluate(batch, reg) + engine.tick(clock.now_ms(), reg, shadows)
        for signal in (o for o in outcomes if isinstance(o, Signal)):
            raised[signal.class_code].add(signal.device_id or "")
            water_classes.add(signal.evidence.get("water_class", ""))

    flooded = touched(Flood)
    assert {d for d in flooded if peaks[d] >= 15} <= raised["E1001"] <= flooded
    assert raised["E1002"] == touched(Spill)
    assert "劣V" in water_classes
    fire = touched(Fire)
    assert raised["E1003"] == {d for d in fire if d.startswith("SMK-")}
    assert raised["E1004"] == {d for d in fire if d.startswith("EFS-")}
    assert raised["E1005"] == touched(Displacement)
    assert raised["E1006"] == touched(Silence)
    assert set(raised) == {"E1001", "E1002", "E1003", "E1004", "E1005", "E1006"}
