"""Registering devices: validate, place in a grid, issue a token, store, then publish to memory."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date
from typing import Annotated, Protocol

import msgspec
import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field

from cityops.auth.tokens import hash_token, new_token
from cityops.core.clock import Clock
from cityops.core.errors import ConfigError, Conflict, NotFound
from cityops.devices.registry import Device, DeviceRegistry, MaintenanceState
from cityops.store.schema import devices


class GridLocator(Protocol):
    def locate_many(self, lons: Sequence[float], lats: Sequence[float]) -> list[str | None]: ...


class DeviceIn(BaseModel):
    """A registration request, as the API and the import tools send it."""

    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")]
    model: str
    name: str = Field(min_length=1, max_length=200)
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    owner_unit: str = Field(min_length=1, max_length=100)
    tags: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(
        default_factory=list, max_length=20
    )
    install_date: date | None = None
    maintenance_state: MaintenanceState = MaintenanceState.IN_SERVICE


class Registered(msgspec.Struct, frozen=True):
    device: Device
    token: str
    """The device's bearer token, returned once and stored only as a hash."""


class DeviceService:
    def __init__(
        self, engine: sa.Engine, registry: DeviceRegistry, grids: GridLocator, clock: Clock
    ) -> None:
        self._engine = engine
        self._registry = registry
        self._grids = grids
        self._clock = clock

    def load(self) -> int:
        """Fill the in-memory registry from the database; returns the device count."""
        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(devices)).all()
        self._registry.add((_device_from_row(r), r.token_hash) for r in rows)
        return len(rows)

    def register(
        self, specs: Sequence[DeviceIn], *, skip_existing: bool = False
    ) -> tuple[list[Registered], list[str]]:
        """Register devices in one transaction; returns (registered, ids that already existed).

        Without `skip_existing`, any existing id is a Conflict and nothing is registered.
        """
        self._check_models(specs)
        existing = [s.id for s in specs if self._registry.get(s.id) is not None]
        if existing and not skip_existing:
            raise Conflict(f"devices already registered: {', '.join(existing[:10])}")
        new_specs = _unique_new(specs, set(existing))
        grid_codes = self._grids.locate_many([s.lon for s in new_specs], [s.lat for s in new_specs])
        now = self._clock.now_ms()
        registered = [
            Registered(_device_from_spec(s, grid, now), new_token("cod"))
            for s, grid in zip(new_specs, grid_codes, strict=True)
        ]
        rows = [_row(r.device, hash_token(r.token)) for r in registered]
        if rows:
            with self._engine.begin() as conn:
                conn.execute(devices.insert(), rows)
        self._registry.add((r.device, hash_token(r.token)) for r in registered)
        return registered, existing

    def rotate_token(self, device_id: str) -> str:
        """Issue a new token; the old one stops working at once."""
        token = new_token("cod")
        self._replace_hash(device_id, hash_token(token))
        return token

    def revoke_token(self, device_id: str) -> None:
        """The device's token stops working at once; it can write again only after a rotation
        (a lost or stolen device). The stored hash becomes one no token can match."""
        self._replace_hash(device_id, "revoked:" + secrets.token_hex(28))

    def _replace_hash(self, device_id: str, new_hash: str) -> None:
        if self._registry.get(device_id) is None:
            raise NotFound(f"no device {device_id!r}")
        where = devices.c.id == device_id
        with self._engine.begin() as conn:
            old_hash = conn.execute(sa.select(devices.c.token_hash).where(where)).scalar_one()
            conn.execute(devices.update().where(where).values(token_hash=new_hash))
        self._registry.replace_token(device_id, old_hash, new_hash)

    def _check_models(self, specs: Sequence[DeviceIn]) -> None:
        unknown = sorted({s.model for s in specs} - set(self._registry.models))
        if unknown:
            known = ", ".join(sorted(self._registry.models))
            raise ConfigError(f"unknown thing model(s) {', '.join(unknown)}; known: {known}")


def _unique_new(specs: Sequence[DeviceIn], existing: set[str]) -> list[DeviceIn]:
    seen: set[str] = set()
    out: list[DeviceIn] = []
    for spec in specs:
        if spec.id in seen:
            raise Conflict(f"device id {spec.id!r} appears twice in the request")
        seen.add(spec.id)
        if spec.id not in existing:
            out.append(spec)
    return out


def _device_from_spec(spec: DeviceIn, grid_code: str | None, now: int) -> Device:
    return Device(
        id=spec.id,
        model=spec.model,
        name=spec.name,
        lon=spec.lon,
        lat=spec.lat,
        grid_code=grid_code,
        owner_unit=spec.owner_unit,
        tags=tuple(spec.tags),
        install_date=spec.install_date,
        maintenance_state=spec.maintenance_state,
        created_at=now,
    )


def _device_from_row(row: sa.Row[tuple[object, ...]]) -> Device:
    m = row._mapping
    return Device(
        id=m["id"],
        model=m["model"],
        name=m["name"],
        lon=m["lon"],
        lat=m["lat"],
        grid_code=m["grid_code"],
        owner_unit=m["owner_unit"],
        tags=tuple(m["tags"]),
        install_date=m["install_date"],
        maintenance_state=MaintenanceState(m["maintenance_state"]),
        created_at=m["created_at"],
    )


def _row(device: Device, token_hash: str) -> dict[str, object]:
    return {
        "id": device.id,
        "model": device.model,
        "name": device.name,
        "lon": device.lon,
        "lat": device.lat,
        "grid_code": device.grid_code,
        "owner_unit": device.owner_unit,
        "tags": list(device.tags),
        "install_date": device.install_date,
        "maintenance_state": device.maintenance_state.value,
        "token_hash": token_hash,
        "created_at": device.created_at,
    }
