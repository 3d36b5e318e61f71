"""The operations overview (态势总览): devices, readings, events and cases in one answer.

Everything is limited to what the caller may see, by the rules the lists use: devices and
events by the caller's areas (area-code prefixes), cases by `CaseService.scope_filter` (areas,
or a unit role's unit).

Cost: devices and events are counted in memory (the registry, the shadows and the open events
are all held by the runtime); cases take three small indexed queries; readings come from the
runtime's `StoredRate`, counted as batches commit (by commit time, the last hour in memory).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import sqlalchemy as sa

from cityops.auth.tokens import Principal
from cityops.cases import store as case_store
from cityops.cases.model import Actor, Case, CaseState
from cityops.cases.service import ZONE
from cityops.cases.stats import RATES, case_counts
from cityops.devices.shadow import Status
from cityops.events.model import Severity
from cityops.runtime import Runtime
from cityops.store.schema import cases

OPEN_STATES = frozenset(CaseState) - {
    CaseState.REJECTED,
    CaseState.CLOSED,
    CaseState.EVALUATED,
    CaseState.VOID,
}


def overview(rt: Runtime, who: Principal) -> dict[str, Any]:
    now = rt.clock.now_ms()
    last_minute, last_hour = rt.stored_rate.counts(who.grids, now)
    with rt.engine.connect() as conn:
        case_part, today = case_figures(rt, conn, who, now)
    return {
        "generated_at": now,
        "devices": device_counts(rt, who),
        "readings": {"last_minute": last_minute, "last_hour": last_hour},
        "events": event_counts(rt, who),
        "cases": case_part,
        "today": today,
    }


def device_counts(rt: Runtime, who: Principal) -> dict[str, Any]:
    """Status as the device list computes it (`shadow.status_of`), summed over the caller's
    grids from the runtime's shared per-grid counts (at most two seconds old)."""
    counts = rt.status_counts.within(who.grids)
    total = sum(counts.values())
    online = counts[Status.ONLINE]
    return {
        "total": total,
        "online": online,
        "offline": counts[Status.OFFLINE],
        "never_seen": counts[Status.NEVER_SEEN],
        "online_rate": online / total if total else None,
    }


def event_counts(rt: Runtime, who: Principal) -> dict[str, Any]:
    """Open events (active or acknowledged, not yet cleared), by severity and by class."""
    by_severity: Counter[Severity] = Counter()
    by_class: dict[str, Counter[Severity]] = {}
    for event in rt.events.open_events():
        if who.sees(event.grid_code):
            by_severity[event.severity] += 1
            by_class.setdefault(event.class_code, Counter())[event.severity] += 1
    classes = []
    ordered = sorted(by_class.items(), key=lambda item: (-item[1].total(), item[0]))
    for code, counts in ordered:
        cls = rt.taxonomy.get(code)
        classes.append(
            {
                "code": code,
                "name_zh": cls.name_zh if cls else None,
                "name_en": cls.name_en if cls else None,
                "count": counts.total(),
                "by_severity": _per_severity(counts),
            }
        )
    return {
        "active": by_severity.total(),
        "by_severity": _per_severity(by_severity),
        "by_class": classes,
    }


def _per_severity(counts: Counter[Severity]) -> dict[str, int]:
    return {s.value: counts[s] for s in Severity}


def case_figures(
    rt: Runtime, conn: sa.Connection, who: Principal, now: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Cases now (by state, open, overdue) and today's (reported, closed, 按期结案率)."""
    scope = case_store.CaseFilter()
    role = who.role.value if who.role else ""
    rt.cases.scope_filter(Actor(f"{who.kind.value}:{who.id}", role, who.unit, who.grids), scope)
    c = cases.c
    seen = _scoped(scope)
    by_state = dict.fromkeys((s.value for s in CaseState), 0)
    for state, n in conn.execute(
        sa.select(c.state, sa.func.count()).where(*seen).group_by(c.state)
    ):
        by_state[state] = int(n)
    # The `?overdue=true` rule of the case list: a unit holds it and its stored due time passed.
    overdue = sa.select(sa.func.count()).where(*seen, c.due_at.is_not(None), c.due_at < now)
    start, end = day_of(now)
    reported = sa.select(sa.func.count()).where(*seen, c.reported_at >= start, c.reported_at < end)
    closed_today = sa.select(c.data, c.due_at).where(*seen, c.closed_at >= start, c.closed_at < end)
    tally: Counter[str] = Counter()
    for row in conn.execute(closed_today):
        tally.update(case_counts(msgspec.convert(row.data, Case), row.due_at, now))
    _, num, den = RATES["on_time_rate"]
    cases_now = {
        "by_state": by_state,
        "open": sum(by_state[s.value] for s in OPEN_STATES),
        "overdue": int(conn.execute(overdue).scalar_one()),
    }
    today = {
        "date": datetime.fromtimestamp(start / 1000, ZONE).date().isoformat(),
        "reported": int(conn.execute(reported).scalar_one()),
        "closed": tally["closed"],
        "closed_on_time": tally[num],
        "on_time_rate": tally[num] / tally[den] if tally[den] else None,
    }
    return cases_now, today


def _scoped(scope: case_store.CaseFilter) -> list[sa.ColumnElement[bool]]:
    """The conditions `case_store.query` applies for a scope (unit, area prefixes)."""
    c = cases.c
    out: list[sa.ColumnElement[bool]] = []
    if scope.unit:
        out.append(c.unit == scope.unit)
    if scope.grids:
        out.append(sa.or_(*(c.grid_code.startswith(g, autoescape=True) for g in scope.grids)))
    return out


def day_of(now_ms: int) -> tuple[int, int]:
    """[start, end) of the calendar day around `now_ms` in the district's time zone."""
    local = datetime.fromtimestamp(now_ms / 1000, UTC).astimezone(ZONE)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=1)  # wall-clock arithmetic; the zone keeps no DST
    return round(start.timestamp() * 1000), round(end.timestamp() * 1000)
