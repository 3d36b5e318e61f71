"""Thresholds: every operator, hysteresis, flags, what a signal carries, late readings."""

from __future__ import annotations

import pytest

from cityops.events.model import EventSource, Severity
from tests.rules.support import (
    GRID,
    MIN,
    T0,
    Feeder,
    device,
    engine_with,
    kinds,
    registry,
    rule,
    signals,
)


def feeder(condition: dict[str, object], model: str = "underpass_water_level") -> Feeder:
    scope = {"models": [model]}
    dev = device("D1", model)
    return Feeder(engine_with(rule(condition, scope=scope)), registry(dev))


WATER_ABOVE_50 = {
    "type": "threshold",
    "property": "water_level_cm",
    "op": ">",
    "value": 50,
    "clear": 45,
}


def test_a_breach_signals_on_every_breaching_reading_and_clears_past_the_clear_level() -> None:
    feed = feeder(WATER_ABOVE_50)
    levels = [10, 51, 60, 48, 46, 44.9, 30]
    for i, level in enumerate(levels):
        feed(T0 + i * MIN, "D1", water_level_cm=level)
    # 48 and 46 are above the clear level 45: still in breach, still counted
    assert kinds(feed.outcomes) == ["S:yellow", "S:yellow", "S:yellow", "S:yellow", "C"]


def test_without_a_clear_level_the_breach_ends_as_soon_as_the_value_is_back() -> None:
    feed = feeder({"type": "threshold", "property": "water_level_cm", "op": ">", "value": 50})
    for i, level in enumerate([51, 50, 51]):
        feed(T0 + i * MIN, "D1", water_level_cm=level)
    assert kinds(feed.outcomes) == ["S:yellow", "C", "S:yellow"]


@pytest.mark.parametrize(
    ("op", "value", "breaching", "quiet"),
    [
        (">", 50, 50.1, 50),
        (">=", 50, 50, 49.9),
        ("<", 20, 19.9, 20),
        ("<=", 20, 20, 20.1),
        ("between", [10, 20], 10, 20.1),
        ("outside", [10, 20], 9.9, 10),
    ],
)
def test_each_operator_breaches_exactly_at_its_boundary(
    op: str, value: object, breaching: float, quiet: float
) -> None:
    feed = feeder({"type": "threshold", "property": "water_level_cm", "op": op, "value": value})
    assert feed(T0, "D1", water_level_cm=quiet) == []
    assert kinds(feed(T0 + MIN, "D1", water_level_cm=breaching)) == ["S:yellow"]


def test_outside_with_a_clear_range_holds_until_well_inside() -> None:
    feed = feeder(
        {
            "type": "threshold",
            "property": "ph",
            "op": "outside",
            "value": [6, 9],
            "clear": [6.5, 8.5],
        },
        model="water_quality_station",
    )
    for i, ph in enumerate([7.0, 5.8, 6.2, 6.6]):
        feed(T0 + i * MIN, "D1", ph=ph)
    assert kinds(feed.outcomes) == ["S:yellow", "S:yellow", "C"]


def test_a_boolean_flag_is_matched_with_equals() -> None:
    feed = feeder(
        {"type": "threshold", "property": "smoke_alarm", "equals": True}, model="smoke_detector"
    )
    for i, alarm in enumerate([False, True, True, False]):
        feed(T0 + i * MIN, "D1", smoke_alarm=alarm)
    assert kinds(feed.outcomes) == ["S:yellow", "S:yellow", "C"]


def test_a_signal_carries_key_place_rule_title_and_evidence() -> None:
    feed = feeder(WATER_ABOVE_50)
    (signal,) = feed(T0, "D1", water_level_cm=52.25, battery_pct=80.0)
    assert signal.key == "rule:r1:D1"
    assert (signal.class_code, signal.source, signal.ts) == ("E1001", EventSource.RULE, T0)
    assert (signal.device_id, signal.rule_id, signal.grid_code) == ("D1", "r1", GRID)
    assert (signal.lon, signal.lat) == (120.3, 30.3)
    assert signal.severity is Severity.YELLOW
    assert signal.title == "测试D1：积水深度52.25cm"
    assert signal.evidence == {
        "values": {"water_level_cm": 52.25},
        "condition": "water_level_cm > 50 (clear at 45)",
    }


def test_a_clear_says_why_with_the_values() -> None:
    feed = feeder(WATER_ABOVE_50)
    feed(T0, "D1", water_level_cm=52)
    (clear,) = feed(T0 + MIN, "D1", water_level_cm=3)
    assert clear.key == "rule:r1:D1"
    assert clear.ts == T0 + MIN
    assert clear.reason == "积水深度恢复正常：3cm"
    assert clear.evidence["values"] == {"water_level_cm": 3}


def test_readings_without_the_property_change_nothing() -> None:
    feed = feeder(WATER_ABOVE_50)
    feed(T0, "D1", water_level_cm=60)
    assert feed(T0 + MIN, "D1", battery_pct=50.0) == []
    assert kinds(feed(T0 + 2 * MIN, "D1", water_level_cm=10)) == ["C"]


def test_a_late_reading_does_not_flip_the_state_backwards() -> None:
    feed = feeder(WATER_ABOVE_50)
    feed(T0, "D1", water_level_cm=60)
    feed(T0 + 2 * MIN, "D1", water_level_cm=10)  # cleared
    assert feed(T0 + MIN, "D1", water_level_cm=70) == []  # older than the clear: ignored
    assert kinds(feed(T0 + 3 * MIN, "D1", water_level_cm=70)) == ["S:yellow"]


def test_a_late_quiet_reading_does_not_clear_a_newer_breach() -> None:
    feed = feeder(WATER_ABOVE_50)
    feed(T0 + 2 * MIN, "D1", water_level_cm=60)
    assert feed(T0 + MIN, "D1", water_level_cm=10) == []
    assert len(signals(feed(T0 + 3 * MIN, "D1", water_level_cm=61))) == 1


def test_readings_of_unknown_devices_are_ignored() -> None:
    feed = feeder(WATER_ABOVE_50)
    assert feed(T0, "nobody", water_level_cm=90) == []
