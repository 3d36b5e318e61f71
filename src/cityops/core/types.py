"""The core data contract of the sense loop.

A *reading* is one timestamped set of property values from one device. Adapters (HTTP, MQTT)
parse bytes into readings; everything downstream (store, shadow, rules) consumes `Reading`.
Timestamps are integers in epoch milliseconds, UTC, everywhere inside the platform.
"""

from __future__ import annotations

from enum import StrEnum

import msgspec

Value = float | int | bool | str
"""A property value after validation against the device's thing model."""


class Source(StrEnum):
    """Where a reading or a rejected payload came from."""

    HTTP = "http"
    MQTT = "mqtt"
    SIMULATOR = "simulator"


class Reading(msgspec.Struct, frozen=True, gc=False):
    """A validated reading, ready to store."""

    device_id: str
    ts: int
    values: dict[str, Value]


class DeadLetter(msgspec.Struct, frozen=True, gc=False):
    """A payload (or one item of it) that was rejected, kept with the reason so nothing is lost."""

    received_at: int
    source: Source
    reason: str
    raw: bytes
    device_id: str | None = None


class Rejection(msgspec.Struct, frozen=True):
    """What a client is told about one rejected item of its payload."""

    index: int
    reason: str
