"""GET/POST/PUT/DELETE /api/v1/rules, and a dry-run validation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Response
from fastapi.responses import JSONResponse

from cityops.core.errors import Conflict, NotFound
from cityops.rules.checks import RuleInvalid
from cityops.rules.service import dump
from cityops.web.auth import AdminDep, ReaderDep, RuntimeDep

router = APIRouter(tags=["rules 规则"])

_EXAMPLE = {
    "id": "underpass-water-depth",
    "name_zh": "下穿通道积水分级预警",
    "name_en": "Underpass water depth",
    "scope": {"models": ["underpass_water_level"]},
    "condition": {
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
    "class_code": "E1001",
    "message": "{device_name}：积水{value}{unit}，{severity_zh}",
}
Definition = Annotated[
    dict[str, Any],
    Body(
        description="A rule definition; the language is described in data/rules/README.md.",
        openapi_examples={"bands": {"summary": "underpass water bands", "value": _EXAMPLE}},
    ),
]


def _invalid(exc: RuleInvalid) -> JSONResponse:
    errors = [{"path": e.path, "message": e.message} for e in exc.errors]
    return JSONResponse({"detail": str(exc), "errors": errors}, 422)


@router.get("/api/v1/rules", summary="List rules 规则列表")
def list_rules(rt: RuntimeDep, _who: ReaderDep) -> dict[str, Any]:
    return {"items": rt.rules.list()}


@router.get("/api/v1/rules/{rule_id}", summary="Rule detail 规则详情")
def get_rule(rule_id: str, rt: RuntimeDep, _who: ReaderDep) -> dict[str, Any]:
    try:
        return rt.rules.get(rule_id)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc


@router.post(
    "/api/v1/rules",
    status_code=201,
    summary="Create a rule 新建规则",
    responses={409: {"description": "The id exists"}, 422: {"description": "Invalid rule"}},
)
def create_rule(rt: RuntimeDep, who: AdminDep, body: Definition) -> Any:
    try:
        return rt.rules.create(body, models=rt.registry.models, actor=f"{who.kind.value}:{who.id}")
    except RuleInvalid as exc:
        return _invalid(exc)
    except Conflict as exc:
        raise HTTPException(409, str(exc)) from exc


@router.post("/api/v1/rules/validate", summary="Validate a rule (dry run) 校验规则")
def validate_rule(rt: RuntimeDep, _who: ReaderDep, body: Definition) -> dict[str, Any]:
    """Nothing is stored: the answer says whether the rule is valid and, if not, why."""
    try:
        rule = rt.rules.validate(body, models=rt.registry.models)
    except RuleInvalid as exc:
        errors = [{"path": e.path, "message": e.message} for e in exc.errors]
        return {"valid": False, "errors": errors}
    return {"valid": True, "errors": [], "definition": dump(rule)}


@router.put("/api/v1/rules/{rule_id}", summary="Replace a rule 修改规则")
def update_rule(rule_id: str, rt: RuntimeDep, who: AdminDep, body: Definition) -> Any:
    """Takes effect at once; the rule's open events are cleared when it changes."""
    try:
        return rt.rules.update(
            rule_id, body, models=rt.registry.models, actor=f"{who.kind.value}:{who.id}"
        )
    except RuleInvalid as exc:
        return _invalid(exc)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc


@router.delete("/api/v1/rules/{rule_id}", status_code=204, summary="Delete a rule 删除规则")
def delete_rule(rule_id: str, rt: RuntimeDep, who: AdminDep) -> Response:
    try:
        rt.rules.delete(rule_id, actor=f"{who.kind.value}:{who.id}")
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    return Response(status_code=204)
