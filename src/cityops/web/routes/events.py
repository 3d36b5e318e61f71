"""Events: list with filters, detail with history, acknowledge, live stream (SSE)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query, Request
from fastapi.responses import StreamingResponse

from cityops.auth.tokens import Role
from cityops.core.errors import Conflict, NotFound
from cityops.events import store
from cityops.events.model import Event, EventSource, EventStatus, Severity
from cityops.runtime import Runtime
from cityops.web.auth import ReaderDep, RuntimeDep
from cityops.web.params import parse_time

router = APIRouter(tags=["events 事件"])


ACKNOWLEDGERS = frozenset({Role.ADMIN, Role.DUTY_CHIEF, Role.INTAKE_OPERATOR, Role.DISPATCHER})


def render(rt: Runtime, event: Event) -> dict[str, Any]:
    """An event as the API and the screens show it, with class and severity names."""
    cls = rt.taxonomy.get(event.class_code)
    return {
        "id": event.id,
        "class_code": event.class_code,
        "class_name_zh": cls.name_zh if cls else None,
        "class_name_en": cls.name_en if cls else None,
        "severity": event.severity.value,
        "severity_level": event.severity.level,
        "severity_name_zh": event.severity.name_zh,
        "source": event.source.value,
        "status": event.status.value,
        "title": event.title,
        "lon": event.lon,
        "lat": event.lat,
        "grid_code": event.grid_code,
        "device_id": event.device_id,
        "rule_id": event.rule_id,
        "first_seen": event.first_seen,
        "last_seen": event.last_seen,
        "count": event.count,
        "evidence": event.evidence,
        "severity_history": [
            {"ts": c.ts, "from": c.severity_from, "to": c.severity_to}
            for c in event.severity_history
        ],
        "acknowledged_at": event.acknowledged_at,
        "acknowledged_by": event.acknowledged_by,
        "cleared_at": event.cleared_at,
        "clear_reason": event.clear_reason,
    }


@router.get("/api/v1/events", summary="List events 事件列表")
def list_events(
    rt: RuntimeDep,
    who: ReaderDep,
    status: Annotated[list[EventStatus] | None, Query()] = None,
    class_code: Annotated[
        str | None, Query(alias="class", description="class code or major prefix, e.g. E10")
    ] = None,
    severity: Annotated[list[Severity] | None, Query()] = None,
    grid: Annotated[str | None, Query(description="grid, community or street code")] = None,
    source: EventSource | None = None,
    device_id: str | None = None,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    f = store.EventFilter(
        grids=list(who.grids),
        status=status or [],
        class_code=class_code,
        severity=severity or [],
        grid=grid,
        source=source,
        device_id=device_id,
        start=parse_time(from_, 0, "from") if from_ else None,
        end=parse_time(to, 0, "to") if to else None,
    )
    with rt.engine.connect() as conn:
        page = store.query(conn, f, cursor, limit + 1)
    items = page[:limit]
    return {
        "items": [render(rt, e) for e in items],
        "next_cursor": items[-1].id if len(page) > limit else None,
    }


@router.get("/api/v1/events/stream", summary="Live events (SSE) 实时事件流")
async def stream_events(
    request: Request,
    rt: RuntimeDep,
    who: ReaderDep,
    severity: Annotated[list[Severity] | None, Query()] = None,
    class_code: Annotated[str | None, Query(alias="class")] = None,
    grid: str | None = None,
) -> StreamingResponse:
    """Every change to an event (opened, escalated, acknowledged, cleared) as it commits."""
    wanted = set(severity or [])

    def keep(event: Event) -> bool:
        return (
            who.sees(event.grid_code)
            and (not wanted or event.severity in wanted)
            and (not class_code or event.class_code.startswith(class_code))
            and (not grid or (event.grid_code or "").startswith(grid))
        )

    broadcaster = request.app.state.broadcaster
    return StreamingResponse(
        broadcaster.stream(keep, lambda e: render(rt, e)),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get("/api/v1/events/{event_id}", summary="Event detail 事件详情")
def get_event(event_id: str, rt: RuntimeDep, who: ReaderDep) -> dict[str, Any]:
    with rt.engine.connect() as conn:
        event = store.get(conn, event_id)
        if event is None or not who.sees(event.grid_code):
            raise HTTPException(404, f"no event {event_id!r}")
        changes = store.changes_of(conn, event_id)
    return {**render(rt, event), "changes": changes}


@router.post("/api/v1/events/{event_id}/ack", summary="Acknowledge 确认事件")
def ack_event(
    event_id: str,
    rt: RuntimeDep,
    who: ReaderDep,
    body: Annotated[dict[str, str] | None, Body()] = None,
) -> dict[str, Any]:
    """The centre acknowledges: duty chief, intake operator, dispatcher (and admins)."""
    if who.role not in ACKNOWLEDGERS:
        raise HTTPException(403, "only the operations centre acknowledges events")
    with rt.engine.connect() as conn:
        found = store.get(conn, event_id)
    if found is not None and not who.sees(found.grid_code):
        raise HTTPException(404, f"no event {event_id!r}")
    note = (body or {}).get("note")
    try:
        return render(rt, rt.events.ack(event_id, actor=f"{who.kind.value}:{who.id}", note=note))
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    except Conflict as exc:
        raise HTTPException(409, str(exc)) from exc
