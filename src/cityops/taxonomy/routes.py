"""GET /api/v1/taxonomy: the event and component classes, for pickers and for integrators."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, Query

from cityops.taxonomy.model import Kind
from cityops.web.auth import ReaderDep, RuntimeDep

router = APIRouter(tags=["taxonomy 分类"])


@router.get("/api/v1/taxonomy", summary="Event and component classes 事部件分类")
def list_classes(
    rt: RuntimeDep,
    _who: ReaderDep,
    kind: Kind | None = None,
    major: Annotated[
        str | None, Query(pattern=r"^[EC]\d{2}$", description="major class, e.g. E01 or C02")
    ] = None,
    iot: Annotated[bool | None, Query(description="only IoT-sensed (true) or not (false)")] = None,
) -> dict[str, Any]:
    classes = rt.taxonomy.select(kind=kind, major=major, iot=iot)
    wanted = {c.major_code for c in classes}
    return {
        "majors": [msgspec.to_builtins(m) for m in rt.taxonomy.majors() if m.code in wanted],
        "classes": [msgspec.to_builtins(c) for c in classes],
    }
