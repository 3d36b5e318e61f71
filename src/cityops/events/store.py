"""Rows ↔ events, and the event queries the API serves."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
import sqlalchemy as sa

from cityops.events.model import Event, EventSource, EventStatus, Severity, SeverityChange
from cityops.store.schema import event_changes, events


def to_row(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "class_code": event.class_code,
        "severity": event.severity.value,
        "source": event.source.value,
        "status": event.status.value,
        "title": event.title[:500],
        "dedup_key": event.key,
        "rule_id": event.rule_id,
        "device_id": event.device_id,
        "lon": event.lon,
        "lat": event.lat,
        "grid_code": event.grid_code,
        "first_seen": event.first_seen,
        "last_seen": event.last_seen,
        "count": event.count,
        "evidence": event.evidence,
        "severity_history": msgspec.to_builtins(event.severity_history),
        "acknowledged_at": event.acknowledged_at,
        "acknowledged_by": event.acknowledged_by,
        "cleared_at": event.cleared_at,
        "clear_reason": event.clear_reason,
    }


def from_row(row: sa.Row[Any]) -> Event:
    m = row._mapping
    return Event(
        id=m["id"],
        class_code=m["class_code"],
        severity=Severity(m["severity"]),
        source=EventSource(m["source"]),
        status=EventStatus(m["status"]),
        title=m["title"],
        key=m["dedup_key"],
        lon=m["lon"],
        lat=m["lat"],
        grid_code=m["grid_code"],
        device_id=m["device_id"],
        rule_id=m["rule_id"],
        first_seen=m["first_seen"],
        last_seen=m["last_seen"],
        count=m["count"],
        evidence=dict(m["evidence"]),
        severity_history=msgspec.convert(m["severity_history"], list[SeverityChange]),
        acknowledged_at=m["acknowledged_at"],
        acknowledged_by=m["acknowledged_by"],
        cleared_at=m["cleared_at"],
        clear_reason=m["clear_reason"],
    )


def load_open(conn: sa.Connection) -> list[Event]:
    stmt = sa.select(events).where(events.c.status != EventStatus.CLEARED.value)
    return [from_row(r) for r in conn.execute(stmt)]


def insert(conn: sa.Connection, batch: Sequence[Event]) -> None:
    if batch:
        conn.execute(events.insert(), [to_row(e) for e in batch])


def update(conn: sa.Connection, batch: Sequence[Event]) -> None:
    for event in batch:  # few per commit: events change far less often than readings arrive
        row = to_row(event)
        del row["id"]
        conn.execute(events.update().where(events.c.id == event.id).values(**row))


_CHANGE_COLUMNS = ("severity_from", "severity_to", "actor", "note")


def record_changes(conn: sa.Connection, changes: Sequence[dict[str, Any]]) -> None:
    """One executemany needs every row to name the same columns: fill the missing ones."""
    if changes:
        rows = [{**dict.fromkeys(_CHANGE_COLUMNS), **c} for c in changes]
        conn.execute(event_changes.insert(), rows)


class EventFilter(msgspec.Struct, kw_only=True):
    status: list[EventStatus] = msgspec.field(default_factory=list)
    class_code: str | None = None  # exact code, or a major-class prefix such as "E10"
    severity: list[Severity] = msgspec.field(default_factory=list)
    grid: str | None = None  # grid, community or street code (prefix)
    grids: list[str] = msgspec.field(default_factory=list)  # scope: any of these prefixes
    source: EventSource | None = None
    device_id: str | None = None
    start: int | None = None  # last_seen >= start
    end: int | None = None  # first_seen < end


def query(conn: sa.Connection, f: EventFilter, cursor: str | None, limit: int) -> list[Event]:
    t = events.c
    stmt = sa.select(events).order_by(t.id.desc()).limit(limit)
    if f.status:
        stmt = stmt.where(t.status.in_([s.value for s in f.status]))
    if f.severity:
        stmt = stmt.where(t.severity.in_([s.value for s in f.severity]))
    if f.class_code:
        stmt = stmt.where(t.class_code.startswith(f.class_code, autoescape=True))
    if f.grid:
        stmt = stmt.where(t.grid_code.startswith(f.grid, autoescape=True))
    if f.grids:
        stmt = stmt.where(sa.or_(*(t.grid_code.startswith(g, autoescape=True) for g in f.grids)))
    if f.source is not None:
        stmt = stmt.where(t.source == f.source.value)
    if f.device_id is not None:
        stmt = stmt.where(t.device_id == f.device_id)
    if f.start is not None:
        stmt = stmt.where(t.last_seen >= f.start)
    if f.end is not None:
        stmt = stmt.where(t.first_seen < f.end)
    if cursor:
        stmt = stmt.where(t.id < cursor)
    return [from_row(r) for r in conn.execute(stmt)]


def get(conn: sa.Connection, event_id: str) -> Event | None:
    row = conn.execute(sa.select(events).where(events.c.id == event_id)).first()
    return None if row is None else from_row(row)


def changes_of(conn: sa.Connection, event_id: str) -> list[dict[str, Any]]:
    stmt = (
        sa.select(event_changes)
        .where(event_changes.c.event_id == event_id)
        .order_by(event_changes.c.id)
    )
    return [
        {k: v for k, v in r._mapping.items() if k not in ("id", "event_id")}
        for r in conn.execute(stmt)
    ]
