"""Device shadows: the latest value of every property, and when the device was last heard.

Served from memory; snapshotted to `device_shadows` every few seconds (and at shutdown) in one
batched upsert, so a restart resumes with at most that much staleness. The readings themselves
are durable in `readings` at the moment they are acknowledged; the shadow is a derived view.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from enum import StrEnum

import msgspec
import sqlalchemy as sa

from cityops.core.types import Reading, Value
from cityops.devices.registry import Device
from cityops.devices.thing_model import ThingModel
from cityops.store.schema import device_shadows


class Status(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"
    NEVER_SEEN = "never_seen"


class Shadow(msgspec.Struct):
    last_seen: int
    """When the platform last received anything from the device (server time)."""
    ts: int
    """Timestamp of the newest reading (device time)."""
    values: dict[str, Value]
    value_ts: dict[str, int]
    """Per property, the timestamp of the reading that set its value (late readings lose)."""


def status_of(shadow: Shadow | None, model: ThingModel, now_ms: int) -> Status:
    if shadow is None:
        return Status.NEVER_SEEN
    if now_ms - shadow.last_seen <= model.heartbeat_timeout_s * 1000:
        return Status.ONLINE
    return Status.OFFLINE


def battery_of(shadow: Shadow | None, model: ThingModel) -> float | None:
    if shadow is None or model.battery_property is None:
        return None
    value = shadow.values.get(model.battery_property)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


class ShadowStore:
    """Latest values per device; `apply` is called by the pipeline after each commit."""

    def __init__(self) -> None:
        self._shadows: dict[str, Shadow] = {}
        self._dirty: set[str] = set()
        self._lock = threading.Lock()

    def get(self, device_id: str) -> Shadow | None:
        return self._shadows.get(device_id)

    def apply(self, readings: Iterable[Reading], received_at: int) -> None:
        with self._lock:
            for reading in readings:
                self._apply_one(reading, received_at)

    def _apply_one(self, reading: Reading, received_at: int) -> None:
        shadow = self._shadows.get(reading.device_id)
        if shadow is None:
            shadow = Shadow(last_seen=received_at, ts=reading.ts, values={}, value_ts={})
            self._shadows[reading.device_id] = shadow
        shadow.last_seen = max(shadow.last_seen, received_at)
        shadow.ts = max(shadow.ts, reading.ts)
        for prop, value in reading.values.items():
            if reading.ts >= shadow.value_ts.get(prop, -1):
                shadow.values[prop] = value
                shadow.value_ts[prop] = reading.ts
        self._dirty.add(reading.device_id)

    def forget(self, devices: Iterable[Device]) -> None:
        with self._lock:
            for device in devices:
                self._shadows.pop(device.id, None)

    def load(self, engine: sa.Engine) -> int:
        """Restore shadows from the last snapshot; returns how many were loaded."""
        with engine.connect() as conn:
            rows = conn.execute(sa.select(device_shadows)).all()
        with self._lock:
            for row in rows:
                values = dict(row.values)
                self._shadows[row.device_id] = Shadow(
                    last_seen=row.last_seen,
                    ts=row.ts,
                    values=values,
                    value_ts=dict.fromkeys(values, row.ts),
                )
        return len(rows)

    def flush(self, engine: sa.Engine) -> int:
        """Write the shadows that changed since the last flush in one transaction."""
        with self._lock:
            dirty, self._dirty = self._dirty, set()
            rows = [
                {"device_id": d, "last_seen": s.last_seen, "ts": s.ts, "values": dict(s.values)}
                for d in dirty
                if (s := self._shadows.get(d)) is not None
            ]
        if not rows:
            return 0
        with engine.begin() as conn:
            conn.execute(_upsert(engine), rows)
        return len(rows)


def _upsert(engine: sa.Engine) -> sa.Insert:
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        pg = pg_insert(device_shadows)
        return pg.on_conflict_do_update(
            index_elements=["device_id"],
            set_={c: pg.excluded[c] for c in ("last_seen", "ts", "values")},
        )
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    lite = sqlite_insert(device_shadows)
    return lite.on_conflict_do_update(
        index_elements=["device_id"],
        set_={c: lite.excluded[c] for c in ("last_seen", "ts", "values")},
    )
