"""Signals become events: one open event per key, counted, graded, cleared; nearby reports join."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from cityops.bus.local import LocalBus
from cityops.core.clock import FakeClock
from cityops.core.errors import Conflict, NotFound
from cityops.events.model import Clear, EventSource, EventStatus, Severity, Signal
from cityops.events.service import EVENTS_CHANGED, EventService, metres_between
from cityops.store.schema import event_changes, events

T0 = 1_767_225_600_000
KEY = "rule:water-bands:UWL-1"


@pytest.fixture
def bus() -> LocalBus:
    return LocalBus()


@pytest.fixture
def service(engine: sa.Engine, bus: LocalBus) -> EventService:
    return EventService(engine, bus, FakeClock(T0))


def signal(ts: int = T0, severity: Severity = Severity.BLUE, **kw: Any) -> Signal:
    fields: dict[str, Any] = {
        "class_code": "E1001",
        "severity": severity,
        "source": EventSource.RULE,
        "ts": ts,
        "title": "积水",
        "key": KEY,
        "lon": 120.3,
        "lat": 30.3,
        "grid_code": "330199001001001",
        "device_id": "UWL-1",
        "rule_id": "water-bands",
        "evidence": {"values": {"water_level_cm": 16.0}},
    }
    fields.update(kw)
    return Signal(**fields)


def test_a_first_signal_opens_an_active_event(service: EventService) -> None:
    (event,) = service.apply([signal()])
    assert (event.status, event.count, event.severity) == (EventStatus.ACTIVE, 1, Severity.BLUE)
    assert event.first_seen == event.last_seen == T0


def test_repeated_signals_update_one_event_and_follow_severity(service: EventService) -> None:
    service.apply([signal()])
    service.apply([signal(T0 + 60_000, Severity.YELLOW), signal(T0 + 120_000, Severity.ORANGE)])
    (event,) = service.apply([signal(T0 + 180_000, Severity.YELLOW)])
    assert event.count == 4
    assert event.last_seen == T0 + 180_000
    assert [c.severity_to for c in event.severity_history] == [
        Severity.BLUE,
        Severity.YELLOW,
        Severity.ORANGE,
        Severity.YELLOW,
    ]
    assert len(service.open_events()) == 1


def test_a_clear_closes_it_and_a_later_breach_opens_a_new_event(service: EventService) -> None:
    (first,) = service.apply([signal()])
    (cleared,) = service.apply([Clear(key=KEY, ts=T0 + 60_000, reason="水位回落")])
    assert cleared.status is EventStatus.CLEARED
    assert cleared.clear_reason == "水位回落"
    (second,) = service.apply([signal(T0 + 120_000)])
    assert second.id != first.id
    assert second.count == 1


def test_a_clear_without_an_open_event_changes_nothing(service: EventService) -> None:
    assert service.apply([Clear(key=KEY, ts=T0, reason="x")]) == []


def test_the_database_refuses_two_open_events_for_one_key(
    engine: sa.Engine, service: EventService
) -> None:
    (event,) = service.apply([signal()])
    with engine.connect() as conn:
        row = dict(conn.execute(sa.select(events)).one()._mapping)
    row["id"] = "another"
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        conn.execute(events.insert().values(**row))
    assert event.key == KEY


def test_every_change_is_recorded(engine: sa.Engine, service: EventService) -> None:
    service.apply([signal(), signal(T0 + 1, Severity.RED)])
    (event,) = service.open_events()
    service.ack(event.id, "duty chief", "收到")
    service.apply([Clear(key=KEY, ts=T0 + 2, reason="ok")])
    with engine.connect() as conn:
        rows = conn.execute(sa.select(event_changes).order_by(event_changes.c.id)).all()
    assert [r.kind for r in rows] == ["opened", "severity", "acknowledged", "cleared"]
    assert (rows[0].severity_from, rows[0].severity_to) == (None, "blue")
    assert (rows[1].severity_from, rows[1].severity_to) == ("blue", "red")  # same batch as opened
    assert (rows[2].actor, rows[2].note) == ("duty chief", "收到")


def test_changes_are_published_after_the_commit(
    engine: sa.Engine, service: EventService, bus: LocalBus
) -> None:
    seen: list[int] = []

    def on_change(changed: list[Any]) -> None:
        with engine.connect() as conn:
            seen.append(conn.execute(sa.select(sa.func.count()).select_from(events)).scalar_one())

    bus.subscribe(EVENTS_CHANGED, on_change)
    service.apply([signal()])
    assert seen == [1]


def test_acknowledging(service: EventService) -> None:
    (event,) = service.apply([signal()])
    acked = service.ack(event.id, "值班长")
    assert acked.status is EventStatus.ACKNOWLEDGED
    assert acked.acknowledged_by == "值班长"
    (still,) = service.apply([signal(T0 + 1)])  # an acknowledged event keeps counting
    assert (still.id, still.count, still.status) == (event.id, 2, EventStatus.ACKNOWLEDGED)
    with pytest.raises(NotFound):
        service.ack("nope", "x")
    service.apply([Clear(key=KEY, ts=T0 + 2, reason="ok")])
    with pytest.raises(Conflict):
        service.ack(event.id, "x")


def test_open_events_come_back_after_a_restart(engine: sa.Engine, bus: LocalBus) -> None:
    first = EventService(engine, bus, FakeClock(T0))
    (event,) = first.apply([signal()])
    second = EventService(engine, bus, FakeClock(T0))
    assert second.load() == 1
    (again,) = second.apply([signal(T0 + 1)])
    assert (again.id, again.count) == (event.id, 2)


def detection(ts: int, lon: float, lat: float) -> Signal:
    return signal(
        ts,
        class_code="E0102",
        source=EventSource.DETECTION,
        key=None,
        lon=lon,
        lat=lat,
        rule_id=None,
        evidence={"images": [f"/api/v1/evidence/{ts}"]},
    )


def test_nearby_reports_of_one_class_join_within_the_window(service: EventService) -> None:
    a = service.report(detection(T0, 120.3, 30.3), dedup_radius_m=50, dedup_window_s=3600)
    b = service.report(
        detection(T0 + 60_000, 120.3002, 30.3), dedup_radius_m=50, dedup_window_s=3600
    )
    assert a.id == b.id
    assert b.count == 2
    assert len(b.evidence["images"]) == 2


def test_reports_far_apart_or_late_open_new_events(service: EventService) -> None:
    a = service.report(detection(T0, 120.3, 30.3), dedup_radius_m=50, dedup_window_s=3600)
    far = service.report(detection(T0 + 1, 120.31, 30.3), dedup_radius_m=50, dedup_window_s=3600)
    late = service.report(
        detection(T0 + 7_200_000, 120.3, 30.3), dedup_radius_m=50, dedup_window_s=3600
    )
    assert len({a.id, far.id, late.id}) == 3


def test_distance_is_about_right() -> None:
    one_km_east = metres_between(120.3, 30.3, 120.3 + 1 / (111.32 * 0.8638), 30.3)
    assert 990 < one_km_east < 1010
