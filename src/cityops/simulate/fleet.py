"""A plausible device fleet for a district, deterministic for a seed.

The 93 underpass gauges and 12 river stations sit on fixed places and are always present; the
rest of `scale` is split among small-venue fire sensors (九小场所: a smoke detector and an
electrical-fire sensor per venue), manhole-cover sensors along roads, and cameras. Positions
are drawn in bulk with numpy and shapely so that 100k+ devices take about a second. Coordinates
are not rounded: a rounded point near a grid edge could fall outside every grid.
"""

from __future__ import annotations

from datetime import date, timedelta

import msgspec
import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import LineString

from cityops.simulate.geography import Geography, Grid, Road, load_geography
from cityops.simulate.names import VENUE_KINDS, venue_name


class DeviceSpec(msgspec.Struct, frozen=True):
    """A device as registered with the server (`POST /api/v1/devices`)."""

    id: str
    model: str
    name: str
    lon: float
    lat: float
    owner_unit: str
    tags: list[str]
    install_date: date


DRAINAGE = "区城管局排水管理处"
ECOLOGY = "区生态环境分局"
FIRE = "区消防救援大队"
MUNICIPAL = "区住建局市政所"
POLICE = "区公安分局"
DIGITAL_CITYOPS = "区城管局数字城管中心"

CAMERA_SHARE = 0.15
MANHOLE_SHARE = 0.25
"""Of the devices beyond the fixed ones; the rest (about 60%) are venue fire sensors."""

_FIRST_INSTALL = date(2019, 3, 1)
_INSTALL_SPAN_DAYS = (date(2025, 6, 30) - _FIRST_INSTALL).days

FloatArray = npt.NDArray[np.float64]


def venue_partner(device_id: str) -> str | None:
    """The other fire sensor of the same venue: SMK-000042 <-> EFS-000042."""
    prefix, _, number = device_id.partition("-")
    partner = {"SMK": "EFS", "EFS": "SMK"}.get(prefix)
    return f"{partner}-{number}" if partner else None


def build_fleet(scale: int = 1000, seed: int = 7, geo: Geography | None = None) -> list[DeviceSpec]:
    """Return `scale` devices (at least the fixed gauges and stations); same seed, same fleet."""
    geo = geo or load_geography()
    fixed = len(geo.underpasses) + len(geo.river_stations)
    if scale < fixed:
        raise ValueError(f"scale {scale} is below the {fixed} fixed gauges and stations")
    rest = scale - fixed
    cameras = round(rest * CAMERA_SHARE)
    manholes = round(rest * MANHOLE_SHARE)
    venues, odd = divmod(rest - cameras - manholes, 2)
    manholes += odd
    # One random stream per kind, so growing one kind does not reshuffle the others.
    rngs = [np.random.default_rng([seed, stream]) for stream in range(4)]
    return (
        _fixed_devices(geo, rngs[0])
        + _venue_devices(geo, venues, rngs[1])
        + _manhole_devices(geo, manholes, rngs[2])
        + _camera_devices(geo, cameras, rngs[3])
    )


def _install_dates(rng: np.random.Generator, count: int) -> list[date]:
    days = rng.integers(0, _INSTALL_SPAN_DAYS, size=count)
    return [_FIRST_INSTALL + timedelta(days=int(d)) for d in days]


def _fixed_devices(geo: Geography, rng: np.random.Generator) -> list[DeviceSpec]:
    places = [*geo.underpasses, *geo.river_stations]
    dates = _install_dates(rng, len(places))
    devices: list[DeviceSpec] = []
    for i, place in enumerate(places):
        gauge = i < len(geo.underpasses)
        devices.append(
            DeviceSpec(
                id=f"UWL-{place.id}" if gauge else f"WQS-{place.id}",
                model="underpass_water_level" if gauge else "water_quality_station",
                name=place.name_zh + ("积水监测" if gauge else "水质自动监测站"),
                lon=place.lon,
                lat=place.lat,
                owner_unit=DRAINAGE if gauge else ECOLOGY,
                tags=["underpass", "flood-risk"] if gauge else ["river", "water-quality"],
                install_date=dates[i],
            )
        )
    return devices


def _venue_devices(geo: Geography, venues: int, rng: np.random.Generator) -> list[DeviceSpec]:
    lon, lat = points_in_grids(geo.grids, venues, rng)
    kinds = rng.choice(len(VENUE_KINDS), size=venues, p=[k.weight for k in VENUE_KINDS])
    picks = rng.integers(0, 1 << 30, size=(venues, 2))
    dates = _install_dates(rng, venues)
    devices: list[DeviceSpec] = []
    for i in range(venues):
        kind = VENUE_KINDS[int(kinds[i])]
        name = venue_name(kind, int(picks[i, 0]), int(picks[i, 1]))
        number = f"{i + 1:06d}"
        for prefix, model, label in (
            ("SMK", "smoke_detector", "独立式感烟探测器"),
            ("EFS", "electrical_fire_sensor", "电气火灾监控探测器"),
        ):
            devices.append(
                DeviceSpec(
                    id=f"{prefix}-{number}",
                    model=model,
                    name=name + label,
                    lon=float(lon[i]),
                    lat=float(lat[i]),
                    owner_unit=FIRE,
                    tags=["nine-small-venue", kind.tag],
                    install_date=dates[i],
                )
            )
    return devices


def _manhole_devices(geo: Geography, count: int, rng: np.random.Generator) -> list[DeviceSpec]:
    road_names, lon, lat = points_on_roads(geo, count, rng)
    sewer = rng.random(count) < 0.4
    dates = _install_dates(rng, count)
    devices: list[DeviceSpec] = []
    for i in range(count):
        kind, label = ("sewage", "污水") if sewer[i] else ("rainwater", "雨水")
        devices.append(
            DeviceSpec(
                id=f"MHT-{i + 1:06d}",
                model="manhole_tilt_sensor",
                name=f"{road_names[i]}{label}井盖{i + 1:04d}",
                lon=float(lon[i]),
                lat=float(lat[i]),
                owner_unit=DRAINAGE if sewer[i] else MUNICIPAL,
                tags=["road", "manhole", kind],
                install_date=dates[i],
            )
        )
    return devices


def _camera_devices(geo: Geography, count: int, rng: np.random.Generator) -> list[DeviceSpec]:
    on_road = count // 2
    road_names, rlon, rlat = points_on_roads(geo, on_road, rng)
    glon, glat = points_in_grids(geo.grids, count - on_road, rng)
    lon, lat = np.concatenate([rlon, glon]), np.concatenate([rlat, glat])
    dates = _install_dates(rng, count)
    devices: list[DeviceSpec] = []
    for i in range(count):
        road = i < on_road
        devices.append(
            DeviceSpec(
                id=f"CAM-{i + 1:06d}",
                model="camera",
                name=(f"{road_names[i]}路口监控" if road else "社区出入口监控") + f"{i + 1:04d}",
                lon=float(lon[i]),
                lat=float(lat[i]),
                owner_unit=POLICE if road else DIGITAL_CITYOPS,
                tags=["video", "road" if road else "community"],
                install_date=dates[i],
            )
        )
    return devices


def points_in_grids(
    grids: tuple[Grid, ...], count: int, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """`count` uniform random points over the grids, by rejection sampling one grid at a time."""
    areas = np.array([g.polygon.area for g in grids])
    per_grid = rng.multinomial(count, areas / areas.sum())
    xs: list[FloatArray] = []
    ys: list[FloatArray] = []
    for grid, n in zip(grids, per_grid, strict=True):
        if n:
            x, y = _points_in_polygon(grid, int(n), rng)
            xs.append(x)
            ys.append(y)
    if not xs:
        return np.empty(0), np.empty(0)
    # Shuffle so that consecutive ids are not all in the same grid.
    order = rng.permutation(count)
    return np.concatenate(xs)[order], np.concatenate(ys)[order]


def _points_in_polygon(
    grid: Grid, n: int, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    poly = grid.polygon
    minx, miny, maxx, maxy = poly.bounds
    fill = max(poly.area / ((maxx - minx) * (maxy - miny)), 0.05)
    shapely.prepare(poly)
    got_x: list[FloatArray] = []
    got_y: list[FloatArray] = []
    have = 0
    while have < n:
        k = int((n - have) / fill * 1.2) + 8
        x = rng.uniform(minx, maxx, k)
        y = rng.uniform(miny, maxy, k)
        inside = shapely.contains_xy(poly, x, y)
        got_x.append(x[inside])
        got_y.append(y[inside])
        have += int(inside.sum())
    return np.concatenate(got_x)[:n], np.concatenate(got_y)[:n]


def points_on_roads(
    geo: Geography, count: int, rng: np.random.Generator
) -> tuple[list[str], FloatArray, FloatArray]:
    """`count` points spread along the roads (clipped to the district), by length."""
    pieces = _road_pieces(geo)
    if not pieces:  # a district without roads: fall back to the grids
        x, y = points_in_grids(geo.grids, count, rng)
        return ["社区道路"] * count, x, y
    lengths = np.array([line.length for _, line in pieces])
    which = rng.choice(len(pieces), size=count, p=lengths / lengths.sum())
    lines = np.array([line for _, line in pieces], dtype=object)[which]
    # Keep off the ends, which may lie on the district boundary after clipping.
    along = rng.uniform(0.01, 0.99, count)
    points = shapely.line_interpolate_point(lines, along, normalized=True)
    names = [pieces[int(w)][0] for w in which]
    return names, shapely.get_x(points), shapely.get_y(points)


def _road_pieces(geo: Geography) -> list[tuple[str, LineString]]:
    boundary = geo.boundary
    pieces: list[tuple[str, LineString]] = []
    for road in geo.roads:
        clipped = _clip(road, boundary)
        pieces.extend((road.name_zh, line) for line in clipped if line.length > 0)
    return pieces


def _clip(road: Road, boundary: shapely.Geometry) -> list[LineString]:
    inside = road.line.intersection(boundary)
    return [g for g in shapely.get_parts(inside) if isinstance(g, LineString)]
