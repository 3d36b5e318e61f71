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
from cityops.devices.shadow import Status, status_of
from cityops.rules.definition import Rule
from cityops.rules.thresholds import ThresholdLine, thresholds_for
from cityops.runtime import Runtime

FIELDS = ("id", "name", "model", "lon", "lat", "status", "grid")
GRID_FIELDS = ("grid", "total", "online", "offline", "never_seen")
BBox = tuple[float, float, float, float]
FEED_LIMIT = 20_000
"""Above this many devices in view the map draws per-grid counts instead of points. Measured
with bench/screen.py: 20k points draw in about 0.5 s in Chromium (canvas) from a 2.6 MB feed,
about 128 bytes a device, so a district's 240k would be some 30 MB every refresh."""


def parse_bbox(text: str) -> BBox:
    """`minlon,minlat,maxlon,maxlat` in WGS84; ValueError says what is wrong."""
    parts = text.split(",")
    if len(parts) != 4:
        raise ValueError("bbox is minlon,minlat,maxlon,maxlat")
    minlon, minlat, maxlon, maxlat = (float(p) for p in parts)
    if not (-180 <= minlon <= maxlon <= 180 and -90 <= minlat <= maxlat <= 90):
        raise ValueError("bbox needs -180 ≤ minlon ≤ maxlon ≤ 180 and -90 ≤ minlat ≤ maxlat ≤ 90")
    return minlon, minlat, maxlon, maxlat


def device_feed(
    rt: Runtime, who: Principal, bbox: BBox | None = None, limit: int = FEED_LIMIT
) -> dict[str, Any]:
    """Every visible device in `bbox` as a row; more than `limit` of them gives no rows and
    `truncated: true` with the `total`, so the map shows grid counts (`grid_summary`) until
    the operator zooms in."""
    visible = [
        device
        for device_id in rt.registry.sorted_ids()
        if (device := rt.registry.get(device_id)) is not None
        and who.sees(device.grid_code)
        and (
            bbox is None or (bbox[0] <= device.lon <= bbox[2] and bbox[1] <= device.lat <= bbox[3])
        )
    ]
    if len(visible) > limit:
        return {"fields": list(FIELDS), "rows": [], "total": len(visible), "truncated": True}
    now = rt.clock.now_ms()
    rows: list[list[Any]] = []
    for device in visible:
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
    return {"fields": list(FIELDS), "rows": rows, "total": len(rows), "truncated": False}


def grid_summary(rt: Runtime, who: Principal) -> dict[str, Any]:
    """Device status counts per grid the caller may see, for the map when points are too many
    and for grid tooltips."""
    rows = [
        [
            grid,
            counts.total(),
            counts[Status.ONLINE],
            counts[Status.OFFLINE],
            counts[Status.NEVER_SEEN],
        ]
        for grid, counts in sorted(rt.status_counts.per_grid().items())
        if grid and who.sees(grid)
    ]
    return {"fields": list(GRID_FIELDS), "rows": rows}


def visible_device(rt: Runtime, who: Principal, device_id: str) -> Device | None:
    """The device, unless it does not exist or lies outside the caller's areas."""
    device = rt.registry.get(device_id)
    return device if device is not None and who.sees(device.grid_code) else None


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
