"""Threshold lines: the levels a rule enforces on a device, read from its definition."""

from __future__ import annotations

from cityops.devices.registry import Device
from cityops.rules.definition import Rule
from cityops.rules.thresholds import ThresholdLine, thresholds_for
from tests.rules.support import MODELS, device, rule

GAUGE = device("UWL-1")
STATION = device("WQ-1", "water_quality_station")


def lines(r: Rule, d: Device = GAUGE) -> list[tuple[object, ...]]:
    found = thresholds_for(r, d, MODELS[d.model])
    return [(x.property, x.op, x.value, x.severity, x.clear) for x in found]


def test_a_threshold_gives_its_level_and_hysteresis() -> None:
    r = rule(
        {"type": "threshold", "property": "water_level_cm", "op": ">", "value": 20, "clear": 15}
    )
    (line,) = thresholds_for(r, GAUGE, MODELS["underpass_water_level"])
    assert line == ThresholdLine(
        "r1", "测试规则", "Test rule", "water_level_cm", ">", 20, "yellow", 15
    )


def test_a_range_threshold_gives_both_ends() -> None:
    r = rule({"type": "threshold", "property": "water_level_cm", "op": "outside", "value": [2, 80]})
    assert lines(r) == [("water_level_cm", "outside", [2, 80], "yellow", None)]


def test_bands_give_one_line_each_with_their_severity() -> None:
    r = rule(
        {
            "type": "bands",
            "property": "water_level_cm",
            "bands": [{"above": 15, "severity": "blue"}, {"above": 40, "severity": "red"}],
            "clear": 5,
        },
        severity=None,
    )
    assert lines(r) == [
        ("water_level_cm", ">=", 15, "blue", 5),
        ("water_level_cm", ">=", 40, "red", 5),
    ]


def test_sustained_and_combinations_give_the_lines_they_hold() -> None:
    inner = {"type": "threshold", "property": "water_level_cm", "op": ">", "value": 30}
    battery = {"type": "threshold", "property": "battery_pct", "op": "<", "value": 10}
    r = rule(
        {
            "type": "any",
            "conditions": [{"type": "sustained", "for_s": 600, "condition": inner}, battery],
        }
    )
    assert lines(r) == [
        ("water_level_cm", ">", 30, "yellow", None),
        ("battery_pct", "<", 10, "yellow", None),
    ]


def test_conditions_without_a_level_draw_nothing() -> None:
    rate = {"type": "rate", "property": "water_level_cm", "delta": 10, "window_s": 600}
    assert lines(rule(rate)) == []
    assert lines(rule({"type": "no_data", "for_s": 600})) == []


def test_a_rule_that_does_not_watch_the_device_draws_nothing() -> None:
    r = rule({"type": "threshold", "property": "water_level_cm", "op": ">", "value": 20})
    assert lines(r, STATION) == []
    elsewhere = rule(
        {"type": "threshold", "property": "water_level_cm", "op": ">", "value": 20},
        scope={"grids": ["330199"]},
    )
    assert lines(elsewhere) == []
    disabled = rule(
        {"type": "threshold", "property": "water_level_cm", "op": ">", "value": 20},
        enabled=False,
    )
    assert lines(disabled) == []


def test_water_quality_gives_the_gb3838_class_limits_beyond_the_rules_class() -> None:
    r = rule(
        {
            "type": "water_quality",
            "parameters": {"do": "do_mg_l", "nh3n": "nh3n_mg_l", "ph": "ph"},
            "worse_than": "IV",
            "severities": {"V": "blue", "劣V": "orange"},
        },
        scope={"models": ["water_quality_station"]},
        class_code="E1002",
        severity=None,
    )
    assert lines(r, STATION) == [
        # Class V below 3 mg/L dissolved oxygen, 劣V below 2; cleared at Class IV again.
        ("do_mg_l", "<", 3.0, "blue", 3.0),
        ("do_mg_l", "<", 2.0, "orange", 3.0),
        # Ammonia: over the Class IV limit (1.5) is V, over V's (2.0) is 劣V.
        ("nh3n_mg_l", ">", 1.5, "blue", 1.5),
        ("nh3n_mg_l", ">", 2.0, "orange", 1.5),
        # pH is either within 6–9 or 劣V.
        ("ph", "outside", [6.0, 9.0], "orange", None),
    ]
