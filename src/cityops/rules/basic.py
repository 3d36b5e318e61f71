"""The plain conditions: thresholds (with hysteresis or equality), all/any, and no_data."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from cityops.core.types import Value
from cityops.rules import definition as d
from cityops.rules.nodes import GRADED, HIT, HOLD, Node, Slots, Values, Verdict
from cityops.rules.template import pretty


def _show(x: object) -> str:
    if isinstance(x, tuple):
        return "[" + ", ".join(pretty(v) for v in x) + "]"
    return str(x).lower() if isinstance(x, bool) else pretty(x)


_COMPARE: dict[str, Callable[[Any, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
Predicate = Callable[[Any], bool]


def _predicates(c: d.Threshold) -> tuple[Predicate, Predicate]:
    """(starts a breach, keeps a breach) for a threshold; they differ by the hysteresis."""
    eq = c.equals
    if eq is not None:
        if isinstance(eq, bool):
            return (lambda v: v is eq), (lambda v: v is eq)
        return (lambda v: v == eq and not isinstance(v, bool)), (lambda v: v == eq)
    value, clear = c.value, c.clear
    if isinstance(value, tuple):
        lo, hi = value
        clo, chi = clear if isinstance(clear, tuple) else value
        if c.op == "between":
            return (lambda v: lo <= v <= hi), (lambda v: clo <= v <= chi)
        return (lambda v: v < lo or v > hi), (lambda v: v < clo or v > chi)
    compare, x = _COMPARE[c.op or ">"], float(value or 0.0)

    def starts(v: Any) -> bool:
        return compare(v, x)

    if clear is None or isinstance(clear, tuple):
        return starts, starts
    k = float(clear)
    keep = operator.ge if c.op in (">", ">=") else operator.le
    return starts, lambda v: keep(v, k)


class ThresholdNode(Node):
    def __init__(self, c: d.Threshold) -> None:
        self.prop = c.property
        self.props = (c.property,)
        self.starts, self.keeps = _predicates(c)
        if c.equals is not None:
            self.text = f"{c.property} == {_show(c.equals)}"
        else:
            self.text = f"{c.property} {c.op} {_show(c.value)}"
            if c.clear is not None:
                self.text += f" (clear at {_show(c.clear)})"

    def initial(self) -> Any:
        return False

    def peek(self, vals: Values) -> bool:
        v = vals.get(self.prop)
        return v is not None and self.starts(v)

    def test(self, slots: Slots, ts: int, vals: Values, fresh: Values) -> Verdict | None:
        v = vals.get(self.prop)
        on = slots[self.slot]
        if v is not None:
            on = self.keeps(v) if on else self.starts(v)
            slots[self.slot] = on
        return HIT if on else None


class CombinationNode(Node):
    def __init__(self, children: list[Node], every: bool) -> None:
        self.children = tuple(children)
        self.every = every
        self.props = tuple(dict.fromkeys(p for c in children for p in c.props))
        self.remembers = any(c.remembers for c in children)
        joiner = " and " if every else " or "
        self.text = joiner.join(
            f"({c.text})" if isinstance(c, CombinationNode) else c.text for c in children
        )

    def is_on(self, slots: Slots) -> bool:
        found = (c.is_on(slots) for c in self.children)
        return all(found) if self.every else any(found)

    def peek(self, vals: Values) -> bool:
        found = (c.peek(vals) for c in self.children)
        return all(found) if self.every else any(found)

    def test(self, slots: Slots, ts: int, vals: Values, fresh: Values) -> Verdict | None:
        # Every child is tested, never short-circuited: each keeps its own hysteresis.
        verdicts = [c.test(slots, ts, vals, fresh) for c in self.children]
        true = [v for v in verdicts if v is not None]
        if self.every:
            if len(true) < len(verdicts):
                return None
            if any(v.hold for v in true):
                return HOLD
        else:
            if not true:
                return None
            true = [v for v in true if not v.hold]
            if not true:
                return HOLD
        graded = [v.severity for v in true if v.severity is not None]
        return GRADED[max(graded, key=lambda s: s.rank)] if graded else HIT

    def explain(self, slots: Slots, vals: Values) -> tuple[dict[str, Value], dict[str, Any]]:
        values: dict[str, Value] = {}
        extra: dict[str, Any] = {}
        for child in self.children:
            if self.every or child.is_on(slots):
                more, more_extra = child.explain(slots, vals)
                values.update(more)
                extra.update(more_extra)
        return values, extra


class NoDataNode(Node):
    def __init__(self, c: d.NoData) -> None:
        self.for_ms = round(c.for_s * 1000)
        self.text = f"no data for {pretty(c.for_s)} s"

    def test(self, slots: Slots, ts: int, vals: Values, fresh: Values) -> Verdict | None:
        return None  # judged by the engine's tick from the shadows, never by a reading
