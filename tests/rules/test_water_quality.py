"""GB 3838-2002 grading: limits are inclusive, the worst parameter sets the class."""

from __future__ import annotations

import pytest

from cityops.events.model import Severity
from cityops.rules import gb3838
from tests.rules.support import MIN, T0, Feeder, device, engine_with, kinds, registry, rule, signals


@pytest.mark.parametrize(
    ("parameter", "value", "expected"),
    [
        ("do", 7.5, "I"),
        ("do", 7.49, "II"),
        ("do", 6.0, "II"),
        ("do", 5.0, "III"),
        ("do", 3.0, "IV"),
        ("do", 2.0, "V"),
        ("do", 1.99, "劣V"),
        ("nh3n", 0.15, "I"),
        ("nh3n", 0.151, "II"),
        ("nh3n", 1.0, "III"),
        ("nh3n", 1.5, "IV"),
        ("nh3n", 2.0, "V"),
        ("nh3n", 2.01, "劣V"),
        ("cod", 15.0, "I"),  # Class I and II share the 15 mg/L limit: the better class wins
        ("cod", 15.1, "III"),
        ("cod", 20.0, "III"),
        ("cod", 30.0, "IV"),
        ("cod", 40.0, "V"),
        ("cod", 40.1, "劣V"),
        ("ph", 6.0, "I"),
        ("ph", 9.0, "I"),
        ("ph", 5.99, "劣V"),
        ("ph", 9.01, "劣V"),
    ],
)
def test_each_parameter_meets_the_best_class_whose_limit_it_is_within(
    parameter: str, value: float, expected: str
) -> None:
    assert gb3838.CLASSES[gb3838.grade_parameter(parameter, value)] == expected


def test_the_overall_class_is_the_worst_parameter_and_names_every_parameter_that_set_it() -> None:
    index, setters = gb3838.grade({"do": 6.5, "nh3n": 1.8, "cod": 35.0, "ph": 7.2})
    assert (gb3838.CLASSES[index], setters) == ("V", ["nh3n", "cod"])


WORSE_THAN_IV = {
    "type": "water_quality",
    "parameters": {"do": "do_mg_l", "nh3n": "nh3n_mg_l", "cod": "cod_mg_l", "ph": "ph"},
    "worse_than": "IV",
    "severities": {"V": "blue", "劣V": "orange"},
}
CLEAN = {"do_mg_l": 6.5, "nh3n_mg_l": 0.4, "cod_mg_l": 14.0, "ph": 7.4}


def station_feeder(condition: dict[str, object] = WORSE_THAN_IV) -> Feeder:
    r = rule(
        condition,
        scope={"models": ["water_quality_station"]},
        class_code="E1002",
        severity=None,
        message="{device_name}：水质{water_class_zh}",
    )
    return Feeder(engine_with(r), registry(device("WQ1", "water_quality_station")))


def test_a_spill_raises_worse_than_class_v_with_the_class_and_its_parameters() -> None:
    feed = station_feeder()
    assert feed(T0, "WQ1", **CLEAN) == []
    spill = {**CLEAN, "nh3n_mg_l": 6.0, "cod_mg_l": 85.0, "do_mg_l": 1.2}
    (signal,) = signals(feed(T0 + MIN, "WQ1", **spill))
    assert signal.severity is Severity.ORANGE
    assert signal.title == "测试WQ1：水质劣Ⅴ类"
    assert signal.evidence["water_class"] == "劣V"
    assert signal.evidence["standard"] == "GB 3838-2002"
    assert signal.evidence["set_by"] == ["do_mg_l", "nh3n_mg_l", "cod_mg_l"]
    assert signal.evidence["values"] == spill


def test_severity_follows_the_class_and_the_event_clears_at_class_iv() -> None:
    feed = station_feeder()
    for i, nh3n in enumerate([0.4, 1.9, 2.5, 1.9, 1.5]):
        feed(T0 + i * MIN, "WQ1", **{**CLEAN, "nh3n_mg_l": nh3n})
    assert kinds(feed.outcomes) == ["S:blue", "S:orange", "S:blue", "C"]


def test_class_exactly_at_the_limit_does_not_raise() -> None:
    feed = station_feeder()
    assert feed(T0, "WQ1", **{**CLEAN, "nh3n_mg_l": 1.5, "do_mg_l": 3.0, "cod_mg_l": 30.0}) == []


def test_parameters_may_arrive_in_separate_readings() -> None:
    feed = station_feeder()
    feed(T0, "WQ1", **CLEAN)
    assert kinds(feed(T0 + MIN, "WQ1", ph=5.5)) == ["S:orange"]


def test_clear_at_adds_hysteresis_by_class() -> None:
    feed = station_feeder({**WORSE_THAN_IV, "clear_at": "III"})
    for i, cod in enumerate([45.0, 25.0, 19.0]):  # 劣V, IV (held), III (cleared)
        feed(T0 + i * MIN, "WQ1", **{**CLEAN, "cod_mg_l": cod})
    assert kinds(feed.outcomes) == ["S:orange", "S:blue", "C"]
