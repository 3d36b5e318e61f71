"""Properties over random reading sequences (late ones included) for threshold and bands rules.

- a Signal only for a reading at or past the breach level, or inside the hysteresis band of a
  breach that is still open; a Clear only past the clear level, and only for an open breach;
- once a device's newest value is past the clear level, nothing of it is open;
- applied to the real event service, never two open events for one (rule, device).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cityops.bus.local import LocalBus
from cityops.core.clock import FakeClock
from cityops.events.model import Clear, Outcome, Signal
from cityops.events.service import EventService
from cityops.rules.definition import Rule
from cityops.store.schema import event_changes, events
from tests.rules.support import MIN, T0, device, engine_with, reading, registry, rule

DEVICES = [device(f"UWL-{i}") for i in range(3)]
REGISTRY = registry(*DEVICES)

THRESHOLD = rule(
    {"type": "threshold", "property": "water_level_cm", "op": ">", "value": 50, "clear": 45},
    id="threshold",
)
BANDS = rule(
    {
        "type": "bands",
        "property": "water_level_cm",
        "bands": [
            {"above": 15, "severity": "blue"},
            {"above": 27, "severity": "yellow"},
            {"above": 40, "severity": "orange"},
            {"above": 50, "severity": "red"},
        ],
        "clear": 5,
        "margin": 2,
    },
    id="bands",
    severity=None,
)
LEVELS = {"threshold": (50.0, 45.0), "bands": (15.0, 5.0)}  # (breach, clear)


@dataclass(frozen=True)
class Step:
    device: int
    minutes: int
    """Forward from the newest reading so far; a negative value makes a late reading."""
    level: float


steps = st.lists(
    st.builds(
        Step,
        st.integers(0, len(DEVICES) - 1),
        st.integers(-5, 10),
        st.one_of(
            st.sampled_from([4.9, 5.0, 14.9, 15.0, 38.0, 44.9, 45.0, 48.0, 50.0, 50.1]),
            st.floats(0, 80, allow_nan=False).map(lambda x: round(x, 1)),
        ),
    ),
    min_size=1,
    max_size=80,
)


def play(r: Rule, sequence: list[Step]) -> Iterator[tuple[Step, int, list[Outcome]]]:
    engine = engine_with(r)
    newest = T0
    for step in sequence:
        ts = newest + step.minutes * MIN
        newest = max(newest, ts)
        batch = [reading(ts, DEVICES[step.device].id, water_level_cm=step.level)]
        yield step, ts, engine.evaluate(batch, REGISTRY)


def check(r: Rule, sequence: list[Step]) -> list[Outcome]:
    breach, clear = LEVELS[r.id]
    is_open: dict[int, bool] = {}
    newest: dict[int, tuple[int, float]] = {}
    everything: list[Outcome] = []
    for step, ts, out in play(r, sequence):
        everything.extend(out)
        assert len(out) <= 1
        if ts >= newest.get(step.device, (ts, 0.0))[0]:
            newest[step.device] = (ts, step.level)
        for outcome in out:
            if isinstance(outcome, Signal):
                was_open = is_open.get(step.device, False)
                assert step.level >= (clear if was_open else breach)
                is_open[step.device] = True
            else:
                assert is_open.get(step.device)
                assert step.level < clear
                is_open[step.device] = False
    for index, (_, level) in newest.items():
        if level < clear:
            assert not is_open.get(index, False)
    return everything


@given(steps)
def test_threshold_rule_properties(sequence: list[Step]) -> None:
    check(THRESHOLD, sequence)


@given(steps)
def test_bands_rule_properties(sequence: list[Step]) -> None:
    out = check(BANDS, sequence)
    for signal in (o for o in out if isinstance(o, Signal)):
        level = signal.evidence["values"]["water_level_cm"]
        band = signal.evidence["band"]
        assert band["severity"] == signal.severity.value
        assert level >= band["above"] - 2 or band["above"] == 15  # margin, or held at blue


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(sequence=steps)
def test_never_two_open_events_per_rule_and_device(engine: sa.Engine, sequence: list[Step]) -> None:
    with engine.begin() as conn:
        conn.execute(event_changes.delete())
        conn.execute(events.delete())
    service = EventService(engine, LocalBus(), FakeClock(T0))
    for _, _, out in play(BANDS, sequence):
        service.apply(out)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(events.c.dedup_key, sa.func.count())
            .where(events.c.status != "cleared")
            .group_by(events.c.dedup_key)
        ).all()
    assert all(count == 1 for _, count in rows)
    opened = {e.key for e in service.open_events()}
    assert {key for key, _ in rows} == opened
    # and the number of events matches the number of breaches the engine announced
    with engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(events)).scalar()
    starts = 0
    was_open: dict[str, bool] = {}
    for _, _, out in play(BANDS, sequence):
        for outcome in out:
            if isinstance(outcome, Signal) and not was_open.get(outcome.key or ""):
                starts += 1
            was_open[outcome.key or ""] = not isinstance(outcome, Clear)
    assert total == starts
