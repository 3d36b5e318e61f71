"""Storing and serving a district's areas.

An import is one transaction that works level by level from the district down, so every
parent row exists before its children reference it. Each level is an executemany INSERT of
the new codes and an executemany UPDATE of the known ones: plain Core that behaves the same
on SQLite and PostgreSQL, and makes re-importing a file idempotent. Areas missing from the
file are kept, because devices and cases may still refer to them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import msgspec
import sqlalchemy as sa

from cityops.core.errors import ConfigError
from cityops.district.loader import load_district
from cityops.district.model import Area, Level
from cityops.store.schema import areas as areas_table

_UPDATE = sa.update(areas_table).where(areas_table.c.code == sa.bindparam("match_code"))


class ImportSummary(msgspec.Struct, frozen=True):
    """What an import did: areas per level in the input, and how many were new or rewritten."""

    by_level: dict[Level, int]
    created: int
    updated: int


def import_district(engine: sa.Engine, areas: Sequence[Area]) -> ImportSummary:
    """Upsert `areas` (already checked, e.g. by `load_district`) in one transaction."""
    duplicates = sorted(code for code, n in Counter(a.code for a in areas).items() if n > 1)
    if duplicates:
        raise ConfigError(f"areas to import: duplicate codes {', '.join(duplicates)}")
    created = updated = 0
    with engine.begin() as conn:
        existing = set(conn.scalars(sa.select(areas_table.c.code)))
        for level in Level:
            batch = [a for a in areas if a.level is level]
            new = [{"code": a.code, **_columns(a)} for a in batch if a.code not in existing]
            known = [{"match_code": a.code, **_columns(a)} for a in batch if a.code in existing]
            if new:
                conn.execute(sa.insert(areas_table), new)
            if known:
                conn.execute(_UPDATE, known)
            created, updated = created + len(new), updated + len(known)
    counts = Counter(a.level for a in areas)
    return ImportSummary({level: counts[level] for level in Level}, created, updated)


def import_district_file(engine: sa.Engine, path: Path) -> ImportSummary:
    return import_district(engine, load_district(path))


def _columns(area: Area) -> dict[str, Any]:
    return {
        "level": area.level.value,
        "parent_code": area.parent_code,
        "name_zh": area.name_zh,
        "name_en": area.name_en,
        "geometry": area.geometry,
        "properties": area.properties,
    }


def load_areas(engine: sa.Engine) -> list[Area]:
    """All stored areas, ordered by code, which puts every parent before its children."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(areas_table).order_by(areas_table.c.code)).mappings()
        return [
            Area(
                code=row["code"],
                level=Level(row["level"]),
                parent_code=row["parent_code"],
                name_zh=row["name_zh"],
                name_en=row["name_en"],
                geometry=row["geometry"],
                properties=row["properties"] or {},
            )
            for row in rows
        ]


def areas_geojson(areas: Iterable[Area], level: Level | None = None) -> dict[str, Any]:
    """A FeatureCollection of `areas` (only those of `level`, if given) for maps and the API.

    Properties are code, level, parent, name_zh, name_en, then the area's own properties, so
    the output reads back through `parse_district` into the same areas.
    """
    features = []
    for area in areas:
        if level is not None and area.level is not level:
            continue
        properties: dict[str, Any] = {
            "code": area.code,
            "level": area.level.value,
            "parent": area.parent_code,
            "name_zh": area.name_zh,
            "name_en": area.name_en,
        }
        for key, value in area.properties.items():
            properties.setdefault(key, value)
        features.append({"type": "Feature", "properties": properties, "geometry": area.geometry})
    return {"type": "FeatureCollection", "features": features}
