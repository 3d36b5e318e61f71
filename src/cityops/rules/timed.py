"""Conditions over time: a change within a window (rate), and holding for a while (sustained).

Time is the readings' own timestamps, so a backlog replayed after an outage is judged as it
happened, not as it arrived.
"""

from __future__ import annotations

from typing import Any

from cityops.core.types import Value
from cityops.rules import definition as d
from cityops.rules.nodes import HIT, HOLD, Node, Slots, Values, Verdict, number
from cityops.rules.template import pretty


class RateNode(Node):
    """Change over a sliding window, from a monotonic queue of (ts, value) samples.

    For `up` the queue keeps increasing values (each one the minimum of what follows it),
    so the rise is the newest value minus the front; `down` mirrors it. Only fresh readings
    of the property add samples: a carried-forward value would fake a sudden change.
    """

    remembers = True
    MAX_SAMPLES = 256

    def __init__(self, c: d.Rate) -> None:
        self.prop = c.property
        self.props = (c.property,)
        self.up = c.direction == "up"
        self.delta = c.delta
        self.clear = c.delta if c.clear is None else c.clear
        self.window_ms = round(c.window_s * 1000)
        word = "rises" if self.up else "falls"
        self.text = f"{c.property} {word} ≥ {pretty(c.delta)} within {pretty(c.window_s)} s"

    def initial(self) -> Any:
        return [False, []]

    def is_on(self, slots: Slots) -> bool:
        return bool(slots[self.slot][0])

    def test(self, slots: Slots, ts: int, vals: Values, fresh: Values) -> Verdict | None:
        state = slots[self.slot]
        samples: list[list[float]] = state[1]
        v = number(fresh.get(self.prop))
        if v is not None:
            sign = 1.0 if self.up else -1.0
            while samples and sign * samples[-1][1] >= sign * v:
                samples.pop()
            samples.append([ts, v])
        oldest = ts - self.window_ms
        while samples and (samples[0][0] < oldest or len(samples) > self.MAX_SAMPLES):
            samples.pop(0)
        change = abs(samples[-1][1] - samples[0][1]) if samples else 0.0
        state[0] = change >= (self.clear if state[0] else self.delta)
        return HIT if state[0] else None

    def explain(self, slots: Slots, vals: Values) -> tuple[dict[str, Value], dict[str, Any]]:
        samples = slots[self.slot][1]
        change = abs(samples[-1][1] - samples[0][1]) if samples else 0.0
        extra = {"change": round(change, 3), "window_s": self.window_ms / 1000}
        return super().explain(slots, vals)[0], extra


class SustainedNode(Node):
    def __init__(self, c: d.Sustained, inner: Node) -> None:
        self.inner = inner
        self.props = inner.props
        self.remembers = inner.remembers
        self.for_ms = round(c.for_s * 1000)
        self.clear_for_ms = round(c.clear_for_s * 1000)
        self.text = f"{inner.text} for {pretty(c.for_s)} s"

    def initial(self) -> Any:
        return [None, False, None]  # since, on, off since

    def is_on(self, slots: Slots) -> bool:
        return bool(slots[self.slot][1])

    def peek(self, vals: Values) -> bool:
        return self.inner.peek(vals)

    def test(self, slots: Slots, ts: int, vals: Values, fresh: Values) -> Verdict | None:
        state = slots[self.slot]
        inner = self.inner.test(slots, ts, vals, fresh)
        if inner is not None:
            if state[0] is None:
                state[0] = ts
            state[2] = None
            state[1] = state[1] or ts - state[0] >= self.for_ms
            return inner if state[1] else None
        state[0] = None
        if not state[1]:
            return None
        if state[2] is None:
            state[2] = ts
        if ts - state[2] < self.clear_for_ms:
            return HOLD
        state[1], state[2] = False, None
        return None

    def explain(self, slots: Slots, vals: Values) -> tuple[dict[str, Value], dict[str, Any]]:
        values, extra = self.inner.explain(slots, vals)
        since = slots[self.slot][0]
        return values, {**extra, "since": since} if since is not None else extra
