"""Case KPIs over HTTP: the 综合评价 figures of a period, with zh-CN labels for the screens."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from cityops.cases.service import ZONE
from cityops.cases.stats import LABELS, GroupBy, NameOf, case_stats
from cityops.runtime import Runtime
from cityops.web.auth import ReaderDep, RuntimeDep
from cityops.web.params import parse_time

router = APIRouter(tags=["cases 案卷"])


@router.get("/api/v1/stats/cases", summary="Case KPIs and ranking 案卷综合评价")
def case_kpis(
    rt: RuntimeDep,
    _who: ReaderDep,
    from_: Annotated[
        str | None, Query(alias="from", description="epoch ms or ISO 8601 with offset")
    ] = None,
    to: Annotated[str | None, Query(description="exclusive; default: the month's end")] = None,
    group_by: GroupBy | None = None,
) -> dict[str, Any]:
    """KPIs of the cases reported in [from, to); by default the current month in Asia/Shanghai.

    The definitions are in `cityops.cases.stats`; `labels` names every key in Chinese.
    """
    now = rt.clock.now_ms()
    month_start, month_end = month_of(now)
    start = parse_time(from_, month_start, "from")
    end = parse_time(to, month_end, "to")
    if end <= start:
        raise HTTPException(400, "`to` must be after `from`")
    with rt.engine.connect() as conn:
        stats = case_stats(conn, start, end, group_by, now, name_of=namer(rt, group_by))
    return {**stats, "labels": LABELS}


def namer(rt: Runtime, group_by: GroupBy | None) -> NameOf | None:
    """Names for group keys: units from the case service, grids from the district, classes
    from the taxonomy."""
    if group_by == "unit":
        units = {u.code: u.name_zh for u in rt.cases.units.all()}
        return units.get
    if group_by == "grid":
        areas = {a.code: a.name_zh for a in rt.district.areas}
        return areas.get
    if group_by == "class":
        taxonomy = rt.taxonomy

        def class_name(code: str) -> str | None:
            found = taxonomy.get(code)
            return found.name_zh if found is not None else None

        return class_name
    return None


def month_of(now_ms: int) -> tuple[int, int]:
    """[start, end) of the calendar month around `now_ms` in Asia/Shanghai, as epoch ms."""
    local = datetime.fromtimestamp(now_ms / 1000, UTC).astimezone(ZONE)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return round(start.timestamp() * 1000), round(end.timestamp() * 1000)
