"""What the map and the device pages draw: every visible device as a compact row, and the
level lines of the rules that watch a device.

Rows instead of objects because the screens load thousands of devices: the field names are
sent once, in `fields`, and each device is one short array.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from cityops.auth.tokens import Principal
from cityops.devices.registry import Device
from cityops.devices.shadow import status_of
from cityops.rules.definition import Rule
from cityops.rules.thresholds import ThresholdLine, thresholds_for
from cityops.runtime import Runtime
from cityops.screen.overview import within

FIELDS = ("id", "name", "model", "lon", "lat", "status", "grid")
BBox = tuple[float, float, float, float]


def parse_bbox(text: str) -> BBox:
    """`minlon,minlat,maxlon,maxlat` in WGS84; ValueError says what is wrong."""
    parts = text.split(",")
    if len(parts) != 4:
        raise ValueError("bbox is minlon,minlat,maxlon,maxlat")
    minlon, minlat, maxlon, maxlat = (float(p) for p in parts)
    if not (-180 <= minlon <= maxlon <= 180 and -90 <= minlat <= maxlat <= 90):
        raise ValueError("bbox needs -180 ≤ minlon ≤ maxlon ≤ 180 and -90 ≤ minlat ≤ maxlat ≤ 90")
    return minlon, minlat, maxlon, maxlat


def device_feed(rt: Runtime, who: Principal, bbox: BBox | None = None) -> dict[str, Any]:
    now = rt.clock.now_ms()
    rows: list[list[Any]] = []
    for device_id in rt.registry.sorted_ids():
        device = rt.registry.get(device_id)
        if device is None or not within(who.grids, device.grid_code):
            continue
        if bbox is not None and not (
            bbox[0] <= device.lon <= bbox[2] and bbox[1] <= device.lat <= bbox[3]
        ):
            continue
        status = status_of(rt.shadows.get(device.id), rt.registry.model_of(device), now)
        rows.append(
            [
                device.id,
                device.name,
                device.model,
                device.lon,
                device.lat,
                status.value,
                device.grid_code,
            ]
        )
    return {"fields": list(FIELDS), "rows": rows}


def visible_device(rt: Runtime, who: Principal, device_id: str) -> Device | None:
    """The device, unless it does not exist or lies outside the caller's areas."""
    device = rt.registry.get(device_id)
    return device if device is not None and within(who.grids, device.grid_code) else None


def device_thresholds(rt: Runtime, device: Device) -> list[ThresholdLine]:
    """The lines of every enabled rule that watches `device`, in rule-id order."""
    model = rt.registry.model_of(device)
    lines: list[ThresholdLine] = []
    for stored in rt.rules.list():
        if not stored["enabled"]:
            continue
        try:
            rule = Rule.model_validate(stored["definition"])
        except ValidationError:  # the rule service skips (and logs) it the same way
            continue
        lines.extend(thresholds_for(rule, device, model))
    return lines
