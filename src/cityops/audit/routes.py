"""GET /api/v1/audit (newest first) and GET /api/v1/audit/verify, for admins only."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, Query

from cityops.web.auth import AdminDep, RuntimeDep
from cityops.web.params import parse_time

router = APIRouter(tags=["audit 审计"])


@router.get("/api/v1/audit", summary="Audit log 审计日志")
def list_audit(
    rt: RuntimeDep,
    _who: AdminDep,
    actor: Annotated[str | None, Query(description="e.g. api_key:3f2a…, user:…")] = None,
    action: Annotated[str | None, Query(description="e.g. rule_created")] = None,
    target: str | None = None,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
    cursor: Annotated[int | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    entries, next_cursor = rt.audit.page(
        actor=actor,
        action=action,
        target=target,
        since=None if from_ is None else parse_time(from_, 0, "from"),
        until=None if to is None else parse_time(to, 0, "to"),
        before_seq=cursor,
        limit=limit,
    )
    return {"items": msgspec.to_builtins(entries), "next_cursor": next_cursor}


@router.get("/api/v1/audit/verify", summary="Check the hash chain 校验审计链")
def verify_audit(rt: RuntimeDep, _who: AdminDep, anchor: str | None = None) -> dict[str, Any]:
    """Walks the whole chain: seconds per million entries, so not for every page view."""
    result: dict[str, Any] = msgspec.to_builtins(rt.audit.verify(anchor=anchor))
    return result
