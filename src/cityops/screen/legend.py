"""The fixed vocabulary a screen draws with: district extent, warning colours, state and role
names, and the base map. Served once at start-up so no page hard-codes a code list."""

from __future__ import annotations

from typing import Any

import shapely.geometry

from cityops.auth.tokens import Role
from cityops.cases.model import CaseState
from cityops.cases.service import ZONE
from cityops.core.config import Settings
from cityops.district.model import Area
from cityops.events.model import Severity
from cityops.runtime import Runtime

# The colours of the four warning levels (预警信号: 蓝、黄、橙、红), as screens draw them.
SEVERITY_COLORS = {
    Severity.BLUE: "#1E6FD9",
    Severity.YELLOW: "#F5C400",
    Severity.ORANGE: "#FF7A00",
    Severity.RED: "#E0201B",
}
SEVERITY_EN = {
    Severity.BLUE: "Level IV (general)",
    Severity.YELLOW: "Level III (serious)",
    Severity.ORANGE: "Level II (very serious)",
    Severity.RED: "Level I (extremely serious)",
}
CASE_STATE_EN = {
    CaseState.REPORTED: "Reported",
    CaseState.FILED: "Filed",
    CaseState.REJECTED: "Rejected",
    CaseState.DISPATCHED: "Dispatched",
    CaseState.HANDLING: "Handling",
    CaseState.HANDLED: "Handled",
    CaseState.CLOSED: "Closed",
    CaseState.EVALUATED: "Evaluated",
    CaseState.ON_HOLD: "On hold",
    CaseState.DEFERRED: "Deferred",
    CaseState.VOID: "Void",
}
VIEWER_NAMES = ("只读用户", "Viewer")
"""The one person's role the case workflow does not name (it acts on no case)."""


def screen_config(rt: Runtime) -> dict[str, Any]:
    workflow_roles = rt.cases.workflow.roles
    roles = []
    for role in Role:
        if role is Role.INGEST:  # a gateway's role, never a person's
            continue
        spec = workflow_roles.get(role.value)
        name_zh, name_en = (spec.name_zh, spec.name_en) if spec else VIEWER_NAMES
        unit_role = bool(spec and spec.unit_role)
        roles.append(
            {"code": role.value, "name_zh": name_zh, "name_en": name_en, "unit_role": unit_role}
        )
    return {
        "district": district_of(rt.district.areas),
        "timezone": ZONE.key,
        "basemap": basemap(rt.settings),
        "map_device_points": rt.settings.map_device_points,
        "severities": [
            {
                "code": s.value,
                "level": s.level,
                "name_zh": f"{s.name_zh}({s.level}级)",
                "name_en": SEVERITY_EN[s],
                "color": SEVERITY_COLORS[s],
            }
            for s in Severity
        ],
        "case_states": [
            {"code": s.value, "name_zh": s.name_zh, "name_en": CASE_STATE_EN[s]} for s in CaseState
        ],
        "roles": roles,
    }


def district_of(areas: list[Area]) -> dict[str, Any] | None:
    """The top area with its extent; None before a district is imported."""
    root = next((a for a in areas if a.parent_code is None), None)
    if root is None:
        return None
    bbox: list[float] | None = None
    center: list[float] | None = None
    if root.geometry is not None:
        minx, miny, maxx, maxy = shapely.geometry.shape(root.geometry).bounds
        bbox = [minx, miny, maxx, maxy]
        center = [(minx + maxx) / 2, (miny + maxy) / 2]
    return {
        "code": root.code,
        "name_zh": root.name_zh,
        "name_en": root.name_en,
        "bbox": bbox,
        "center": center,
    }


def basemap(settings: Settings) -> dict[str, Any] | None:
    if not settings.basemap_url:
        return None
    return {
        "url": settings.basemap_url,
        "attribution": settings.basemap_attribution,
        "max_zoom": settings.basemap_max_zoom,
    }
