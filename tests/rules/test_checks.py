"""Validation names each failing field by its path, all of them at once."""

from __future__ import annotations

from typing import Any

import pytest

from cityops.rules.checks import RuleInvalid, parse_rule
from cityops.taxonomy.model import Taxonomy
from tests.rules.support import MODELS, taxonomy

BASE: dict[str, Any] = {
    "id": "water",
    "name_zh": "积水",
    "name_en": "Water",
    "scope": {"models": ["underpass_water_level"]},
    "condition": {"type": "threshold", "property": "water_level_cm", "op": ">", "value": 15},
    "class_code": "E1001",
    "severity": "blue",
}


def errors(change: dict[str, Any], tax: Taxonomy | None = None) -> list[str]:
    with pytest.raises(RuleInvalid) as caught:
        parse_rule({**BASE, **change}, taxonomy() if tax is None else tax, MODELS)
    return [str(e) for e in caught.value.errors]


def bands(*aboves: float, clear: float = 5) -> dict[str, Any]:
    severities = ["blue", "yellow", "orange", "red"]
    return {
        "type": "bands",
        "property": "water_level_cm",
        "bands": [{"above": a, "severity": s} for a, s in zip(aboves, severities, strict=False)],
        "clear": clear,
    }


def test_a_valid_rule_parses() -> None:
    assert parse_rule(BASE, taxonomy(), MODELS).id == "water"


def test_bands_must_rise_and_clear_below_the_first() -> None:
    assert errors({"condition": bands(15, 10, 40, clear=20)}) == [
        "condition.bands.1.above: must be greater than the previous band",
        "condition.clear: must be below the first band (15)",
    ]


def test_band_severities_must_rise() -> None:
    condition = bands(15, 27)
    condition["bands"][1]["severity"] = "blue"
    assert errors({"condition": condition}) == [
        "condition.bands.1.severity: must be more severe than the previous band"
    ]


def test_shape_errors_name_the_nested_path_without_union_tags() -> None:
    condition = {
        "type": "all",
        "conditions": [
            {"type": "sustained", "for_s": -1, "condition": {"type": "bogus"}},
            {"type": "threshold", "property": "water_level_cm", "op": ">", "value": 1, "x": 1},
        ],
    }
    assert errors({"condition": condition, "colour": "red"}) == [
        "condition.conditions.0.condition: input tag 'bogus' found using 'type' does not match"
        " any of the expected tags: 'threshold', 'sustained', 'rate', 'no_data', 'bands',"
        " 'water_quality', 'all', 'any'",
        "condition.conditions.0.for_s: input should be greater than 0",
        "condition.conditions.1.x: extra inputs are not permitted",
        "colour: extra inputs are not permitted",
    ]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"value": None}, "condition.value: required"),
        ({"op": None, "value": None}, "condition.op: required (or give equals)"),
        ({"op": "between", "value": 3}, "condition.value: must be [low, high] for op 'between'"),
        ({"op": ">", "value": [1, 2]}, "condition.value: must be a single number for op '>'"),
        (
            {"op": ">", "value": 50, "clear": 55},
            "condition.clear: must not be above value (50) for op '>'",
        ),
        (
            {"op": "<", "value": 5, "clear": 1},
            "condition.clear: must not be below value (5) for op '<'",
        ),
        ({"op": "outside", "value": [9, 6]}, "condition.value: low must be below high"),
        (
            {"op": "outside", "value": [6, 9], "clear": [5, 8]},
            "condition.clear: must lie within value [6, 9]",
        ),
        (
            {"op": "between", "value": [6, 9], "clear": [7, 10]},
            "condition.clear: must enclose value: low ≤ 6 and high ≥ 9",
        ),
        ({"equals": 3, "value": None}, "condition.op: not used together with equals"),
        (
            {"property": "nope"},
            "condition.property: 'nope' is not a property of underpass_water_level",
        ),
    ],
)
def test_threshold_errors(condition: dict[str, Any], expected: str) -> None:
    full = {**BASE["condition"], **condition}
    assert errors({"condition": {k: v for k, v in full.items() if v is not None}}) == [expected]


def test_a_flag_is_compared_with_equals() -> None:
    condition = {"type": "threshold", "property": "smoke_alarm", "op": ">", "value": 0}
    assert errors({"condition": condition, "scope": {"models": ["smoke_detector"]}}) == [
        "condition.property: 'smoke_alarm' is bool; compare it with equals"
    ]


def test_severity_is_required_unless_the_condition_grades() -> None:
    assert errors({"severity": None}) == [
        "severity: required when the condition does not grade severity"
    ]
    assert parse_rule({**BASE, "severity": None, "condition": bands(15)}, taxonomy(), MODELS)


def test_water_quality_errors() -> None:
    condition = {
        "type": "water_quality",
        "parameters": {"nh3n": "nh3n_mg_l", "bod5": "bod5_mg_l"},
        "worse_than": "IV",
        "clear_at": "V",
        "severities": {"III": "blue", "V": "yellow"},
    }
    scope = {"models": ["water_quality_station"]}
    assert errors({"condition": condition, "scope": scope, "severity": None}) == [
        "condition.clear_at: must be IV or a better class",
        "condition.severities.III: class III is not worse than IV; it never raises",
        "condition.severities: give a severity for 劣V (or a rule severity)",
        "condition.parameters.bod5: 'bod5_mg_l' is not a property of water_quality_station",
    ]


def test_no_data_only_as_the_whole_condition() -> None:
    condition = {"type": "any", "conditions": [{"type": "no_data", "for_s": 60}]}
    assert errors({"condition": condition}) == [
        "condition.conditions.0.type: no_data can only be a rule's whole condition"
    ]


def test_unknown_class_model_and_bad_template() -> None:
    assert errors(
        {"class_code": "E9999", "scope": {"models": ["boat"]}, "message": "{device_name"}
    ) == [
        "class_code: unknown event class 'E9999'",
        "message: not a valid template: expected '}' before end of string",
        "scope.models.0: unknown thing model 'boat'",
    ]


def test_an_empty_taxonomy_accepts_no_class() -> None:
    assert errors({}, Taxonomy([])) == ["class_code: unknown event class 'E1001'"]


def test_nesting_is_limited() -> None:
    condition: dict[str, Any] = BASE["condition"]
    for _ in range(8):
        condition = {"type": "all", "conditions": [condition]}
    assert errors({"condition": condition}) == [
        "condition" + ".conditions.0" * 8 + ": conditions nest deeper than 8 levels"
    ]
