"""Loading a district file: what is accepted, and the exact error for each kind of mistake.

The fixtures are tiny districts written inline: one district, street and community, each a
400 m x 200 m rectangle near 120.30 E 30.30 N, split into two grids.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cityops.core.errors import ConfigError
from cityops.district.loader import load_district, parse_district, parse_places
from cityops.district.model import Level

GRID_1, GRID_2 = "330199001001001", "330199001001002"


def rect(west: float, south: float, east: float, north: float) -> dict[str, Any]:
    """A rectangle in units of 0.001 degree (~100 m) east and north of 120.30 E, 30.30 N."""
    x0, x1 = 120.30 + west / 1000, 120.30 + east / 1000
    y0, y1 = 30.30 + south / 1000, 30.30 + north / 1000
    ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def area(code: str, level: str, parent: str | None, geometry: Any) -> dict[str, Any]:
    properties = {
        "code": code,
        "level": level,
        "parent": parent,
        "name_zh": "名",
        "name_en": "Name",
    }
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def district(**grids: dict[str, Any]) -> list[dict[str, Any]]:
    """The valid tiny district; keyword arguments replace a grid's feature."""
    return [
        area("330199", "district", None, rect(0, 0, 4, 2)),
        area("330199001", "street", "330199", rect(0, 0, 4, 2)),
        area("330199001001", "community", "330199001", rect(0, 0, 4, 2)),
        grids.get("grid_1", area(GRID_1, "grid", "330199001001", rect(0, 0, 2, 2))),
        grids.get("grid_2", area(GRID_2, "grid", "330199001001", rect(2, 0, 4, 2))),
    ]


def text(features: list[dict[str, Any]]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features})


def error(data: str) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_district(data, "test.geojson")
    return str(caught.value)


def test_a_valid_district_parses_into_areas_with_extra_properties_kept() -> None:
    features = district()
    features[0]["properties"]["area_km2"] = 0.08

    areas = parse_district(text(features), "test.geojson")

    assert [a.level for a in areas] == [
        Level.DISTRICT,
        Level.STREET,
        Level.COMMUNITY,
        *[Level.GRID] * 2,
    ]
    assert areas[0].properties == {"area_km2": 0.08}
    assert areas[3].geometry == features[3]["geometry"]


def test_features_may_come_in_any_order() -> None:
    assert len(parse_district(text(district()[::-1]), "test.geojson")) == 5


def test_malformed_json_is_rejected() -> None:
    assert error('{"type": "FeatureCollection", ').startswith("test.geojson: not valid JSON: ")


def test_a_document_other_than_a_feature_collection_is_rejected() -> None:
    assert error('{"type": "Feature"}') == (
        'test.geojson: expected a GeoJSON object with "type": "FeatureCollection"'
    )


def test_an_item_that_is_not_a_feature_is_rejected() -> None:
    features = district()
    features[2] = rect(0, 0, 4, 2)

    assert (
        error(text(features))
        == 'test.geojson: feature 2: expected an object with "type": "Feature"'
    )


def test_a_missing_name_is_named_with_the_feature_and_its_code() -> None:
    features = district()
    del features[3]["properties"]["name_en"]

    assert error(text(features)) == (
        f"test.geojson: feature 3 ({GRID_1}): "
        "property 'name_en' must be a non-empty string, got None"
    )


def test_a_name_longer_than_its_database_column_is_rejected() -> None:
    features = district()
    features[1]["properties"]["name_zh"] = "长" * 101

    assert error(text(features)) == (
        "test.geojson: feature 1 (330199001): property 'name_zh' is longer than 100 characters"
    )


def test_an_unknown_level_is_rejected() -> None:
    features = district(grid_1=area(GRID_1, "block", "330199001001", rect(0, 0, 2, 2)))

    assert error(text(features)) == (
        f"test.geojson: feature 3 ({GRID_1}): "
        "level must be one of district, street, community, grid, got 'block'"
    )


def test_a_code_of_the_wrong_length_for_its_level_is_rejected() -> None:
    features = district(grid_1=area("3301990010011", "grid", "330199001001", rect(0, 0, 2, 2)))

    assert error(text(features)) == (
        "test.geojson: feature 3 (3301990010011): "
        "a grid code must be 14 to 16 digits, got '3301990010011'"
    )


def test_a_code_must_start_with_its_parents_code() -> None:
    features = district(grid_1=area("330199002001001", "grid", "330199001001", rect(0, 0, 2, 2)))

    assert error(text(features)) == (
        "test.geojson: feature 3 (330199002001001): "
        "code must start with its parent's code 330199001001"
    )


def test_a_grid_must_sit_directly_under_a_community() -> None:
    features = district(grid_1=area("330199001001001", "grid", "330199001", rect(0, 0, 2, 2)))

    assert error(text(features)) == (
        f"test.geojson: feature 3 ({GRID_1}): "
        "a grid must sit under a community, but parent 330199001 is a street"
    )


def test_an_unknown_parent_is_rejected() -> None:
    features = district(grid_1=area("330199001009001", "grid", "330199001009", rect(0, 0, 2, 2)))

    assert error(text(features)) == (
        "test.geojson: feature 3 (330199001009001): unknown parent '330199001009'"
    )


def test_a_district_has_no_parent() -> None:
    features = district()
    features[0]["properties"]["parent"] = "330100"

    assert error(text(features)) == (
        "test.geojson: feature 0 (330199): "
        "a district is the top level and has no parent, got '330100'"
    )


def test_a_duplicate_code_names_the_first_use() -> None:
    features = [*district(), area(GRID_1, "grid", "330199001001", rect(0, 0, 2, 2))]

    assert error(text(features)) == (
        f"test.geojson: feature 5 ({GRID_1}): duplicate code, already used by feature 3"
    )


def test_a_self_intersecting_polygon_is_rejected_with_the_place() -> None:
    crossed = [
        [120.30, 30.30],
        [120.302, 30.302],
        [120.302, 30.30],
        [120.30, 30.302],
        [120.30, 30.30],
    ]
    bow_tie = {"type": "Polygon", "coordinates": [crossed]}
    features = district(grid_1=area(GRID_1, "grid", "330199001001", bow_tie))

    assert error(text(features)).startswith(
        f"test.geojson: feature 3 ({GRID_1}): invalid Polygon: Self-intersection[120.301 30.301]"
    )


def test_a_grid_needs_a_polygon() -> None:
    point = {"type": "Point", "coordinates": [120.301, 30.301]}

    for geometry, got in [(None, "None"), (point, "'Point'")]:
        features = district(grid_1=area(GRID_1, "grid", "330199001001", geometry))
        assert error(text(features)) == (
            f"test.geojson: feature 3 ({GRID_1}): "
            f"geometry must be one of MultiPolygon, Polygon, got {got}"
        )


def test_upper_levels_may_leave_out_their_polygon() -> None:
    features = district()
    features[2]["geometry"] = None

    assert parse_district(text(features), "test.geojson")[2].geometry is None


def test_malformed_coordinates_are_rejected() -> None:
    broken = {"type": "Polygon", "coordinates": [[120.30, 30.30]]}
    features = district(grid_1=area(GRID_1, "grid", "330199001001", broken))

    assert error(text(features)).startswith(
        f"test.geojson: feature 3 ({GRID_1}): malformed Polygon coordinates: "
    )


def test_projected_coordinates_are_rejected_as_not_lon_lat() -> None:
    metres = {"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [200, 200], [0, 0]]]}
    features = district(grid_1=area(GRID_1, "grid", "330199001001", metres))

    assert error(text(features)).startswith(
        f"test.geojson: feature 3 ({GRID_1}): coordinates are not WGS84 lon/lat"
    )


def test_a_grid_reaching_outside_its_community_is_rejected() -> None:
    features = district(grid_2=area(GRID_2, "grid", "330199001001", rect(2, 0, 5, 2)))

    assert error(text(features)) == (
        f"test.geojson: feature 4 ({GRID_2}): "
        "grid is not inside its community 330199001001: 21255 m² lies outside"
    )


def test_overlapping_grids_are_rejected() -> None:
    features = district(grid_2=area(GRID_2, "grid", "330199001001", rect(1, 0, 4, 2)))

    assert error(text(features)) == (
        f"test.geojson: feature 4 ({GRID_2}): grid overlaps feature 3 ({GRID_1}) by 21255 m²"
    )


def test_an_overlap_at_the_rounding_of_the_6th_decimal_is_tolerated() -> None:
    features = district(grid_2=area(GRID_2, "grid", "330199001001", rect(1.999, 0, 4, 2)))

    assert len(parse_district(text(features), "test.geojson")) == 5


def test_load_district_names_the_file_in_errors(tmp_path: Path) -> None:
    path = tmp_path / "linjiang.geojson"
    path.write_text('{"type": "FeatureCollection", "features": 3}', encoding="utf-8")

    with pytest.raises(ConfigError, match=r'linjiang\.geojson: "features" must be a list$'):
        load_district(path)


def place(kind: str, ident: str, geometry: dict[str, Any]) -> dict[str, Any]:
    properties = {"kind": kind, "id": ident, "name_zh": "名", "name_en": "Name"}
    return {"type": "Feature", "properties": properties, "geometry": geometry}


POINT = {"type": "Point", "coordinates": [120.301, 30.301]}
LINE = {"type": "LineString", "coordinates": [[120.30, 30.30], [120.31, 30.30]]}


def place_error(features: list[dict[str, Any]]) -> str:
    with pytest.raises(ConfigError) as caught:
        parse_places(text(features), "places.geojson")
    return str(caught.value)


def test_places_parse_with_their_kind_and_geometry() -> None:
    places = parse_places(
        text([place("underpass", "UP-001", POINT), place("river", "RV-01", LINE)]), "p"
    )

    assert [(p.kind, p.id, p.geometry["type"]) for p in places] == [
        ("underpass", "UP-001", "Point"),
        ("river", "RV-01", "LineString"),
    ]


def test_a_place_of_unknown_kind_is_rejected() -> None:
    assert place_error([place("bridge", "BR-01", POINT)]) == (
        "places.geojson: feature 0 (BR-01): "
        "kind must be one of underpass, river_station, river, road, got 'bridge'"
    )


def test_a_place_needs_the_geometry_of_its_kind() -> None:
    assert place_error([place("underpass", "UP-001", LINE)]) == (
        "places.geojson: feature 0 (UP-001): geometry must be one of Point, got 'LineString'"
    )


def test_place_ids_are_unique() -> None:
    features = [place("underpass", "UP-001", POINT), place("underpass", "UP-001", POINT)]

    assert place_error(features) == (
        "places.geojson: feature 1 (UP-001): duplicate id, already used by feature 0"
    )
