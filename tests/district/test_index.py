"""Locating points in grids, one at a time and in bulk."""

from __future__ import annotations

import numpy as np
from shapely.geometry import shape

from cityops.district.index import GridIndex
from cityops.district.model import Area, Level


def square_grid(code: str, west: float) -> Area:
    ring = [[west, 30.0], [west + 1, 30.0], [west + 1, 31.0], [west, 31.0], [west, 30.0]]
    geometry = {"type": "Polygon", "coordinates": [ring]}
    return Area(code, Level.GRID, code[:12], "网格", "Grid", geometry)


def test_index_holds_only_the_grids(sample_areas: list[Area]) -> None:
    assert len(GridIndex.from_areas(sample_areas)) == 60


def test_locate_finds_the_grid_containing_a_point(sample_areas: list[Area]) -> None:
    index = GridIndex.from_areas(sample_areas)

    for grid in (a for a in sample_areas if a.level is Level.GRID):
        assert grid.geometry is not None
        inside = shape(grid.geometry).representative_point()
        assert index.locate(inside.x, inside.y) == grid.code


def test_locate_returns_none_outside_the_district(sample_areas: list[Area]) -> None:
    index = GridIndex.from_areas(sample_areas)

    assert index.locate(0.0, 0.0) is None
    assert index.locate(120.30, 30.40) is None  # 10 km north
    assert index.locate_many([120.30, 0.0], [30.40, 0.0]) == [None, None]


def test_a_point_on_a_shared_edge_goes_to_the_grid_with_the_smaller_code() -> None:
    index = GridIndex.from_areas(
        [square_grid("330199001001002", 121.0), square_grid("330199001001001", 120.0)]
    )

    assert index.locate(121.0, 30.5) == "330199001001001"
    assert index.locate_many([121.0, 120.5, 121.5], [30.5, 30.5, 30.5]) == [
        "330199001001001",
        "330199001001001",
        "330199001001002",
    ]


def test_locate_many_agrees_with_locate_inside_outside_and_on_vertices(
    sample_areas: list[Area],
) -> None:
    index = GridIndex.from_areas(sample_areas)
    rng = np.random.default_rng(7)
    lons = rng.uniform(120.26, 120.34, 3000).tolist()
    lats = rng.uniform(30.27, 30.33, 3000).tolist()
    # Shared vertices lie on three or more grids at once: the hardest case for agreement.
    for grid in (a for a in sample_areas if a.level is Level.GRID):
        assert grid.geometry is not None
        for lon, lat in grid.geometry["coordinates"][0]:
            lons.append(lon)
            lats.append(lat)

    found = index.locate_many(lons, lats)

    assert found == [index.locate(lon, lat) for lon, lat in zip(lons, lats, strict=True)]
    assert None in found
    assert len({code for code in found if code}) == 60


def test_locate_many_of_nothing_is_nothing(sample_areas: list[Area]) -> None:
    assert GridIndex.from_areas(sample_areas).locate_many([], []) == []
