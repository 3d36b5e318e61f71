"""Scope: OR within a list, AND across lists; grids by code prefix; changes apply at once."""

from __future__ import annotations

from typing import Any

import pytest

from cityops.devices.registry import Device
from tests.rules.support import GRID, T0, device, engine_with, reading, registry, rule, signals

LOW_BATTERY = {"type": "threshold", "property": "battery_pct", "op": "<", "value": 20}


def raised_for(scope: dict[str, Any], *devices: Device) -> list[str]:
    eng = engine_with(rule(LOW_BATTERY, scope=scope))
    reg = registry(*devices)
    out = eng.evaluate([reading(T0, d.id, battery_pct=5.0) for d in devices], reg)
    return [s.device_id or "" for s in signals(out)]


FLEET = (
    device("UWL-1", tags=("underpass", "flood-risk")),
    device("UWL-2", grid_code="330106002001001", tags=("underpass",)),
    device("SMK-1", "smoke_detector", tags=("nine-small-venue", "hotel")),
    device("MHT-1", "manhole_tilt_sensor", grid_code=None, tags=("road",)),
    device("CAM-1", "camera"),  # no battery: never matched by a battery rule
)


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ({}, ["UWL-1", "UWL-2", "SMK-1", "MHT-1"]),
        ({"models": ["smoke_detector", "manhole_tilt_sensor"]}, ["SMK-1", "MHT-1"]),
        ({"grids": [GRID[:9]]}, ["UWL-1", "SMK-1"]),  # street prefix
        ({"grids": ["330106002"]}, ["UWL-2"]),
        ({"tags": ["flood-risk", "hotel"]}, ["UWL-1", "SMK-1"]),
        ({"devices": ["UWL-2", "MHT-1"]}, ["UWL-2", "MHT-1"]),
        ({"models": ["underpass_water_level"], "tags": ["flood-risk"]}, ["UWL-1"]),
        ({"tags": ["underpass"], "grids": ["330106002"]}, ["UWL-2"]),
    ],
)
def test_scope_lists_or_within_and_across(scope: dict[str, Any], expected: list[str]) -> None:
    assert raised_for(scope, *FLEET) == expected


def test_a_device_changed_after_its_first_reading_is_scoped_again() -> None:
    eng = engine_with(rule(LOW_BATTERY, scope={"tags": ["flood-risk"]}))
    reg = registry(device("UWL-1"))
    assert eng.evaluate([reading(T0, battery_pct=5.0)], reg) == []
    reg.add([(device("UWL-1", tags=("flood-risk",)), "hash")])
    assert len(eng.evaluate([reading(T0 + 1, battery_pct=5.0)], reg)) == 1


def test_set_rules_swaps_the_rule_set_and_keeps_the_state_of_unchanged_rules() -> None:
    battery = rule(LOW_BATTERY, id="battery")
    water = rule({"type": "threshold", "property": "water_level_cm", "op": ">", "value": 50})
    eng = engine_with(battery, water)
    reg = registry(device())
    eng.evaluate([reading(T0, battery_pct=5.0, water_level_cm=60.0)], reg)
    changed = rule({"type": "threshold", "property": "water_level_cm", "op": ">", "value": 70})
    eng.set_rules([battery, changed])
    out = eng.evaluate([reading(T0 + 1, battery_pct=50.0, water_level_cm=60.0)], reg)
    # the battery rule remembers its open breach and clears it; the changed rule starts over
    assert [(type(o).__name__, o.key) for o in out] == [("Clear", "rule:battery:UWL-1")]
