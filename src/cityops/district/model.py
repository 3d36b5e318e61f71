"""The administrative hierarchy of a district: 区 → 街道 → 社区 → 单元网格, and its places.

Codes follow GB/T 2260 for the county (6 digits), the statistical division codes for streets
(9) and communities (12), and GB/T 30428.1 for unit grids (community code + a 2–4 digit
sequence). A code therefore spells out its ancestry, which is why every code must start with
its parent's code: an event located by grid code can be rolled up to its street by prefix.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

import msgspec


class Level(StrEnum):
    """The levels of the hierarchy, from the top down."""

    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"
    GRID = "grid"

    @property
    def depth(self) -> int:
        return list(Level).index(self)

    @property
    def parent(self) -> Level | None:
        """The level directly above, or None for the district (the top of the table)."""
        return list(Level)[self.depth - 1] if self.depth else None


_CODE_PATTERNS = {
    Level.DISTRICT: re.compile(r"[0-9]{6}"),
    Level.STREET: re.compile(r"[0-9]{9}"),
    Level.COMMUNITY: re.compile(r"[0-9]{12}"),
    Level.GRID: re.compile(r"[0-9]{14,16}"),
}
_CODE_SHAPES = {
    Level.DISTRICT: "6 digits",
    Level.STREET: "9 digits",
    Level.COMMUNITY: "12 digits",
    Level.GRID: "14 to 16 digits",
}


class Area(msgspec.Struct, frozen=True):
    """One area of the hierarchy; `geometry` is a GeoJSON geometry in WGS84 lon/lat."""

    code: str
    level: Level
    parent_code: str | None
    name_zh: str
    name_en: str
    geometry: dict[str, Any] | None = None
    properties: dict[str, Any] = msgspec.field(default_factory=dict)


class PlaceKind(StrEnum):
    """The kinds of places the simulator and the map use."""

    UNDERPASS = "underpass"
    RIVER_STATION = "river_station"
    RIVER = "river"
    ROAD = "road"


PLACE_GEOMETRIES: dict[PlaceKind, frozenset[str]] = {
    PlaceKind.UNDERPASS: frozenset({"Point"}),
    PlaceKind.RIVER_STATION: frozenset({"Point"}),
    PlaceKind.RIVER: frozenset({"LineString", "MultiLineString"}),
    PlaceKind.ROAD: frozenset({"LineString", "MultiLineString"}),
}
"""The geometry types each kind of place may have."""


class Place(msgspec.Struct, frozen=True):
    """A named place that is not an area: an underpass, a monitoring station, a river, a road."""

    kind: PlaceKind
    id: str
    name_zh: str
    name_en: str
    geometry: dict[str, Any]
    properties: dict[str, Any] = msgspec.field(default_factory=dict)


def check_code(code: str, level: Level) -> None:
    """Raise ValueError unless `code` has the shape of a code of `level`."""
    if not _CODE_PATTERNS[level].fullmatch(code):
        raise ValueError(f"a {level} code must be {_CODE_SHAPES[level]}, got {code!r}")


def check_parent(area: Area, parent: Area | None) -> None:
    """Raise ValueError unless `parent` (None when unknown) may be the parent of `area`."""
    expected = area.level.parent
    if expected is None:
        if area.parent_code is not None:
            raise ValueError(
                f"a district is the top level and has no parent, got {area.parent_code!r}"
            )
        return
    if area.parent_code is None:
        raise ValueError(f"a {area.level} needs a parent {expected}")
    if parent is None:
        raise ValueError(f"unknown parent {area.parent_code!r}")
    if parent.level is not expected:
        raise ValueError(
            f"a {area.level} must sit under a {expected}, "
            f"but parent {parent.code} is a {parent.level}"
        )
    if not area.code.startswith(parent.code):
        raise ValueError(f"code must start with its parent's code {parent.code}")
