"""The shipped demo rule set: valid, complete for the shipped models, quiet on a quiet day."""

from __future__ import annotations

from cityops.core.clock import FakeClock
from cityops.core.types import Reading
from cityops.devices.shadow import ShadowStore
from cityops.events.model import Outcome
from cityops.rules.definition import NoData
from cityops.rules.engine import RuleEngine
from cityops.simulate import prepare_simulator
from cityops.simulate.scenario import parse_scenario
from tests.rules.support import MODELS, T0, demo_rules, device, registry, taxonomy


def test_the_demo_set_is_valid_and_has_at_least_twenty_rules_in_both_languages() -> None:
    rules = demo_rules()
    assert len(rules) >= 20
    assert len({r.id for r in rules}) == len(rules)
    assert all(r.name_zh and r.name_en and r.message_en for r in rules)
    assert {r.class_code for r in rules} == {f"E100{i}" for i in range(1, 9)}


def test_every_shipped_model_has_an_offline_rule_at_its_heartbeat_timeout() -> None:
    offline = {
        r.scope.models[0]: r.condition.for_s
        for r in demo_rules()
        if isinstance(r.condition, NoData)
    }
    assert offline == {m.id: float(m.heartbeat_timeout_s) for m in MODELS.values()}


def test_a_quiet_day_in_the_simulated_district_raises_nothing() -> None:
    quiet = parse_scenario("name: quiet\nseed: 7\nduration_s: 86400\n", "quiet day")
    sim = prepare_simulator(quiet, scale=400, speed=1)
    reg = registry(*(device(d.id, d.model, tags=tuple(d.tags)) for d in sim.fleet))
    engine = RuleEngine(taxonomy())
    engine.set_rules(demo_rules())
    clock, shadows = FakeClock(T0), ShadowStore()
    engine.resume(clock.now_ms())
    outcomes: list[Outcome] = []
    evaluated = 0
    for _ in range(24 * 6):  # ten-minute steps through a whole day
        clock.advance(600)
        due = sim.readings_due(clock.now_ms())
        batch = [Reading(w["device_id"], w["ts"], w["values"]) for w in due]
        shadows.apply(batch, clock.now_ms())
        outcomes += engine.evaluate(batch, reg)
        outcomes += engine.tick(clock.now_ms(), reg, shadows)
        evaluated += len(batch)
    assert evaluated > 50_000
    assert outcomes == []
