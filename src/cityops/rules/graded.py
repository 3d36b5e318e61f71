"""Conditions that grade severity: level bands, and GB 3838-2002 water classes."""

from __future__ import annotations

from typing import Any

from cityops.core.types import Value
from cityops.rules import definition as d
from cityops.rules import gb3838
from cityops.rules.nodes import GRADED, Node, Slots, Values, Verdict, number
from cityops.rules.template import pretty


class BandsNode(Node):
    def __init__(self, c: d.Bands) -> None:
        self.prop = c.property
        self.props = (c.property,)
        self.aboves = tuple(b.above for b in c.bands)
        self.severities = tuple(b.severity for b in c.bands)
        self.clear = c.clear
        self.margin = c.margin
        levels = "/".join(pretty(a) for a in self.aboves)
        self.text = f"{c.property} bands ≥ {levels} (clear < {pretty(c.clear)})"

    def initial(self) -> Any:
        return -1

    def is_on(self, slots: Slots) -> bool:
        return bool(slots[self.slot] >= 0)

    def level(self, v: float) -> int:
        for j in range(len(self.aboves) - 1, -1, -1):
            if v >= self.aboves[j]:
                return j
        return -1

    def peek(self, vals: Values) -> bool:
        v = number(vals.get(self.prop))
        return v is not None and v >= self.aboves[0]

    def test(self, slots: Slots, ts: int, vals: Values, fresh: Values) -> Verdict | None:
        band: int = slots[self.slot]
        v = number(vals.get(self.prop))
        if v is not None:
            band = self._next_band(band, v)
            slots[self.slot] = band
        return GRADED[self.severities[band]] if band >= 0 else None

    def _next_band(self, band: int, v: float) -> int:
        target = self.level(v)
        if band < 0 or target >= band:
            return target
        if v < self.clear:
            return -1
        # Falling: leave a band only once clearly below it; stay open at the lowest band.
        while band > 0 and v < self.aboves[band] - self.margin:
            band -= 1
        return band

    def explain(self, slots: Slots, vals: Values) -> tuple[dict[str, Value], dict[str, Any]]:
        values = super().explain(slots, vals)[0]
        band = slots[self.slot]
        if band < 0:
            return values, {}
        return values, {
            "band": {"above": self.aboves[band], "severity": self.severities[band].value}
        }


class WaterQualityNode(Node):
    def __init__(self, c: d.WaterQuality) -> None:
        self.parameters: tuple[tuple[str, str], ...] = tuple(c.parameters.items())
        self.props = tuple(dict.fromkeys(c.parameters.values()))
        self.worse_than = gb3838.class_index(c.worse_than)
        self.clear_at = gb3838.class_index(c.clear_at or c.worse_than)
        self.verdicts = tuple(Verdict(c.severities.get(name)) for name in gb3838.CLASSES)
        self.text = f"{c.standard} worse than Class {c.worse_than}"

    def initial(self) -> Any:
        return -1

    def is_on(self, slots: Slots) -> bool:
        return bool(slots[self.slot] >= 0)

    def grade(self, vals: Values) -> tuple[int, list[str]]:
        sample: dict[str, float] = {}
        for parameter, prop in self.parameters:
            v = number(vals.get(prop))
            if v is not None:
                sample[parameter] = v
        return gb3838.grade(sample)

    def peek(self, vals: Values) -> bool:
        return self.grade(vals)[0] > self.worse_than

    def test(self, slots: Slots, ts: int, vals: Values, fresh: Values) -> Verdict | None:
        raised: int = slots[self.slot]
        graded, _ = self.grade(vals)
        if graded >= 0:
            limit = self.worse_than if raised < 0 else self.clear_at
            raised = graded if graded > limit else -1
            slots[self.slot] = raised
        if raised < 0:
            return None
        return self.verdicts[max(raised, self.worse_than + 1)]

    def explain(self, slots: Slots, vals: Values) -> tuple[dict[str, Value], dict[str, Any]]:
        values = super().explain(slots, vals)[0]
        graded, setters = self.grade(vals)
        if graded < 0:
            return values, {}
        by_param = dict(self.parameters)
        extra = {
            "standard": "GB 3838-2002",
            "water_class": gb3838.CLASSES[graded],
            "water_class_zh": gb3838.CLASS_ZH[graded],
            "set_by": [by_param[p] for p in setters],
        }
        return values, extra
