"""Rule state survives a restart: snapshot → restore gives the same outcomes."""

from __future__ import annotations

import json
import random

from cityops.core.types import Reading
from cityops.events.model import Outcome
from cityops.rules.engine import RuleEngine
from tests.rules.support import MIN, T0, device, engine_with, registry, rule, taxonomy

RULES = [
    rule(
        {
            "type": "bands",
            "property": "water_level_cm",
            "bands": [{"above": 15, "severity": "blue"}, {"above": 40, "severity": "red"}],
            "clear": 5,
            "margin": 2,
        },
        id="bands",
        severity=None,
    ),
    rule(
        {"type": "rate", "property": "water_level_cm", "delta": 10, "window_s": 600},
        id="rising",
    ),
    rule(
        {
            "type": "sustained",
            "for_s": 180,
            "clear_for_s": 120,
            "condition": {"type": "threshold", "property": "battery_pct", "op": "<", "value": 20},
        },
        id="battery",
    ),
    rule(
        {
            "type": "all",
            "conditions": [
                {"type": "threshold", "property": "water_level_cm", "op": ">", "value": 10},
                {"type": "threshold", "property": "signal_dbm", "op": "<", "value": -110},
            ],
        },
        id="both",
    ),
]
DEVICES = [device(f"UWL-{i}") for i in range(5)]


def readings(seed: int, count: int, start: int) -> list[Reading]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        values: dict[str, float | int] = {"water_level_cm": rng.choice([0.0, 12.0, 30.0, 45.0])}
        if rng.random() < 0.5:
            values["battery_pct"] = rng.choice([10.0, 50.0])
        if rng.random() < 0.5:
            values["signal_dbm"] = rng.choice([-120, -90])
        out.append(Reading(f"UWL-{rng.randrange(5)}", start + i * MIN, values))
    return out


def run(engine: RuleEngine, batch: list[Reading]) -> list[Outcome]:
    return engine.evaluate(batch, registry(*DEVICES))


def test_a_restored_engine_continues_exactly_like_the_original() -> None:
    original = engine_with(*RULES)
    run(original, readings(1, 200, T0))
    rows = original.snapshot_dirty()
    assert rows
    assert all(isinstance(state, dict) for _, _, state in rows)

    restored = RuleEngine(taxonomy())
    restored.set_rules(RULES)
    restored.restore(json.loads(json.dumps(rows)))  # as stored in rule_state
    after = readings(2, 200, T0 + 200 * MIN)
    expected = run(original, after)
    assert len(expected) > 50
    assert run(restored, after) == expected


def test_snapshot_returns_only_what_changed_since_the_last_one() -> None:
    eng = engine_with(*RULES)
    run(eng, readings(1, 50, T0))
    assert eng.snapshot_dirty()
    assert eng.snapshot_dirty() == []
    run(eng, [Reading("UWL-3", T0 + 60 * MIN, {"water_level_cm": 30.0})])
    assert {(r, d) for r, d, _ in eng.snapshot_dirty()} == {
        ("bands", "UWL-3"),
        ("rising", "UWL-3"),
        ("both", "UWL-3"),
    }


def test_a_snapshot_is_a_copy_that_later_readings_do_not_change() -> None:
    eng = engine_with(*RULES)
    run(eng, [Reading("UWL-1", T0, {"water_level_cm": 0.0})])
    (row,) = [s for r, _, s in eng.snapshot_dirty() if r == "rising"]
    run(eng, [Reading("UWL-1", T0 + MIN, {"water_level_cm": 30.0})])
    assert row["nodes"] == [[False, [[T0, 0.0]]]]


def test_saved_state_that_no_longer_fits_the_rule_is_dropped() -> None:
    eng = engine_with(*RULES)
    eng.restore([("bands", "UWL-1", {"nodes": [1, 2, 3]}), ("gone", "UWL-1", {"nodes": []})])
    assert eng.snapshot_dirty() == []
