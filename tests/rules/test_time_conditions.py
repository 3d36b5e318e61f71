"""Sustained and rate conditions: judged by reading time, never by arrival time."""

from __future__ import annotations

from typing import Any

from tests.rules.support import MIN, T0, Feeder, device, engine_with, kinds, registry, rule, signals

ABOVE_15 = {"type": "threshold", "property": "water_level_cm", "op": ">", "value": 15}


def feeder(condition: dict[str, Any]) -> Feeder:
    return Feeder(engine_with(rule(condition)), registry(device()))


def test_sustained_raises_only_once_the_condition_has_held_for_the_duration() -> None:
    feed = feeder({"type": "sustained", "for_s": 300, "condition": ABOVE_15})
    assert feed(T0, water_level_cm=20) == []
    assert feed(T0 + 4 * MIN, water_level_cm=20) == []
    assert kinds(feed(T0 + 5 * MIN, water_level_cm=20)) == ["S:yellow"]
    assert kinds(feed(T0 + 6 * MIN, water_level_cm=10)) == ["C"]


def test_sustained_restarts_its_clock_when_the_condition_lapses() -> None:
    feed = feeder({"type": "sustained", "for_s": 300, "condition": ABOVE_15})
    for minute, level in [(0, 20), (4, 10), (5, 20), (9, 20)]:
        feed(T0 + minute * MIN, water_level_cm=level)
    assert feed.outcomes == []
    assert kinds(feed(T0 + 10 * MIN, water_level_cm=20)) == ["S:yellow"]


def test_clear_for_s_holds_the_event_through_a_short_dip() -> None:
    feed = feeder({"type": "sustained", "for_s": 60, "clear_for_s": 300, "condition": ABOVE_15})
    for minute, level in [(0, 20), (1, 20), (2, 10), (4, 10), (5, 20), (6, 10), (10, 10)]:
        feed(T0 + minute * MIN, water_level_cm=level)
    # the dips at 2-4 and 6-10 min are shorter than 5 min: no clear; signals only while true
    assert kinds(feed.outcomes) == ["S:yellow", "S:yellow"]
    assert kinds(feed(T0 + 11 * MIN, water_level_cm=10)) == ["C"]


def test_sustained_keeps_the_severity_of_a_graded_inner_condition() -> None:
    bands = {
        "type": "bands",
        "property": "water_level_cm",
        "bands": [{"above": 15, "severity": "blue"}, {"above": 40, "severity": "red"}],
        "clear": 5,
    }
    feed = Feeder(
        engine_with(rule({"type": "sustained", "for_s": 60, "condition": bands}, severity=None)),
        registry(device()),
    )
    for minute, level in [(0, 45), (1, 45), (2, 20)]:
        feed(T0 + minute * MIN, water_level_cm=level)
    assert kinds(feed.outcomes) == ["S:red", "S:blue"]


RISING_10_IN_10 = {
    "type": "rate",
    "property": "water_level_cm",
    "direction": "up",
    "delta": 10,
    "window_s": 600,
    "clear": 3,
}


def test_rate_raises_on_a_fast_rise_and_clears_when_the_rise_stops() -> None:
    feed = feeder(RISING_10_IN_10)
    levels = [0, 3, 6, 9, 12, 15] + [18] * 11  # +3 cm/min for 6 minutes, then flat
    for minute, level in enumerate(levels):
        feed(T0 + minute * MIN, water_level_cm=level)
    # the rise in the last 10 minutes falls below the clear level (3) once 15 cm leaves it
    assert kinds(feed.outcomes) == ["S:yellow"] * 12 + ["C"]
    assert feed.outcomes[-1].ts == T0 + 16 * MIN
    first = signals(feed.outcomes)[0]
    assert first.ts == T0 + 4 * MIN  # 12 cm over the first 4 minutes
    assert first.evidence["change"] == 12
    assert first.evidence["window_s"] == 600


def test_a_slow_rise_of_the_same_size_does_not_count() -> None:
    feed = feeder(RISING_10_IN_10)
    for minute in range(0, 60, 5):
        feed(T0 + minute * MIN, water_level_cm=minute / 5 * 4.0)  # 4 cm per 5 min
    assert feed.outcomes == []


def test_rate_down_watches_falls() -> None:
    feed = feeder({**RISING_10_IN_10, "direction": "down"})
    for minute, level in enumerate([30, 30, 25, 18]):
        feed(T0 + minute * MIN, water_level_cm=level)
    assert kinds(feed.outcomes) == ["S:yellow"]


def test_rate_uses_only_fresh_readings_of_its_property() -> None:
    cable = {
        "type": "all",
        "conditions": [
            {"type": "threshold", "property": "battery_pct", "op": ">=", "value": 0},
            RISING_10_IN_10,
        ],
    }
    feed = feeder(cable)
    feed(T0, water_level_cm=0, battery_pct=90.0)
    for minute in range(1, 30):  # battery-only readings must not refresh the old level
        feed(T0 + minute * MIN, battery_pct=90.0)
    assert feed(T0 + 30 * MIN, water_level_cm=11) == []  # 11 cm, but over 30 minutes
