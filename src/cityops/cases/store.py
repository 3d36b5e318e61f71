"""Rows ↔ cases and their trails; queries for the case lists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
import sqlalchemy as sa

from cityops.cases.model import Actor, Case, CaseState, Transition
from cityops.core.errors import Conflict
from cityops.store.schema import case_events, case_requests, case_transitions, cases


def case_row(case: Case, due_at: int | None) -> dict[str, Any]:
    return {
        "id": case.id,
        "number": case.number,
        "state": case.state.value,
        "class_code": case.class_code,
        "severity": case.severity.value,
        "source": case.source,
        "grid_code": case.grid_code,
        "unit": case.unit,
        "reported_at": case.reported_at,
        "dispatched_at": case.dispatched_at,
        "closed_at": case.closed_at,
        "due_at": due_at,
        "version": case.version,
        "data": msgspec.to_builtins(case),
    }


def transition_row(case_id: str, t: Transition) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "seq": t.seq,
        "ts": t.ts,
        "action": t.action,
        "from_state": t.from_state.value if t.from_state else None,
        "to_state": t.to_state.value,
        "actor_id": t.actor.id,
        "actor_role": t.actor.role,
        "actor_unit": t.actor.unit,
        "note": t.note,
        "data": t.data,
    }


def save(
    conn: sa.Connection, before: Case | None, after: Case, t: Transition, due_at: int | None
) -> None:
    """Append the transition and store the new fold; refuses if someone changed it meanwhile."""
    row = case_row(after, due_at)
    if before is None:
        conn.execute(cases.insert().values(**row))
    else:
        result = conn.execute(
            cases.update()
            .where(cases.c.id == after.id, cases.c.version == before.version)
            .values(**row)
        )
        if result.rowcount != 1:
            raise Conflict(f"case {after.number} changed meanwhile; reload and try again")
    conn.execute(case_transitions.insert().values(**transition_row(after.id, t)))
    new_links = set(after.event_ids) - set(before.event_ids if before else [])
    if new_links:
        conn.execute(
            case_events.insert(), [{"case_id": after.id, "event_id": e} for e in new_links]
        )


def load(conn: sa.Connection, case_id: str) -> Case | None:
    row = conn.execute(sa.select(cases.c.data).where(cases.c.id == case_id)).first()
    return None if row is None else msgspec.convert(row.data, Case)


def trail(conn: sa.Connection, case_id: str) -> list[Transition]:
    stmt = (
        sa.select(case_transitions)
        .where(case_transitions.c.case_id == case_id)
        .order_by(case_transitions.c.seq)
    )
    return [
        Transition(
            seq=r.seq,
            ts=r.ts,
            action=r.action,
            from_state=CaseState(r.from_state) if r.from_state else None,
            to_state=CaseState(r.to_state),
            actor=Actor(r.actor_id, r.actor_role, r.actor_unit),
            note=r.note,
            data=dict(r.data),
        )
        for r in conn.execute(stmt)
    ]


UNFINISHED = [
    s.value
    for s in CaseState
    if s not in (CaseState.CLOSED, CaseState.EVALUATED, CaseState.REJECTED, CaseState.VOID)
]


def open_for_device(conn: sa.Connection, class_code: str, device_id: str) -> Case | None:
    stmt = sa.select(cases.c.data).where(
        cases.c.class_code == class_code, cases.c.state.in_(UNFINISHED)
    )
    for row in conn.execute(stmt):
        case = msgspec.convert(row.data, Case)
        if case.device_id == device_id:
            return case
    return None


def case_for_event(conn: sa.Connection, event_id: str) -> str | None:
    row = conn.execute(
        sa.select(case_events.c.case_id).where(case_events.c.event_id == event_id)
    ).first()
    return None if row is None else str(row.case_id)


def case_for_request(conn: sa.Connection, actor: str, key: str) -> str | None:
    """The case an earlier report with this Idempotency-Key made, if any."""
    r = case_requests.c
    row = conn.execute(sa.select(r.case_id).where(r.actor == actor, r.key == key)).first()
    return None if row is None else str(row.case_id)


def remember_request(conn: sa.Connection, actor: str, key: str, case_id: str, now: int) -> None:
    conn.execute(
        case_requests.insert().values(actor=actor, key=key, case_id=case_id, created_at=now)
    )


class CaseFilter(msgspec.Struct, kw_only=True):
    state: list[CaseState] = msgspec.field(default_factory=list)
    unit: str | None = None
    grid: str | None = None
    grids: list[str] = msgspec.field(default_factory=list)  # any of these prefixes (scope)
    class_code: str | None = None
    overdue_at: int | None = None  # only cases due before this moment
    start: int | None = None
    end: int | None = None


def query(conn: sa.Connection, f: CaseFilter, cursor: str | None, limit: int) -> list[Case]:
    t = cases.c
    stmt = sa.select(t.data).order_by(t.id.desc()).limit(limit)
    if f.state:
        stmt = stmt.where(t.state.in_([s.value for s in f.state]))
    if f.unit:
        stmt = stmt.where(t.unit == f.unit)
    if f.grid:
        stmt = stmt.where(t.grid_code.startswith(f.grid, autoescape=True))
    if f.grids:
        stmt = stmt.where(sa.or_(*(t.grid_code.startswith(g, autoescape=True) for g in f.grids)))
    if f.class_code:
        stmt = stmt.where(t.class_code.startswith(f.class_code, autoescape=True))
    if f.overdue_at is not None:
        stmt = stmt.where(t.due_at.is_not(None), t.due_at < f.overdue_at)
    if f.start is not None:
        stmt = stmt.where(t.reported_at >= f.start)
    if f.end is not None:
        stmt = stmt.where(t.reported_at < f.end)
    if cursor:
        stmt = stmt.where(t.id < cursor)
    return [msgspec.convert(r.data, Case) for r in conn.execute(stmt)]


def running(conn: sa.Connection) -> list[Case]:
    """Cases whose clock runs: what the deadline tick looks at."""
    stmt = sa.select(cases.c.data).where(
        cases.c.state.in_([CaseState.DISPATCHED.value, CaseState.HANDLING.value])
    )
    return [msgspec.convert(r.data, Case) for r in conn.execute(stmt)]


def count_numbered(conn: sa.Connection, prefix: str) -> int:
    stmt = sa.select(sa.func.count()).select_from(cases).where(cases.c.number.startswith(prefix))
    return int(conn.execute(stmt).scalar_one())


def all_in(conn: sa.Connection, start: int, end: int) -> Sequence[Case]:
    stmt = sa.select(cases.c.data).where(cases.c.reported_at >= start, cases.c.reported_at < end)
    return [msgspec.convert(r.data, Case) for r in conn.execute(stmt)]
