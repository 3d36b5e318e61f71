"""The slice of district geography the simulator places devices on: grids, places, roads.

Read through `cityops.district.loader`, so the simulator sees exactly the checked district the
server uses, then turned into shapely geometries once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import shapely
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Point, Polygon, shape

from cityops.core.errors import ConfigError
from cityops.district.loader import (
    load_district,
    load_places,
    sample_district_path,
    sample_places_path,
)
from cityops.district.model import Level, PlaceKind


@dataclass(frozen=True)
class Grid:
    code: str
    polygon: Polygon | MultiPolygon


@dataclass(frozen=True)
class Place:
    id: str
    name_zh: str
    lon: float
    lat: float


@dataclass(frozen=True)
class Road:
    name_zh: str
    line: LineString


@dataclass(frozen=True)
class Geography:
    """Grids to scatter venues in, fixed places for gauges and stations, roads for manholes."""

    grids: tuple[Grid, ...]
    underpasses: tuple[Place, ...]
    river_stations: tuple[Place, ...]
    roads: tuple[Road, ...]

    @cached_property
    def boundary(self) -> Polygon | MultiPolygon:
        merged = shapely.union_all([g.polygon for g in self.grids])
        assert isinstance(merged, Polygon | MultiPolygon)
        return merged


def load_geography(district_path: Path | None = None, places_path: Path | None = None) -> Geography:
    """Grids from the district file; underpasses, river stations and roads from the places file."""
    district_path = district_path or sample_district_path()
    places_path = places_path or sample_places_path()
    grids: list[Grid] = []
    for area in load_district(district_path):
        if area.level is Level.GRID and area.geometry is not None:
            polygon = shape(area.geometry)
            assert isinstance(polygon, Polygon | MultiPolygon)  # the loader checked it
            grids.append(Grid(area.code, polygon))
    if not grids:
        raise ConfigError(f"{district_path}: no grid areas to place devices in")
    underpasses: list[Place] = []
    stations: list[Place] = []
    roads: list[Road] = []
    for place in load_places(places_path):
        geometry = shape(place.geometry)
        if isinstance(geometry, Point):
            point = Place(place.id, place.name_zh, geometry.x, geometry.y)
            if place.kind is PlaceKind.UNDERPASS:
                underpasses.append(point)
            elif place.kind is PlaceKind.RIVER_STATION:
                stations.append(point)
        elif place.kind is PlaceKind.ROAD:
            lines = geometry.geoms if isinstance(geometry, MultiLineString) else [geometry]
            roads.extend(
                Road(place.name_zh, line) for line in lines if isinstance(line, LineString)
            )
    underpasses.sort(key=lambda p: p.id)
    stations.sort(key=lambda p: p.id)
    return Geography(tuple(grids), tuple(underpasses), tuple(stations), tuple(roads))
