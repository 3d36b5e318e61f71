"""The screens' endpoints: legend, overview, map feed, and a device's threshold lines."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, HTTPException, Query

from cityops.screen.feed import (
    FEED_LIMIT,
    device_feed,
    device_thresholds,
    grid_summary,
    parse_bbox,
    visible_device,
)
from cityops.screen.legend import screen_config
from cityops.screen.overview import overview
from cityops.web.auth import ReaderDep, RuntimeDep

router = APIRouter(tags=["screens 大屏"])


@router.get("/api/v1/screen/config", summary="Screen legend and map setup 大屏配置")
def get_config(rt: RuntimeDep, _who: ReaderDep) -> dict[str, Any]:
    """District extent, time zone, base map, and the names and colours of the code lists."""
    return screen_config(rt)


@router.get("/api/v1/screen/overview", summary="Operations overview 态势总览")
def get_overview(rt: RuntimeDep, who: ReaderDep) -> dict[str, Any]:
    """Devices, readings, open events and cases now, and today's cases (Asia/Shanghai), all
    limited to what the caller may see."""
    return overview(rt, who)


@router.get("/api/v1/screen/devices", summary="Device map feed 设备点位")
def get_device_feed(
    rt: RuntimeDep,
    who: ReaderDep,
    bbox: Annotated[str | None, Query(description="minlon,minlat,maxlon,maxlat")] = None,
    limit: Annotated[int, Query(ge=1, le=200_000)] = FEED_LIMIT,
) -> dict[str, Any]:
    """Devices as rows; more than `limit` in view gives `truncated: true` and no rows (draw
    `/api/v1/screen/grids` instead, or zoom in)."""
    try:
        box = parse_bbox(bbox) if bbox is not None else None
    except ValueError as exc:
        raise HTTPException(400, str(exc)) from exc
    return device_feed(rt, who, box, limit)


@router.get("/api/v1/screen/grids", summary="Device status per grid 网格设备统计")
def get_grid_summary(rt: RuntimeDep, who: ReaderDep) -> dict[str, Any]:
    """Devices per grid by status (total, online, offline, never_seen), in the caller's areas."""
    return grid_summary(rt, who)


@router.get("/api/v1/devices/{device_id}/thresholds", summary="Rule levels for a device 设备阈值线")
def get_device_thresholds(device_id: str, rt: RuntimeDep, who: ReaderDep) -> list[Any]:
    """The level lines of the enabled rules watching this device, to draw on its charts."""
    device = visible_device(rt, who, device_id)
    if device is None:
        raise HTTPException(404, f"no device {device_id!r}")
    result: list[Any] = msgspec.to_builtins(device_thresholds(rt, device))
    return result
