"""GET /api/v1/dead-letters: every rejected payload, with its reason, newest first."""

from __future__ import annotations

import base64
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Query

from cityops.core.types import Source
from cityops.store.schema import dead_letters
from cityops.web.auth import AdminDep, RuntimeDep
from cityops.web.params import parse_time

router = APIRouter(tags=["ingest 接入"])


@router.get("/api/v1/dead-letters", summary="Rejected payloads 死信")
def list_dead_letters(
    rt: RuntimeDep,
    _who: AdminDep,
    source: Source | None = None,
    device_id: str | None = None,
    reason: Annotated[str | None, Query(description="reason code, e.g. out_of_range")] = None,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
    cursor: Annotated[int | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    t = dead_letters.c
    stmt = sa.select(dead_letters).order_by(t.id.desc()).limit(limit + 1)
    if source is not None:
        stmt = stmt.where(t.source == source.value)
    if device_id is not None:
        stmt = stmt.where(t.device_id == device_id)
    if reason is not None:
        stmt = stmt.where(t.reason.startswith(f"{reason}:", autoescape=True))
    if from_ is not None:
        stmt = stmt.where(t.received_at >= parse_time(from_, 0, "from"))
    if to is not None:
        stmt = stmt.where(t.received_at < parse_time(to, 0, "to"))
    if cursor is not None:
        stmt = stmt.where(t.id < cursor)
    with rt.engine.connect() as conn:
        rows = conn.execute(stmt).all()
    page = rows[:limit]
    return {
        "items": [_item(r) for r in page],
        "next_cursor": page[-1].id if len(rows) > limit else None,
    }


def _item(row: sa.Row[Any]) -> dict[str, Any]:
    raw: bytes = bytes(row.raw)
    try:
        text, encoding = raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = base64.b64encode(raw).decode(), "base64"
    return {
        "id": row.id,
        "received_at": row.received_at,
        "source": row.source,
        "device_id": row.device_id,
        "reason": row.reason,
        "raw": text,
        "raw_encoding": encoding,
    }
