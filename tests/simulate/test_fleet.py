from __future__ import annotations

import re
from collections import Counter

import msgspec
import pytest
import shapely

from cityops.simulate.fleet import DeviceSpec, build_fleet, venue_partner
from cityops.simulate.geography import Geography


def test_default_fleet_has_a_gauge_per_underpass_and_a_station_per_river_station(
    fleet: list[DeviceSpec], geo: Geography
) -> None:
    counts = Counter(d.model for d in fleet)
    assert len(fleet) == 1000
    assert counts["underpass_water_level"] == 93 == len(geo.underpasses)
    assert counts["water_quality_station"] == 12 == len(geo.river_stations)
    ids = {d.id for d in fleet}
    assert {f"UWL-{p.id}" for p in geo.underpasses} <= ids
    assert {f"WQS-{p.id}" for p in geo.river_stations} <= ids
    assert "UWL-UP-001" in ids
    assert "WQS-WQ-01" in ids


def test_the_rest_is_venue_fire_sensors_manhole_sensors_and_cameras(
    fleet: list[DeviceSpec],
) -> None:
    counts = Counter(d.model for d in fleet)
    assert counts["smoke_detector"] == counts["electrical_fire_sensor"] > 200
    assert counts["manhole_tilt_sensor"] > 150
    assert counts["camera"] > 100


def test_device_ids_are_unique(fleet: list[DeviceSpec]) -> None:
    assert len({d.id for d in fleet}) == len(fleet)


def test_every_device_lies_inside_the_district(fleet: list[DeviceSpec], geo: Geography) -> None:
    district = geo.boundary.buffer(1e-7)  # points on a road may sit exactly on a grid edge
    xs = [d.lon for d in fleet]
    ys = [d.lat for d in fleet]
    inside = shapely.contains_xy(district, xs, ys)
    outside = [d.id for d, ok in zip(fleet, inside, strict=True) if not ok]
    assert outside == []


def test_gauges_and_stations_sit_on_their_places(fleet: list[DeviceSpec], geo: Geography) -> None:
    by_id = {d.id: d for d in fleet}
    for place in geo.underpasses:
        gauge = by_id[f"UWL-{place.id}"]
        assert (gauge.lon, gauge.lat) == (place.lon, place.lat)
        assert gauge.tags == ["underpass", "flood-risk"]
        assert gauge.owner_unit == "区城管局排水管理处"
    assert by_id["WQS-WQ-01"].owner_unit == "区生态环境分局"


def test_venue_sensors_come_in_pairs_with_chinese_names(fleet: list[DeviceSpec]) -> None:
    by_id = {d.id: d for d in fleet}
    detectors = [d for d in fleet if d.model == "smoke_detector"]
    for detector in detectors:
        partner = by_id[venue_partner(detector.id) or ""]
        assert partner.model == "electrical_fire_sensor"
        assert partner.tags == detector.tags
        assert detector.tags[0] == "nine-small-venue"
        assert re.search(r"[\u4e00-\u9fff]", detector.name)
    kinds = Counter(d.tags[1] for d in detectors)
    assert {"shop", "restaurant", "hotel"} <= set(kinds)


def test_same_seed_builds_the_same_fleet_and_another_seed_a_different_one(
    fleet: list[DeviceSpec], geo: Geography
) -> None:
    assert build_fleet(1000, seed=7, geo=geo) == fleet
    other = build_fleet(1000, seed=8, geo=geo)
    assert [d.id for d in other] == [d.id for d in fleet]
    assert [(d.lon, d.lat) for d in other] != [(d.lon, d.lat) for d in fleet]


def test_large_scale_keeps_the_fixed_devices_and_grows_the_rest(geo: Geography) -> None:
    big = build_fleet(200_000, seed=7, geo=geo)
    counts = Counter(d.model for d in big)
    assert len(big) == 200_000
    assert len({d.id for d in big}) == 200_000
    assert counts["underpass_water_level"] == 93
    assert counts["water_quality_station"] == 12
    assert counts["camera"] > 25_000


def test_a_scale_below_the_fixed_devices_is_refused(geo: Geography) -> None:
    with pytest.raises(ValueError, match="below the 105 fixed"):
        build_fleet(50, geo=geo)


def test_a_spec_encodes_as_the_device_registration_body(fleet: list[DeviceSpec]) -> None:
    body = msgspec.json.decode(msgspec.json.encode(fleet[0]))
    assert set(body) == {
        "id", "model", "name", "lon", "lat", "owner_unit", "tags", "install_date",
    }  # fmt: skip
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", body["install_date"])
