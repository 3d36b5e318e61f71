"""The device registry: every registered device, held in memory for the hot path.

The database is the record; this registry is loaded from it at start-up and updated by the
device service after each committed registration, so ingest can look a device (and its thing
model) up without touching the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from enum import StrEnum

import msgspec

from cityops.devices.thing_model import ThingModel


class MaintenanceState(StrEnum):
    IN_SERVICE = "in_service"
    MAINTENANCE = "maintenance"
    FAULTY = "faulty"
    RETIRED = "retired"


class Device(msgspec.Struct, frozen=True):
    id: str
    model: str
    name: str
    lon: float
    lat: float
    grid_code: str | None
    owner_unit: str
    tags: tuple[str, ...]
    install_date: date | None
    maintenance_state: MaintenanceState
    created_at: int


class DeviceRegistry:
    """Devices and thing models by id, plus the device-token index used to authenticate."""

    def __init__(self, models: dict[str, ThingModel]) -> None:
        self.models = models
        self._devices: dict[str, Device] = {}
        self._by_token: dict[str, str] = {}
        self._sorted_ids: list[str] | None = None

    def __len__(self) -> int:
        return len(self._devices)

    def __iter__(self) -> Iterator[Device]:
        return iter(self._devices.values())

    def get(self, device_id: str) -> Device | None:
        return self._devices.get(device_id)

    def model_of(self, device: Device) -> ThingModel:
        return self.models[device.model]

    def device_for_token(self, token_hash: str) -> Device | None:
        device_id = self._by_token.get(token_hash)
        return None if device_id is None else self._devices.get(device_id)

    def add(self, entries: Iterable[tuple[Device, str]]) -> None:
        """Add or replace devices with their token hashes."""
        for device, token_hash in entries:
            self._devices[device.id] = device
            self._by_token[token_hash] = device.id
        self._sorted_ids = None

    def replace_token(self, device_id: str, old_hash: str, new_hash: str) -> None:
        self._by_token.pop(old_hash, None)
        self._by_token[new_hash] = device_id

    def sorted_ids(self) -> list[str]:
        """Ids in order, for cursor pagination; rebuilt lazily after registrations."""
        if self._sorted_ids is None:
            self._sorted_ids = sorted(self._devices)
        return self._sorted_ids
