"""all / any: combine conditions over properties that may arrive in different readings."""

from __future__ import annotations

from cityops.events.model import Severity
from tests.rules.support import MIN, T0, Feeder, device, engine_with, kinds, registry, rule, signals

SMOKE = {"type": "threshold", "property": "smoke_alarm", "equals": True}
HOT = {"type": "threshold", "property": "temperature_c", "op": ">=", "value": 57, "clear": 50}


def smoke_feeder(kind: str) -> Feeder:
    condition = {"type": kind, "conditions": [SMOKE, HOT]}
    r = rule(condition, scope={"models": ["smoke_detector"]}, class_code="E1003", severity="red")
    return Feeder(engine_with(r), registry(device("S1", "smoke_detector")))


def test_all_combines_values_from_separate_readings() -> None:
    feed = smoke_feeder("all")
    assert feed(T0, "S1", smoke_alarm=True) == []
    (signal,) = feed(T0 + MIN, "S1", temperature_c=60.0)
    assert signal.severity is Severity.RED
    assert signal.evidence["values"] == {"smoke_alarm": True, "temperature_c": 60.0}
    assert (
        signal.evidence["condition"] == "smoke_alarm == true and temperature_c >= 57 (clear at 50)"
    )


def test_all_clears_when_any_part_clears_and_each_part_keeps_its_hysteresis() -> None:
    feed = smoke_feeder("all")
    feed(T0, "S1", smoke_alarm=True, temperature_c=60.0)
    assert kinds(feed(T0 + MIN, "S1", temperature_c=52.0)) == ["S:red"]  # above clear 50
    assert kinds(feed(T0 + 2 * MIN, "S1", smoke_alarm=False)) == ["C"]


def test_any_raises_on_either_part_and_clears_when_none_holds() -> None:
    feed = smoke_feeder("any")
    assert kinds(feed(T0, "S1", smoke_alarm=False, temperature_c=58.0)) == ["S:red"]
    assert kinds(feed(T0 + MIN, "S1", smoke_alarm=True, temperature_c=20.0)) == ["S:red"]
    assert kinds(feed(T0 + 2 * MIN, "S1", smoke_alarm=False)) == ["C"]


def test_any_reports_only_the_parts_that_hold() -> None:
    feed = smoke_feeder("any")
    (signal,) = signals(feed(T0, "S1", smoke_alarm=True, temperature_c=20.0))
    assert signal.evidence["values"] == {"smoke_alarm": True}


def test_a_combination_takes_the_worst_graded_severity() -> None:
    graded = {
        "type": "any",
        "conditions": [
            {
                "type": "bands",
                "property": "water_level_cm",
                "bands": [{"above": 15, "severity": "blue"}, {"above": 40, "severity": "red"}],
                "clear": 5,
            },
            {
                "type": "bands",
                "property": "battery_pct",
                "bands": [{"above": 90, "severity": "yellow"}],
                "clear": 80,
            },
        ],
    }
    feed = Feeder(engine_with(rule(graded, severity=None)), registry(device()))
    assert kinds(feed(T0, water_level_cm=20.0, battery_pct=95.0)) == ["S:yellow"]
    assert kinds(feed(T0 + MIN, water_level_cm=45.0)) == ["S:red"]
