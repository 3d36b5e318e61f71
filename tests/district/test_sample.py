"""The shipped sample district 临江区 is complete, consistent and in sync with its generator."""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from pathlib import Path

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from cityops.district.geojson import square_metres
from cityops.district.index import GridIndex
from cityops.district.loader import sample_district_path, sample_places_path
from cityops.district.model import Area, Level, Place, PlaceKind

SCRIPT = Path(__file__).parents[2] / "scripts" / "make_sample_district.py"


def _shape(area: Area) -> BaseGeometry:
    assert area.geometry is not None
    return shape(area.geometry)


def test_sample_has_one_district_3_streets_12_communities_and_60_grids(
    sample_areas: list[Area],
) -> None:
    counts = Counter(area.level for area in sample_areas)

    assert counts == {Level.DISTRICT: 1, Level.STREET: 3, Level.COMMUNITY: 12, Level.GRID: 60}
    district = next(a for a in sample_areas if a.level is Level.DISTRICT)
    assert (district.code, district.name_zh, district.name_en) == (
        "330199",
        "临江区",
        "Linjiang District",
    )


def test_sample_grid_codes_are_15_digits_extending_their_community_code(
    sample_areas: list[Area],
) -> None:
    grids = [a for a in sample_areas if a.level is Level.GRID]

    assert all(len(g.code) == 15 and g.code[:12] == g.parent_code for g in grids)
    per_community = Counter(g.parent_code for g in grids)
    assert set(per_community.values()) == {5}


def test_every_sample_area_has_a_polygon_and_names_in_both_languages(
    sample_areas: list[Area],
) -> None:
    for area in sample_areas:
        assert area.name_zh
        assert area.name_en.isascii()
        assert _shape(area).geom_type == "Polygon"
        assert area.properties["area_km2"] > 0


def test_sample_children_tile_each_parent_without_gaps_or_overlaps(
    sample_areas: list[Area],
) -> None:
    shapes = {area.code: _shape(area) for area in sample_areas}
    for parent in sample_areas:
        children = [shapes[a.code] for a in sample_areas if a.parent_code == parent.code]
        if not children:
            continue
        union = shapely.union_all(children)

        gap_or_overhang = square_metres(union.symmetric_difference(shapes[parent.code]))
        overlap = sum(square_metres(c) for c in children) - square_metres(union)
        assert gap_or_overhang < 1.0, parent.code
        assert abs(overlap) < 1.0, parent.code


def test_sample_district_is_about_6_by_5_km_around_120_30_east_30_30_north(
    sample_areas: list[Area],
) -> None:
    district = _shape(sample_areas[0])
    west, south, east, north = district.bounds

    assert 5.5 < (east - west) * 96.1 < 6.5
    assert 4.5 < (north - south) * 110.6 < 5.5
    assert abs(district.centroid.x - 120.30) < 0.02
    assert abs(district.centroid.y - 30.30) < 0.02


def test_sample_places_have_93_underpasses_12_river_stations_a_river_and_roads(
    sample_places: list[Place],
) -> None:
    counts = Counter(place.kind for place in sample_places)

    assert counts[PlaceKind.UNDERPASS] == 93
    assert counts[PlaceKind.RIVER_STATION] == 12
    assert counts[PlaceKind.RIVER] == 1
    assert counts[PlaceKind.ROAD] >= 10
    ids = [p.id for p in sample_places if p.kind is PlaceKind.UNDERPASS]
    assert ids == [f"UP-{n:03d}" for n in range(1, 94)]


def test_every_sample_point_place_falls_in_a_grid(
    sample_areas: list[Area], sample_places: list[Place]
) -> None:
    index = GridIndex.from_areas(sample_areas)
    points = [p for p in sample_places if p.geometry["type"] == "Point"]

    outside = [p.id for p in points if index.locate(*p.geometry["coordinates"]) is None]
    assert len(points) == 105
    assert outside == []


def test_sample_river_crosses_the_district(
    sample_areas: list[Area], sample_places: list[Place]
) -> None:
    river = shape(next(p for p in sample_places if p.kind is PlaceKind.RIVER).geometry)
    district = _shape(sample_areas[0])

    assert river.crosses(district)
    assert not district.covers(river)


def test_committed_sample_files_match_the_generator() -> None:
    spec = importlib.util.spec_from_file_location("make_sample_district", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)

    area_text, places_text = script.render()

    assert area_text == sample_district_path().read_text(encoding="utf-8")
    assert places_text == sample_places_path().read_text(encoding="utf-8")
    assert json.loads(area_text)["type"] == "FeatureCollection"
