"""Cases over HTTP: lists and queues, detail with timeline, actions, evidence, references."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, Body, Header, HTTPException, Query, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from cityops.auth.tokens import Principal, Role
from cityops.cases import store as case_store
from cityops.cases.model import Actor, Case, CaseState, Transition
from cityops.cases.service import ActionInput, NewCase
from cityops.core.errors import CityOpsError, ConfigError, Conflict, Forbidden, NotFound
from cityops.events.model import Severity
from cityops.evidence.routes import store_upload
from cityops.runtime import Runtime
from cityops.web.auth import ReaderDep, RuntimeDep
from cityops.web.params import parse_time

router = APIRouter(tags=["cases 案卷"])

QUEUES: dict[str, list[CaseState]] = {
    "intake_operator": [CaseState.REPORTED],
    "dispatcher": [CaseState.FILED],
    "inspector": [CaseState.HANDLED],
    "supervisor": [CaseState.CLOSED],
    "duty_chief": [
        CaseState.REPORTED,
        CaseState.FILED,
        CaseState.DISPATCHED,
        CaseState.HANDLING,
        CaseState.HANDLED,
        CaseState.ON_HOLD,
        CaseState.DEFERRED,
    ],
}
UNIT_QUEUE = [CaseState.DISPATCHED, CaseState.HANDLING]


def actor_of(who: Principal) -> Actor:
    return Actor(
        f"{who.kind.value}:{who.id}", who.role.value if who.role else "", who.unit, who.grids
    )


def render(rt: Runtime, case: Case, who: Principal | None = None) -> dict[str, Any]:
    cls = rt.taxonomy.get(case.class_code)
    unit = rt.cases.units.get(case.unit) if case.unit else None
    clock = rt.cases.clock_of(case)
    out: dict[str, Any] = msgspec.to_builtins(case)
    out.update(
        state_name_zh=case.state.name_zh,
        class_name_zh=cls.name_zh if cls else None,
        class_name_en=cls.name_en if cls else None,
        unit_name_zh=unit.name_zh if unit else None,
        due_at=clock.due_at() if clock else None,
        light=rt.cases.light(case),
    )
    if who is not None:
        out["actions"] = rt.cases.workflow.actions_for(case, actor_of(who))
    return out


def render_transition(t: Transition) -> dict[str, Any]:
    return {
        "seq": t.seq,
        "ts": t.ts,
        "action": t.action,
        "from": t.from_state.value if t.from_state else None,
        "to": t.to_state.value,
        "actor": {"id": t.actor.id, "role": t.actor.role, "unit": t.actor.unit},
        "note": t.note,
        "data": t.data,
    }


def _fail(exc: CityOpsError) -> HTTPException:
    status = {NotFound: 404, Forbidden: 403, Conflict: 409, ConfigError: 422}.get(type(exc), 400)
    return HTTPException(status, str(exc))


@router.get("/api/v1/cases", summary="List cases / my queue 案卷列表")
def list_cases(
    rt: RuntimeDep,
    who: ReaderDep,
    state: Annotated[list[CaseState] | None, Query()] = None,
    unit: str | None = None,
    grid: str | None = None,
    class_code: Annotated[str | None, Query(alias="class")] = None,
    overdue: bool = False,
    mine: Annotated[bool, Query(description="the caller's queue, by role and unit")] = False,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    f = case_store.CaseFilter(
        state=state or [],
        unit=unit,
        grid=grid,
        class_code=class_code,
        overdue_at=rt.clock.now_ms() if overdue else None,
        start=parse_time(from_, 0, "from") if from_ else None,
        end=parse_time(to, 0, "to") if to else None,
    )
    if mine:
        _my_queue(who, f)
    rt.cases.scope_filter(actor_of(who), f)
    with rt.engine.connect() as conn:
        page = case_store.query(conn, f, cursor, limit + 1)
    items = page[:limit]
    return {
        "items": [render(rt, c, who) for c in items],
        "next_cursor": items[-1].id if len(page) > limit else None,
    }


def _my_queue(who: Principal, f: case_store.CaseFilter) -> None:
    role = who.role.value if who.role else ""
    if who.unit and role not in QUEUES:
        f.unit = who.unit
        f.state = f.state or UNIT_QUEUE
    else:
        f.state = f.state or QUEUES.get(role, [])


class NewCaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    class_code: str
    severity: Severity = Severity.BLUE
    title: str = Field(min_length=1, max_length=500)
    description: str = Field(default="", max_length=5000)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    event_ids: list[str] = Field(default_factory=list, max_length=50)
    evidence: list[str] = Field(default_factory=list, max_length=20)
    """Photos uploaded first with `POST /api/v1/evidence` (a patrol report's)."""
    file_now: bool = False
    source: str = Field(default="patrol", pattern="^(patrol|hotline|citizen|manual)$")


@router.post("/api/v1/cases", status_code=201, summary="Report a case 人工上报")
def create_case(
    rt: RuntimeDep,
    who: ReaderDep,
    body: NewCaseIn,
    idempotency_key: Annotated[
        str | None,
        Header(
            min_length=8,
            max_length=100,
            description="send the same key again (after a dropped answer) to get the same case",
        ),
    ] = None,
) -> dict[str, Any]:
    if rt.taxonomy.get(body.class_code) is None and len(rt.taxonomy):
        raise HTTPException(422, f"unknown event class {body.class_code!r}")
    missing = [e for e in body.evidence if rt.evidence.get(e) is None]
    if missing:
        raise HTTPException(422, f"unknown evidence {missing[0]!r}: upload it first")
    grid = rt.district.locate_many([body.lon], [body.lat])[0] if body.lon and body.lat else None
    new = NewCase(
        class_code=body.class_code,
        severity=body.severity,
        title=body.title,
        description=body.description,
        source=body.source,
        lon=body.lon,
        lat=body.lat,
        grid_code=grid,
        event_ids=body.event_ids,
        evidence=body.evidence,
    )
    try:
        case = rt.cases.create(
            new, actor_of(who), file_now=body.file_now, request_key=idempotency_key
        )
        return render(rt, case, who)
    except CityOpsError as exc:
        raise _fail(exc) from exc


@router.get("/api/v1/cases/{case_id}", summary="Case with timeline 案卷详情")
def get_case(case_id: str, rt: RuntimeDep, who: ReaderDep) -> dict[str, Any]:
    try:
        case, trail = rt.cases.get(case_id, actor_of(who))
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    suggestion = rt.cases.suggest(case)
    return {
        **render(rt, case, who),
        "evidence_items": [evidence_item(rt, e) for e in case.evidence],
        "timeline": [render_transition(t) for t in trail],
        "suggestion": msgspec.to_builtins(suggestion) if suggestion else None,
    }


def evidence_item(rt: Runtime, evidence_id: str) -> dict[str, Any]:
    """A photo we keep is an image at our URL; one a camera vendor keeps is only a link to
    its own system (a browser on our pages cannot show it inline: the CSP allows our images)."""
    info = rt.evidence.get(evidence_id)
    if info is None or info.url is None:
        return {
            "id": evidence_id,
            "url": f"/api/v1/evidence/{evidence_id}",
            "image": info is not None,
        }
    return {"id": evidence_id, "url": info.url, "image": False}


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: str
    note: str | None = Field(default=None, max_length=5000)
    unit: str | None = None
    score: int | None = None
    extension: str | None = None
    evidence: list[str] = Field(default_factory=list, max_length=20)
    target: str | None = None
    event_id: str | None = None
    class_code: str | None = None
    severity: Severity | None = None
    expected_version: int | None = None


@router.post("/api/v1/cases/{case_id}/actions", summary="Act on a case 案卷操作")
def act(
    case_id: str, rt: RuntimeDep, who: ReaderDep, body: Annotated[ActionIn, Body()]
) -> dict[str, Any]:
    given = ActionInput(**body.model_dump(exclude={"action"}))
    try:
        return render(rt, rt.cases.act(case_id, body.action, actor_of(who), given), who)
    except CityOpsError as exc:
        raise _fail(exc) from exc


@router.post("/api/v1/cases/{case_id}/evidence", status_code=201, summary="Upload a photo 上传照片")
async def upload_evidence(
    case_id: str, rt: RuntimeDep, who: ReaderDep, file: UploadFile
) -> dict[str, Any]:
    """Store a photo for this case; pass the returned id with `report_handled`."""
    if who.role is Role.VIEWER:
        raise HTTPException(403, "a viewer may not add evidence")
    try:
        rt.cases.get(case_id, actor_of(who))
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    return await store_upload(rt, file, f"case:{case_id}")


@router.get("/api/v1/units", summary="Units 处置单位")
def list_units(rt: RuntimeDep, _who: ReaderDep) -> list[dict[str, Any]]:
    return [msgspec.to_builtins(u) for u in rt.cases.units.all()]


@router.get("/api/v1/routing", summary="Routing table 派遣规则")
def routing_table(rt: RuntimeDep, _who: ReaderDep) -> list[dict[str, Any]]:
    return [r.model_dump(mode="json") for r in rt.cases.routing.entries()]


@router.get("/api/v1/workflow", summary="Case workflow 案卷流程")
def workflow(rt: RuntimeDep, _who: ReaderDep) -> dict[str, Any]:
    return rt.cases.workflow.model_dump(mode="json", by_alias=True)
