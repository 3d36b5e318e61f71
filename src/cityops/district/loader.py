"""Load a district's areas and places from GeoJSON, checked completely before anything uses them.

A district file is configuration: one bad polygon would misplace every device and event in
it, so loading either returns areas that satisfy all of the following or raises ConfigError
naming the file, the feature index, the code and the problem:

1. each feature: string properties `code`, `level`, `parent`, `name_zh`, `name_en`; a code of
   the level's shape; a valid, non-self-intersecting Polygon/MultiPolygon (optional above grid);
2. across features: unique codes; a known parent one level up whose code prefixes the child's;
3. in space: each area inside its parent, and no two areas of one level overlapping, both up to
   `AREA_TOLERANCE_M2` so that coordinates rounded to 6 decimals (~0.1 m) still pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from shapely import STRtree
from shapely.geometry.base import BaseGeometry

from cityops.core.errors import ConfigError
from cityops.district.geojson import (
    fail,
    feature_at,
    optional_text,
    read_features,
    read_geometry,
    required_text,
    square_metres,
)
from cityops.district.model import (
    PLACE_GEOMETRIES,
    Area,
    Level,
    Place,
    PlaceKind,
    check_code,
    check_parent,
)

AREA_TOLERANCE_M2 = 50.0
"""Overlap or overhang ignored: a 0.1 m misalignment (the 6th decimal) along a 500 m edge."""

NAME_ZH_MAX, NAME_EN_MAX = 100, 200
"""The sizes of the `areas` name columns: too long a name fails here, not in the database."""

E = TypeVar("E", bound=StrEnum)

_POLYGONAL = frozenset({"Polygon", "MultiPolygon"})
_AREA_KEYS = frozenset({"code", "level", "parent", "name_zh", "name_en"})
_PLACE_KEYS = frozenset({"kind", "id", "name_zh", "name_en"})


@dataclass(frozen=True, slots=True)
class _Item:
    index: int
    where: str
    area: Area
    shape: BaseGeometry | None


def sample_district_path() -> Path:
    """The fictional 临江区 shipped with CityOps (see scripts/make_sample_district.py)."""
    return _data_path("sample.geojson")


def sample_places_path() -> Path:
    """Underpasses, river stations, the river and main roads of the sample district."""
    return _data_path("sample_places.geojson")


def _data_path(name: str) -> Path:
    return Path(str(resources.files("cityops") / "data" / "district" / name))


def load_district(path: Path) -> list[Area]:
    return parse_district(path.read_bytes(), str(path))


def parse_district(data: bytes | str, origin: str) -> list[Area]:
    """Parse and check a district FeatureCollection; `origin` names the source in errors."""
    items = [_read_area(f, origin, i) for i, f in enumerate(read_features(data, origin))]
    by_code = _index_codes(items)
    for item in items:
        parent = by_code.get(item.area.parent_code or "")
        try:
            check_parent(item.area, parent.area if parent else None)
        except ValueError as exc:
            raise ConfigError(f"{item.where}: {exc}") from exc
        if parent is not None:
            _check_inside(item, parent)
    for level in Level:
        _check_no_overlaps([i for i in items if i.area.level is level and i.shape is not None])
    return [item.area for item in items]


def _read_area(feature: dict[str, Any], origin: str, index: int) -> _Item:
    props: dict[str, Any] = feature["properties"]
    where = feature_at(origin, index, props.get("code"))
    code = required_text(props, "code", where)
    level_text = required_text(props, "level", where)
    level = _member(Level, level_text, "level", where)
    try:
        check_code(code, level)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from exc
    geometry: dict[str, Any] | None = None
    shape: BaseGeometry | None = None
    # Grids must have a shape, since devices are located by it; upper levels may leave it out.
    if level is Level.GRID or feature.get("geometry") is not None:
        geometry, shape = read_geometry(feature, where, _POLYGONAL)
    area = Area(
        code=code,
        level=level,
        parent_code=optional_text(props, "parent", where),
        name_zh=required_text(props, "name_zh", where, NAME_ZH_MAX),
        name_en=required_text(props, "name_en", where, NAME_EN_MAX),
        geometry=geometry,
        properties={k: v for k, v in props.items() if k not in _AREA_KEYS},
    )
    return _Item(index, where, area, shape)


def _member(enum: type[E], text: str, key: str, where: str) -> E:
    try:
        return enum(text)
    except ValueError:
        fail(where, f"{key} must be one of {', '.join(enum)}, got {text!r}")


def _index_codes(items: list[_Item]) -> dict[str, _Item]:
    by_code: dict[str, _Item] = {}
    for item in items:
        first = by_code.setdefault(item.area.code, item)
        if first is not item:
            fail(item.where, f"duplicate code, already used by feature {first.index}")
    return by_code


def _check_inside(item: _Item, parent: _Item) -> None:
    if item.shape is None or parent.shape is None:
        return
    outside = square_metres(item.shape.difference(parent.shape))
    if outside > AREA_TOLERANCE_M2:
        fail(
            item.where,
            f"{item.area.level} is not inside its {parent.area.level} {parent.area.code}: "
            f"{outside:.0f} m² lies outside",
        )


def _check_no_overlaps(items: list[_Item]) -> None:
    """Fail on the first pair of same-level areas sharing more than the tolerance."""
    if len(items) < 2:
        return
    shapes = [item.shape for item in items if item.shape is not None]
    tree = STRtree(shapes)
    left, right = tree.query(tree.geometries, predicate="intersects")
    for a, b in sorted(zip(left.tolist(), right.tolist(), strict=True)):
        if a >= b:
            continue
        first, second = items[a], items[b]
        shared = square_metres(shapes[a].intersection(shapes[b]))
        if shared > AREA_TOLERANCE_M2:
            fail(
                second.where,
                f"{second.area.level} overlaps feature {first.index} ({first.area.code}) "
                f"by {shared:.0f} m²",
            )


def load_places(path: Path) -> list[Place]:
    return parse_places(path.read_bytes(), str(path))


def parse_places(data: bytes | str, origin: str) -> list[Place]:
    """Parse a places FeatureCollection: unique ids, a known kind, the kind's geometry type."""
    places: list[Place] = []
    seen: dict[str, int] = {}
    for index, feature in enumerate(read_features(data, origin)):
        props: dict[str, Any] = feature["properties"]
        where = feature_at(origin, index, props.get("id"))
        kind = _member(PlaceKind, required_text(props, "kind", where), "kind", where)
        place_id = required_text(props, "id", where)
        if place_id in seen:
            fail(where, f"duplicate id, already used by feature {seen[place_id]}")
        seen[place_id] = index
        geometry, _ = read_geometry(feature, where, PLACE_GEOMETRIES[kind])
        places.append(
            Place(
                kind=kind,
                id=place_id,
                name_zh=required_text(props, "name_zh", where),
                name_en=required_text(props, "name_en", where),
                geometry=geometry,
                properties={k: v for k, v in props.items() if k not in _PLACE_KEYS},
            )
        )
    return places
