"""Storing the district: complete, idempotent, parents first, and served back as GeoJSON."""

from __future__ import annotations

import json

import msgspec
import pytest
import sqlalchemy as sa

from cityops.core.errors import ConfigError
from cityops.district.loader import parse_district, sample_district_path
from cityops.district.model import Area, Level
from cityops.district.service import (
    areas_geojson,
    import_district,
    import_district_file,
    load_areas,
)
from cityops.store.schema import areas as areas_table

ALL_LEVELS = {Level.DISTRICT: 1, Level.STREET: 3, Level.COMMUNITY: 12, Level.GRID: 60}


def test_import_stores_every_area_of_the_sample(
    engine: sa.Engine, sample_areas: list[Area]
) -> None:
    summary = import_district(engine, sample_areas)

    assert summary.by_level == ALL_LEVELS
    assert (summary.created, summary.updated) == (76, 0)
    assert load_areas(engine) == sorted(sample_areas, key=lambda a: a.code)


def test_import_inserts_parents_before_children_whatever_the_input_order(
    engine: sa.Engine, sample_areas: list[Area]
) -> None:
    import_district(engine, sample_areas[::-1])

    assert len(load_areas(engine)) == 76


def test_reimporting_the_same_file_is_idempotent(engine: sa.Engine) -> None:
    first = import_district_file(engine, sample_district_path())
    stored = load_areas(engine)

    again = import_district_file(engine, sample_district_path())

    assert (first.created, first.updated) == (76, 0)
    assert (again.created, again.updated) == (0, 76)
    assert load_areas(engine) == stored


def test_reimport_updates_names_and_geometry(engine: sa.Engine, sample_areas: list[Area]) -> None:
    import_district(engine, sample_areas)
    grid = next(a for a in sample_areas if a.level is Level.GRID)
    square = [[120.30, 30.30], [120.301, 30.30], [120.301, 30.301], [120.30, 30.30]]
    changed = msgspec.structs.replace(
        grid, name_zh="新名称", geometry={"type": "Polygon", "coordinates": [square]}
    )

    import_district(engine, [changed])

    stored = {a.code: a for a in load_areas(engine)}
    assert stored[grid.code] == changed
    assert len(stored) == 76


def test_areas_missing_from_a_later_import_are_kept(
    engine: sa.Engine, sample_areas: list[Area]
) -> None:
    import_district(engine, sample_areas)

    import_district(engine, sample_areas[:1])

    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(areas_table)) == 76


def test_import_rejects_duplicate_codes_before_writing(
    engine: sa.Engine, sample_areas: list[Area]
) -> None:
    with pytest.raises(ConfigError, match=r"duplicate codes 330199$"):
        import_district(engine, [*sample_areas, sample_areas[0]])

    assert load_areas(engine) == []


def test_areas_geojson_filters_by_level(sample_areas: list[Area]) -> None:
    grids = areas_geojson(sample_areas, Level.GRID)

    assert grids["type"] == "FeatureCollection"
    assert len(grids["features"]) == 60
    first = grids["features"][0]
    assert first["geometry"]["type"] == "Polygon"
    assert list(first["properties"])[:5] == ["code", "level", "parent", "name_zh", "name_en"]
    assert first["properties"]["level"] == "grid"


def test_areas_geojson_reads_back_into_the_same_areas(sample_areas: list[Area]) -> None:
    text = json.dumps(areas_geojson(sample_areas))

    assert parse_district(text, "api") == sample_areas
