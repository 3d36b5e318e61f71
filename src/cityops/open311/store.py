"""Rows of `service_requests` ↔ views, read together with each request's event.

A request reads `closed` once its event is cleared, or once its own row says so (which is how
cases will close requests later). Deriving it through the join keeps the status right the
moment an event clears, without a second writer on this table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
import sqlalchemy as sa

from cityops.events.model import EventStatus
from cityops.open311.model import RequestView, TokenView
from cityops.store.schema import events, service_requests

_R = service_requests.c
_E = events.c
_CLOSED = sa.or_(
    _R.status == "closed", sa.func.coalesce(_E.status, "") == EventStatus.CLEARED.value
)
# Never the contact, device or key columns: GET answers are public.
_COLUMNS = (
    _R.id,
    sa.case((_CLOSED, "closed"), else_="open").label("status"),
    _R.status_notes,
    _R.service_code,
    _R.description,
    _R.agency_responsible,
    _R.service_notice,
    _R.requested_at,
    _R.updated_at,
    _R.expected_at,
    _R.address_string,
    _R.address_id,
    _R.lat,
    _R.lon,
    _R.media_url,
    _E.cleared_at,
    _E.clear_reason,
)
_FROM = service_requests.outerjoin(events, _R.event_id == _E.id)


class RequestFilter(msgspec.Struct, frozen=True, kw_only=True):
    ids: Sequence[str] = ()
    """When given, the other fields are ignored (the spec: "overrides all other arguments")."""
    service_codes: Sequence[str] = ()
    statuses: Sequence[str] = ()
    start: int | None = None
    end: int | None = None


def insert(conn: sa.Connection, row: dict[str, Any]) -> None:
    conn.execute(service_requests.insert().values(**row))


def follow(conn: sa.Connection, event_ids: list[str], values: dict[str, Any]) -> int:
    stmt = service_requests.update().where(_R.event_id.in_(event_ids)).values(**values)
    return int(conn.execute(stmt).rowcount)


def query(conn: sa.Connection, f: RequestFilter, limit: int) -> list[RequestView]:
    """Newest first, at most `limit`."""
    stmt = (
        sa.select(*_COLUMNS)
        .select_from(_FROM)
        .order_by(_R.requested_at.desc(), _R.id.desc())
        .limit(limit)
    )
    if f.ids:
        stmt = stmt.where(_R.id.in_(f.ids))
    else:
        if f.service_codes:
            stmt = stmt.where(_R.service_code.in_(f.service_codes))
        if set(f.statuses) == {"open"}:
            stmt = stmt.where(sa.not_(_CLOSED))
        elif set(f.statuses) == {"closed"}:
            stmt = stmt.where(_CLOSED)
        if f.start is not None:
            stmt = stmt.where(_R.requested_at >= f.start)
        if f.end is not None:
            stmt = stmt.where(_R.requested_at <= f.end)
    return [_view(row._mapping) for row in conn.execute(stmt)]


def get(conn: sa.Connection, request_id: str) -> RequestView | None:
    row = conn.execute(sa.select(*_COLUMNS).select_from(_FROM).where(_R.id == request_id)).first()
    return None if row is None else _view(row._mapping)


def by_token(conn: sa.Connection, token: str) -> TokenView | None:
    row = conn.execute(sa.select(_R.id, _R.token).where(_R.token == token)).first()
    return None if row is None else TokenView(row.id, row.token)


def _view(row: sa.RowMapping) -> RequestView:
    cleared_at: int | None = row["cleared_at"]
    notes: str | None = row["status_notes"]
    if row["status"] == "closed" and cleared_at is not None and not row["agency_responsible"]:
        # No case holds it: why its event was cleared is the best note there is. Once a case
        # holds it, the case's own notes (the inspector's words at closure) speak instead.
        notes = row["clear_reason"] or notes
    return RequestView(
        service_request_id=row["id"],
        status=row["status"],
        status_notes=notes,
        service_code=row["service_code"],
        description=row["description"],
        agency_responsible=row["agency_responsible"],
        service_notice=row["service_notice"],
        requested_at=row["requested_at"],
        # For a closed request the spec wants the time it was closed.
        updated_at=max(row["updated_at"], cleared_at or 0),
        expected_at=row["expected_at"],
        address=row["address_string"],
        address_id=row["address_id"],
        lat=row["lat"],
        lon=row["lon"],
        media_url=row["media_url"],
    )
