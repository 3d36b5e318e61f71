"""The level lines a rule draws on a device's chart: where a reading starts (and stops) a breach.

A pure reading of the rule definition, so a chart can show what the detector enforces:
`threshold` gives its level (and hysteresis level), `bands` one line per band, GB 3838
`water_quality` one line per class step worse than the rule's limit, for each parameter the
device measures; `sustained`, `all` and `any` give the lines of what they hold. Conditions
with no fixed level (`rate`, `no_data`, flag `equals`) give none.
"""

from __future__ import annotations

from collections.abc import Iterator

import msgspec

from cityops.devices.registry import Device
from cityops.devices.thing_model import ThingModel
from cityops.rules import definition as d
from cityops.rules import gb3838
from cityops.rules.compiled import CompiledRule

Level = float | list[float]


class ThresholdLine(msgspec.Struct, frozen=True):
    rule_id: str
    rule_name: str
    rule_name_en: str
    property: str
    op: str
    """>, >=, <, <=, between or outside: a reading *in breach* satisfies `property op value`."""
    value: Level
    severity: str | None
    """The event's severity while beyond this line; None when the rule gives none."""
    clear: Level | None
    """Hysteresis: once in breach, it ends only past this level (None: at `value`)."""


def thresholds_for(rule: d.Rule, device: Device, model: ThingModel) -> list[ThresholdLine]:
    """The lines of `rule` for `device`; none when the rule is disabled or does not watch it."""
    if not rule.enabled or not CompiledRule(rule).applies_to(device, model):
        return []
    found: dict[tuple[str, str, str], ThresholdLine] = {}
    for prop, op, value, severity, clear in _lines(rule.condition, rule):
        if prop in model.by_id:
            line = ThresholdLine(
                rule.id, rule.name_zh, rule.name_en, prop, op, value, severity, clear
            )
            found[(prop, op, repr(value))] = line  # equal limits: the later, worse class wins
    return list(found.values())


Line = tuple[str, str, Level, str | None, Level | None]


def _lines(cond: d.Condition, rule: d.Rule) -> Iterator[Line]:
    default = rule.severity.value if rule.severity else None
    match cond:
        case d.Threshold(equals=None, value=value) if value is not None:
            yield cond.property, cond.op or ">", _level(value), default, _maybe(cond.clear)
        case d.Bands():
            for band in cond.bands:
                yield cond.property, ">=", band.above, band.severity.value, cond.clear
        case d.WaterQuality():
            yield from _water_lines(cond, default)
        case d.Sustained():
            yield from _lines(cond.condition, rule)
        case d.AllOf() | d.AnyOf():
            for inner in cond.conditions:
                yield from _lines(inner, rule)
        case _:
            return


def _water_lines(cond: d.WaterQuality, default: str | None) -> Iterator[Line]:
    """Crossing class k−1's limit makes the water class k; the rule raises for k > worse_than
    and clears once the class is `clear_at` or better again."""
    worse_than = gb3838.class_index(cond.worse_than)
    clear_at = gb3838.class_index(cond.clear_at or cond.worse_than)
    for parameter, prop in cond.parameters.items():
        for k in range(worse_than + 1, len(gb3838.CLASSES)):
            named = cond.severities.get(gb3838.CLASSES[k])
            severity = named.value if named else default
            if parameter == "ph":
                if k == gb3838.WORSE_THAN_V:  # pH is in range (Class I) or 劣V, nothing between
                    yield prop, "outside", list(gb3838.PH_RANGE), severity, None
            elif parameter == "do":
                clear = gb3838.DO_FLOOR[clear_at] if clear_at < gb3838.WORSE_THAN_V else None
                yield prop, "<", gb3838.DO_FLOOR[k - 1], severity, clear
            else:
                limits = gb3838.CEILINGS[parameter]
                clear = limits[clear_at] if clear_at < gb3838.WORSE_THAN_V else None
                yield prop, ">", limits[k - 1], severity, clear


def _level(value: float | d.Pair) -> Level:
    return list(value) if isinstance(value, tuple) else value


def _maybe(value: float | d.Pair | None) -> Level | None:
    return None if value is None else _level(value)
