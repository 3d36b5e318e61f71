"""Devices: list and filter, detail with shadow and status, register, rotate token, telemetry."""

from __future__ import annotations

import bisect
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query

from cityops.auth.tokens import Principal
from cityops.core.errors import ConfigError, Conflict, NotFound
from cityops.devices.registry import Device
from cityops.devices.service import DeviceIn
from cityops.devices.shadow import Status, battery_of, status_of
from cityops.runtime import Runtime
from cityops.store import readings as readings_store
from cityops.web.auth import AdminDep, ReaderDep, RuntimeDep
from cityops.web.params import parse_bucket, parse_time

router = APIRouter(tags=["devices 设备"])

DAY_MS = 86_400_000


@router.get("/api/v1/devices", summary="List devices 设备列表")
def list_devices(
    rt: RuntimeDep,
    who: ReaderDep,
    grid: Annotated[str | None, Query(description="area code: grid, community or street")] = None,
    model: str | None = None,
    status: Status | None = None,
    tag: str | None = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    ids = rt.registry.sorted_ids()
    start = bisect.bisect_right(ids, cursor) if cursor else 0
    now = rt.clock.now_ms()
    items: list[dict[str, Any]] = []
    next_cursor = None
    for device_id in ids[start:]:
        device = rt.registry.get(device_id)
        if device is None or not _matches(rt, device, grid, model, tag, status, now):
            continue
        if not who.sees(device.grid_code):
            continue
        if len(items) == limit:
            next_cursor = items[-1]["id"]
            break
        items.append(_summary(rt, device, now))
    return {"items": items, "next_cursor": next_cursor}


def _matches(
    rt: Runtime,
    device: Device,
    grid: str | None,
    model: str | None,
    tag: str | None,
    status: Status | None,
    now: int,
) -> bool:
    if model and device.model != model:
        return False
    if grid and not (device.grid_code or "").startswith(grid):
        return False
    if tag and tag not in device.tags:
        return False
    if status is None:
        return True
    return status_of(rt.shadows.get(device.id), rt.registry.model_of(device), now) is status


def _summary(rt: Runtime, device: Device, now: int) -> dict[str, Any]:
    shadow = rt.shadows.get(device.id)
    model = rt.registry.model_of(device)
    return {
        "id": device.id,
        "model": device.model,
        "name": device.name,
        "lon": device.lon,
        "lat": device.lat,
        "grid_code": device.grid_code,
        "owner_unit": device.owner_unit,
        "tags": list(device.tags),
        "install_date": device.install_date.isoformat() if device.install_date else None,
        "maintenance_state": device.maintenance_state.value,
        "status": status_of(shadow, model, now).value,
        "last_seen": shadow.last_seen if shadow else None,
        "battery_pct": battery_of(shadow, model),
    }


@router.get("/api/v1/devices/{device_id}", summary="Device detail with shadow 设备详情")
def get_device(device_id: str, rt: RuntimeDep, who: ReaderDep) -> dict[str, Any]:
    device = _device(rt, device_id, who)
    shadow = rt.shadows.get(device.id)
    out = _summary(rt, device, rt.clock.now_ms())
    out["shadow"] = (
        {"ts": shadow.ts, "values": dict(shadow.values), "value_ts": dict(shadow.value_ts)}
        if shadow
        else None
    )
    return out


@router.post("/api/v1/devices", status_code=201, summary="Register devices 注册设备")
def register_devices(
    rt: RuntimeDep,
    _who: AdminDep,
    body: Annotated[DeviceIn | list[DeviceIn], Body()],
    skip_existing: bool = False,
) -> dict[str, Any]:
    """One device or an array; each device's token is in this answer only."""
    specs = body if isinstance(body, list) else [body]
    if len(specs) > 10_000:
        raise HTTPException(413, "register at most 10000 devices per request")
    try:
        registered, existing = rt.devices.register(specs, skip_existing=skip_existing)
    except Conflict as exc:
        raise HTTPException(409, str(exc)) from exc
    except ConfigError as exc:
        raise HTTPException(422, str(exc)) from exc
    now = rt.clock.now_ms()
    created = [{**_summary(rt, r.device, now), "token": r.token} for r in registered]
    if isinstance(body, list):
        return {"devices": created, "existing": existing}
    return {"device": created[0], "token": created[0]["token"]}


@router.post("/api/v1/devices/{device_id}/token", summary="Rotate device token 更换设备密钥")
def rotate_token(device_id: str, rt: RuntimeDep, _who: AdminDep) -> dict[str, str]:
    try:
        return {"id": device_id, "token": rt.devices.rotate_token(device_id)}
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc


@router.delete(
    "/api/v1/devices/{device_id}/token", status_code=204, summary="Revoke device token 吊销设备密钥"
)
def revoke_token(device_id: str, rt: RuntimeDep, who: AdminDep) -> None:
    try:
        rt.devices.revoke_token(device_id)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from exc
    rt.audit.append(f"{who.kind.value}:{who.id}", "device_token_revoked", device_id)


@router.get("/api/v1/devices/{device_id}/telemetry", summary="Device telemetry 设备历史数据")
def get_telemetry(
    device_id: str,
    rt: RuntimeDep,
    who: ReaderDep,
    property: Annotated[str | None, Query(alias="property")] = None,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
    bucket: Annotated[str | None, Query(description="e.g. 5m, 1h: min/avg/max per bucket")] = None,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 10_000,
) -> dict[str, Any]:
    device = _device(rt, device_id, who)
    model = rt.registry.model_of(device)
    end = parse_time(to, rt.clock.now_ms() + 1, "to")
    start = parse_time(from_, end - DAY_MS, "from")
    if property is not None and property not in model.by_id:
        raise HTTPException(400, f"{property!r} is not a property of {model.id}")
    with rt.engine.connect() as conn:
        if bucket is None:
            rows = readings_store.query_raw(conn, device_id, start, end, limit)
            points = [_pick(ts, values, property) for ts, values in rows]
            return {
                "device_id": device_id,
                "property": property,
                "points": [p for p in points if p],
            }
        if property is None or model.by_id[property].type.value not in ("float", "int"):
            raise HTTPException(400, "bucket needs a numeric property")
        size = parse_bucket(bucket)
        buckets = readings_store.query_buckets(conn, device_id, property, start, end, size)
    return {
        "device_id": device_id,
        "property": property,
        "bucket_ms": size,
        "buckets": [
            {"ts": b, "min": lo, "avg": avg, "max": hi, "count": n} for b, lo, avg, hi, n in buckets
        ],
    }


def _pick(ts: int, values: dict[str, Any], prop: str | None) -> dict[str, Any] | None:
    if prop is None:
        return {"ts": ts, "values": values}
    return {"ts": ts, "value": values[prop]} if prop in values else None


def _device(rt: Runtime, device_id: str, who: Principal | None = None) -> Device:
    device = rt.registry.get(device_id)
    if device is None or (who is not None and not who.sees(device.grid_code)):
        raise HTTPException(404, f"no device {device_id!r}")
    return device
