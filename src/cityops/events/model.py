"""The event contract every detector speaks: rules, camera AI, citizens, patrols, the hotline.

A detector sends a `Signal` (something is wrong here, this badly) or a `Clear` (it is over).
The event service turns signals into `Event`s: one active event per de-duplication key, its
count and severity kept up to date, cleared when the cause is gone.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import msgspec


class Severity(StrEnum):
    """China's four-level warning scale (预警级别), mildest first."""

    BLUE = "blue"  # IV 一般
    YELLOW = "yellow"  # III 较重
    ORANGE = "orange"  # II 严重
    RED = "red"  # I 特别严重

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def level(self) -> str:
        return _LEVEL[self]

    @property
    def name_zh(self) -> str:
        return _ZH[self]


_RANK = {Severity.BLUE: 1, Severity.YELLOW: 2, Severity.ORANGE: 3, Severity.RED: 4}
_LEVEL = {Severity.BLUE: "IV", Severity.YELLOW: "III", Severity.ORANGE: "II", Severity.RED: "I"}
_ZH = {
    Severity.BLUE: "一般",
    Severity.YELLOW: "较重",
    Severity.ORANGE: "严重",
    Severity.RED: "特别严重",
}


class EventSource(StrEnum):
    RULE = "rule"
    DETECTION = "detection"
    CITIZEN = "citizen"
    PATROL = "patrol"
    HOTLINE = "hotline"


class EventStatus(StrEnum):
    ACTIVE = "active"
    ACKNOWLEDGED = "acknowledged"
    CLEARED = "cleared"


class Signal(msgspec.Struct, frozen=True, kw_only=True):
    """A detector's claim that an event of `class_code` is happening.

    `key` de-duplicates: while an event with this key is active, further signals update it.
    Rules use ``rule:<rule_id>:<device_id>``. Detectors without a stable key (camera AI,
    citizens) leave it None and the service de-duplicates by class within a radius and window.
    """

    class_code: str
    severity: Severity
    source: EventSource
    ts: int
    title: str
    key: str | None = None
    lon: float | None = None
    lat: float | None = None
    grid_code: str | None = None
    device_id: str | None = None
    rule_id: str | None = None
    evidence: dict[str, Any] = msgspec.field(default_factory=dict)


class Clear(msgspec.Struct, frozen=True, kw_only=True):
    """The condition behind the active event with `key` is over."""

    key: str
    ts: int
    reason: str
    evidence: dict[str, Any] = msgspec.field(default_factory=dict)


Outcome = Signal | Clear


class SeverityChange(msgspec.Struct, frozen=True):
    ts: int
    severity_from: Severity | None
    severity_to: Severity


class Event(msgspec.Struct, kw_only=True):
    id: str
    class_code: str
    severity: Severity
    source: EventSource
    status: EventStatus
    title: str
    key: str | None
    lon: float | None
    lat: float | None
    grid_code: str | None
    device_id: str | None
    rule_id: str | None
    first_seen: int
    last_seen: int
    count: int
    evidence: dict[str, Any]
    severity_history: list[SeverityChange]
    acknowledged_at: int | None = None
    acknowledged_by: str | None = None
    cleared_at: int | None = None
    clear_reason: str | None = None
