"""Generate the fictional sample district 临江区 (Linjiang District, 330199) and its places.

    .venv/bin/python scripts/make_sample_district.py

writes src/cityops/data/district/sample.geojson and sample_places.geojson. The seed is fixed
and nothing is downloaded, so the same script always writes the same bytes.

How the areas are made, and why:
* The atoms are the quads of a 100 m lattice whose vertices are jittered but shared. Every
  area is a union of whole quads, so children tile their parent exactly: no gaps, no slivers.
* The quads inside an irregular outline are grouped top down by k-means on their centres
  (3 streets, 4 communities per street, 5 grids per community), which gives compact,
  irregular areas of similar size.
* Coverage simplification smooths the lattice staircase and keeps shared edges identical.
The river and main roads are smooth curves; underpasses sit on road crossings inside the
district. Both files are read back through the platform's own loader before they are written.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Iterable
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon, mapping
from shapely.geometry.base import BaseGeometry

from cityops.district.geojson import square_metres
from cityops.district.index import GridIndex
from cityops.district.loader import parse_district, parse_places

SEED = 330199
OUT = Path(__file__).resolve().parent.parent / "src" / "cityops" / "data" / "district"
WIDTH, HEIGHT, CELL, JITTER = 6000.0, 5000.0, 100.0, 0.3  # metres; jitter in cells
WEST, SOUTH = 120.269, 30.278  # south-west corner of the lattice: the centre is ~120.30, 30.30
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(30.30))
SIMPLIFY = 0.0008  # degrees, ~80 m: removes lattice steps, keeps the shapes
UNDERPASSES, RIVER_STATIONS = 93, 12

# fmt: off
DISTRICT = ("330199", "临江区", "Linjiang District")
STREETS = [("滨江街道", "Binjiang Subdistrict"), ("望湖街道", "Wanghu Subdistrict"),
           ("新城街道", "Xincheng Subdistrict")]
COMMUNITIES = [  # per street; "X Community" in English
    [("江畔社区", "Jiangpan"), ("柳岸社区", "Liu'an"), ("观潮社区", "Guanchao"),
     ("渔港社区", "Yugang")],
    [("湖光社区", "Huguang"), ("翠苑社区", "Cuiyuan"), ("荷花社区", "Hehua"),
     ("枫林社区", "Fenglin")],
    [("科创社区", "Kechuang"), ("星河社区", "Xinghe"), ("锦绣社区", "Jinxiu"),
     ("未来社区", "Weilai")],
]
GRIDS_PER_COMMUNITY = 5
NUMERALS = "一二三四五六七八九十"
NS_ROADS = [  # west to east
    ("望湖路", "Wanghu Rd"), ("文澜路", "Wenlan Rd"), ("青枫路", "Qingfeng Rd"),
    ("秋涛路", "Qiutao Rd"), ("云栖路", "Yunqi Rd"), ("新城路", "Xincheng Rd"),
    ("桂语路", "Guiyu Rd"), ("春晓路", "Chunxiao Rd"), ("明德路", "Mingde Rd"),
    ("星澜路", "Xinglan Rd"), ("泊岸路", "Bo'an Rd"), ("东湖路", "Donghu Rd"),
    ("晴川路", "Qingchuan Rd"),
]
RIVER_Y = 2050.0  # metres north of the lattice's south edge, before the bends
EW_ROADS = [  # north to south: name, English name, baseline y in metres
    ("振兴大道", "Zhenxing Ave", 4800), ("学院大道", "Xueyuan Ave", 4380),
    ("科技大道", "Keji Ave", 3960), ("文化大道", "Wenhua Ave", 3540),
    ("和平大道", "Heping Ave", 3120), ("兴业大道", "Xingye Ave", 2760),
    ("滨江大道", "Binjiang Ave", RIVER_Y + 160), ("江南大道", "Jiangnan Ave", RIVER_Y - 160),
    ("长河大道", "Changhe Ave", 1150), ("丰收大道", "Fengshou Ave", 700),
    ("东信大道", "Dongxin Ave", 260),
]
ALONG_RIVER = {"滨江大道", "江南大道"}  # these follow the river's bends, 160 m off its centre
# fmt: on

Cell = tuple[int, int]
NX, NY = int(WIDTH / CELL), int(HEIGHT / CELL)


def lonlat(x: float, y: float) -> tuple[float, float]:
    return round(WEST + x / M_PER_DEG_LON, 6), round(SOUTH + y / M_PER_DEG_LAT, 6)


def neighbours(cell: Cell) -> list[Cell]:
    i, j = cell
    return [(i + 1, j), (i - 1, j), (i, j + 1), (i, j - 1)]


def components(cells: set[Cell]) -> list[set[Cell]]:
    """4-connected components, largest first (ties broken by the smallest cell)."""
    left, found = set(cells), []
    while left:
        stack, part = [min(left)], set()
        while stack:
            cell = stack.pop()
            if cell in left:
                left.discard(cell)
                part.add(cell)
                stack.extend(neighbours(cell))
        found.append(part)
    return sorted(found, key=lambda part: (-len(part), min(part)))


def outline(rng: random.Random) -> set[Cell]:
    """Cells inside a wobbly rounded rectangle: one piece, no holes."""
    phase3, phase5 = rng.uniform(0, math.tau), rng.uniform(0, math.tau)
    cells = set()
    for i, j in product(range(NX), range(NY)):
        u, v = (i + 0.5) / NX * 2 - 1, (j + 0.5) / NY * 2 - 1
        theta = math.atan2(v, u)
        wobble = 1 + 0.07 * math.sin(3 * theta + phase3) + 0.04 * math.sin(5 * theta + phase5)
        if (abs(u) ** 3 + abs(v) ** 3) ** (1 / 3) < 0.96 * wobble:
            cells.add((i, j))
    frame = set(product(range(-1, NX + 1), range(-1, NY + 1)))
    outside = next(part for part in components(frame - cells) if (-1, -1) in part)
    return components(frame - outside)[0]


def split(cells: set[Cell], k: int, rng: random.Random) -> list[set[Cell]]:
    """k compact, contiguous groups of cells: Lloyd's k-means, then orphans to a neighbour."""
    points = sorted(cells)
    centres = [tuple(map(float, rng.choice(points)))]
    while len(centres) < k:  # farthest-point start spreads the seeds
        far = max(points, key=lambda p: min(math.dist(p, c) for c in centres))
        centres.append(tuple(map(float, far)))
    for _ in range(40):
        groups: list[set[Cell]] = [set() for _ in range(k)]
        for p in points:
            groups[min(range(k), key=lambda g: math.dist(p, centres[g]))].add(p)
        centres = [tuple(np.mean(sorted(g), axis=0).tolist()) for g in groups]
    moved = True
    while moved:
        moved = False
        for group in groups:
            for orphan in components(group)[1:]:
                group.difference_update(orphan)
                owner = max(
                    (g for g in groups if g is not group),
                    key=lambda g: sum(n in g for c in orphan for n in neighbours(c)),
                )
                owner.update(orphan)
                moved = True
    assert all(groups), "k-means left a group empty; try another SEED"
    return groups


def clockwise_from_north(groups: list[set[Cell]]) -> list[set[Cell]]:
    cx, cy = np.mean([c for g in groups for c in g], axis=0)

    def angle(g: set[Cell]) -> float:
        gx, gy = np.mean(sorted(g), axis=0)
        return math.atan2(gx - cx, gy - cy) % math.tau

    return sorted(groups, key=angle)


def build_areas(rng: random.Random) -> list[tuple[dict[str, Any], Polygon]]:
    """The district, streets, communities and grids, parents first, with their polygons."""
    vertex = {
        (i, j): lonlat(
            (i + rng.uniform(-JITTER, JITTER)) * CELL, (j + rng.uniform(-JITTER, JITTER)) * CELL
        )
        for i, j in product(range(NX + 1), range(NY + 1))
    }

    def quad(cell: Cell) -> Polygon:
        i, j = cell
        return Polygon([vertex[i, j], vertex[i + 1, j], vertex[i + 1, j + 1], vertex[i, j + 1]])

    rows: list[dict[str, Any]] = [area_props(DISTRICT[0], None, *DISTRICT[1:])]
    grid_cells: list[set[Cell]] = []
    street_cells = sorted(split(outline(rng), len(STREETS), rng), key=min)  # west first
    for s, (cells, (street_zh, street_en)) in enumerate(zip(street_cells, STREETS, strict=True), 1):
        street = f"{DISTRICT[0]}{s:03d}"
        rows.append(area_props(street, DISTRICT[0], street_zh, street_en))
        communities = clockwise_from_north(split(cells, len(COMMUNITIES[s - 1]), rng))
        for c, (members, (zh, en)) in enumerate(
            zip(communities, COMMUNITIES[s - 1], strict=True), 1
        ):
            community = f"{street}{c:03d}"
            rows.append(area_props(community, street, zh, f"{en} Community"))
            grids = clockwise_from_north(split(members, GRIDS_PER_COMMUNITY, rng))
            for g, grid in enumerate(grids, 1):
                name_zh, name_en = f"{zh}第{NUMERALS[g - 1]}网格", f"{en} Community Grid {g}"
                rows.append(area_props(f"{community}{g:03d}", community, name_zh, name_en))
                grid_cells.append(grid)

    raw = [shapely.union_all([quad(cell) for cell in cells]) for cells in grid_cells]
    grid_shapes = shapely.coverage_simplify(np.array(raw), SIMPLIFY)
    grid_codes = [row["code"] for row in rows if row["level"] == "grid"]
    areas = []
    for row in rows:
        parts = [
            s
            for code, s in zip(grid_codes, grid_shapes, strict=True)
            if code.startswith(row["code"])
        ]
        shape = shapely.orient_polygons(shapely.coverage_union_all(parts))
        assert isinstance(shape, Polygon), f"{row['code']} is not one piece"
        assert not shape.interiors, f"{row['code']} has a hole"
        row["area_km2"] = round(square_metres(shape) / 1e6, 3)
        areas.append((row, shape))
    return areas


def area_props(code: str, parent: str | None, zh: str, en: str) -> dict[str, Any]:
    level = {6: "district", 9: "street", 12: "community"}.get(len(code), "grid")
    return {"code": code, "level": level, "parent": parent, "name_zh": zh, "name_en": en}


def line(fn: Callable[[float], tuple[float, float]], start: float, stop: float) -> LineString:
    """A curve sampled every ~200 m along its parameter (x or y in metres)."""
    steps = round((stop - start) / 200)
    return LineString([lonlat(*fn(start + (stop - start) * k / steps)) for k in range(steps + 1)])


def north_south(x_of_y: Callable[[float], float]) -> LineString:
    return line(lambda y: (x_of_y(y), y), -200, HEIGHT + 200)


def east_west(y_of_x: Callable[[float], float]) -> LineString:
    return line(lambda x: (x, y_of_x(x)), -200, WIDTH + 200)


def build_places(rng: random.Random, district: Polygon) -> list[dict[str, Any]]:
    """Underpasses, river stations, the river and the main roads, as GeoJSON features."""
    phase_long, phase_short = rng.uniform(0, math.tau), rng.uniform(0, math.tau)

    def river_y(x: float) -> float:
        long_bend = 180 * math.sin(math.tau * x / 4200 + phase_long)
        return RIVER_Y + long_bend + 50 * math.sin(math.tau * x / 1500 + phase_short)

    def wavy(base: float) -> Callable[[float], float]:
        amp, length, phase = rng.uniform(15, 45), rng.uniform(3000, 6000), rng.uniform(0, math.tau)
        return lambda t: base + amp * math.sin(math.tau * t / length + phase)

    def avenue(name: str, base: float) -> Callable[[float], float]:
        return (lambda x: river_y(x) + base - RIVER_Y) if name in ALONG_RIVER else wavy(base)

    river = line(lambda x: (x, river_y(x)), -400, 6400)
    ns_shapes = [wavy(250 + i * 5500 / (len(NS_ROADS) - 1)) for i in range(len(NS_ROADS))]
    ew_shapes = [avenue(zh, base) for zh, _, base in EW_ROADS]
    ns = [north_south(f) for f in ns_shapes]
    ew = [east_west(f) for f in ew_shapes]
    for roads in (ns, ew):
        assert not any(a.intersects(b) for a in roads for b in roads if a is not b)
    assert not any(road.intersects(river) for road in ew)

    places = [
        place(
            "underpass",
            f"UP-{k:03d}",
            f"{NS_ROADS[n][0]}-{EW_ROADS[e][0]}下穿通道",
            f"{NS_ROADS[n][1]} – {EW_ROADS[e][1]} Underpass",
            spot,
        )
        for k, (e, n, spot) in enumerate(underpasses(rng, district, ns, ew), 1)
    ]
    reach = river.intersection(district)
    assert isinstance(reach, LineString), "the river must cross the district once"
    for k in range(1, RIVER_STATIONS + 1):
        spot = snapped(reach.interpolate((k - 0.5) / RIVER_STATIONS, normalized=True))
        name_en = f"Linjiang River Water Quality Station {k:02d}"
        places.append(
            place("river_station", f"WQ-{k:02d}", f"临江{k:02d}号水质监测站", name_en, spot)
        )
    places.append(place("river", "RV-01", "临江", "Linjiang River", river))
    names = [(zh, en) for zh, en in NS_ROADS] + [(zh, en) for zh, en, _ in EW_ROADS]
    for k, ((zh, en), road) in enumerate(zip(names, ns + ew, strict=True), 1):
        places.append(place("road", f"RD-{k:02d}", zh, en, road))
    return places


def underpasses(
    rng: random.Random, district: Polygon, ns: list[LineString], ew: list[LineString]
) -> list[tuple[int, int, Point]]:
    """UNDERPASSES road crossings at least ~80 m inside the district, north to south."""
    inner = district.buffer(-0.0008)
    crossings = []
    for (e, avenue), (n, road) in product(enumerate(ew), enumerate(ns)):
        hit = avenue.intersection(road)
        assert isinstance(hit, Point), "every avenue crosses every road once"
        if inner.contains(spot := snapped(hit)):
            crossings.append((e, n, spot))
    assert len(crossings) >= UNDERPASSES, f"only {len(crossings)} crossings inside"
    return sorted(rng.sample(crossings, UNDERPASSES), key=lambda c: c[:2])


def snapped(point: Point) -> Point:
    return Point(round(point.x, 6), round(point.y, 6))


def place(kind: str, ident: str, zh: str, en: str, geom: BaseGeometry) -> dict[str, Any]:
    props = {"kind": kind, "id": ident, "name_zh": zh, "name_en": en}
    return feature(props, geom)


def feature(props: dict[str, Any], geom: BaseGeometry) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": round_coordinates(mapping(geom))}


def round_coordinates(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, (list, tuple)):
        return [round_coordinates(v) for v in value]
    if isinstance(value, dict):
        return {k: round_coordinates(v) for k, v in value.items()}
    return value


def collection(features: Iterable[dict[str, Any]]) -> str:
    """One feature per line: small, and diffs of the committed file stay readable."""
    lines = ",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features)
    return '{"type":"FeatureCollection","features":[\n' + lines + "\n]}\n"


def render() -> tuple[str, str]:
    """The text of sample.geojson and sample_places.geojson, checked by the platform's loader."""
    rng = random.Random(SEED)
    areas = build_areas(rng)
    area_text = collection(feature(props, shape) for props, shape in areas)
    places_text = collection(build_places(rng, areas[0][1]))
    index = GridIndex.from_areas(parse_district(area_text, "sample.geojson"))
    for p in parse_places(places_text, "sample_places.geojson"):
        if p.geometry["type"] == "Point":
            assert index.locate(*p.geometry["coordinates"]), f"{p.id} is outside every grid"
    return area_text, places_text


def main() -> None:
    area_text, places_text = render()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "sample.geojson").write_text(area_text, encoding="utf-8")
    (OUT / "sample_places.geojson").write_text(places_text, encoding="utf-8")
    print(f"wrote {OUT / 'sample.geojson'} and {OUT / 'sample_places.geojson'}")


if __name__ == "__main__":
    main()
