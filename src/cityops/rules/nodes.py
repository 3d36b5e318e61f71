"""Conditions compiled into small evaluators for the hot path.

Each node owns one slot in a (rule, device) state's `nodes` list, holding what it must
remember between readings (whether it is in breach, since when, recent samples) as plain
JSON-able values, so a state can be saved and restored as is. `test` answers for one
reading: None (not in breach), `HIT` or a graded verdict (in breach), or `HOLD` (no longer
true but not yet cleared: `clear_for_s`). `peek` answers, without any state, whether a
reading would start a breach, so quiet devices of simple rules need no state at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from cityops.core.types import Value
from cityops.events.model import Severity

Values = Mapping[str, Value]
Slots = list[Any]


class Verdict(NamedTuple):
    severity: Severity | None
    hold: bool = False


HIT = Verdict(None)
HOLD = Verdict(None, hold=True)
GRADED = {s: Verdict(s) for s in Severity}


class Node:
    slot: int
    text: str
    props: tuple[str, ...] = ()
    remembers = False
    """Needs its state even while quiet (samples over a window)."""

    def initial(self) -> Any:
        return None

    def peek(self, vals: Values) -> bool:
        return True

    def test(self, slots: Slots, ts: int, vals: Values, fresh: Values) -> Verdict | None:
        raise NotImplementedError

    def is_on(self, slots: Slots) -> bool:
        return bool(slots[self.slot])

    def explain(self, slots: Slots, vals: Values) -> tuple[dict[str, Value], dict[str, Any]]:
        """The values behind the verdict, and extra evidence (band, water class)."""
        return {p: vals[p] for p in self.props if p in vals}, {}


def number(value: Value | None) -> float | None:
    return None if value is None or isinstance(value, bool | str) else float(value)
