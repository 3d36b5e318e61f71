"""The screen configuration: the district's extent, the code lists with names and colours."""

from __future__ import annotations

from fastapi.testclient import TestClient

from cityops.core.config import Settings
from cityops.screen.legend import basemap, district_of
from tests.web.helpers import INSIDE


def test_the_district_with_its_extent_and_centre(client: TestClient) -> None:
    body = client.get("/api/v1/screen/config").json()
    district = body["district"]
    assert (district["code"], district["name_zh"]) == ("330199", "临江区")
    minlon, minlat, maxlon, maxlat = district["bbox"]
    assert minlon < INSIDE[0] < maxlon
    assert minlat < INSIDE[1] < maxlat
    assert district["center"] == [(minlon + maxlon) / 2, (minlat + maxlat) / 2]
    assert body["timezone"] == "Asia/Shanghai"
    assert body["basemap"] is None  # none configured: no third-party tiles by default
    assert body["map_device_points"] == 20_000


def test_severities_mildest_first_with_the_warning_colours(client: TestClient) -> None:
    severities = client.get("/api/v1/screen/config").json()["severities"]
    assert [s["code"] for s in severities] == ["blue", "yellow", "orange", "red"]
    assert severities[0]["name_zh"] == "一般(IV级)"
    assert severities[3]["name_zh"] == "特别严重(I级)"
    assert all(s["color"].startswith("#") and len(s["color"]) == 7 for s in severities)
    assert all(s["name_en"] for s in severities)


def test_case_states_and_roles_are_named_in_both_languages(client: TestClient) -> None:
    body = client.get("/api/v1/screen/config").json()
    states = {s["code"]: s for s in body["case_states"]}
    assert states["filed"] == {"code": "filed", "name_zh": "立案", "name_en": "Filed"}
    assert len(states) == 11
    roles = {r["code"]: r for r in body["roles"]}
    assert "ingest" not in roles
    assert roles["grid_worker"]["name_zh"] == "网格员"
    assert roles["grid_worker"]["unit_role"]
    assert roles["viewer"]["name_en"] == "Viewer"


def test_a_configured_basemap_is_passed_on() -> None:
    settings = Settings(
        basemap_url="https://tiles.example.cn/{z}/{x}/{y}.png",
        basemap_attribution="© 临江区测绘院",
        basemap_max_zoom=17,
    )
    assert basemap(settings) == {
        "url": "https://tiles.example.cn/{z}/{x}/{y}.png",
        "attribution": "© 临江区测绘院",
        "max_zoom": 17,
    }


def test_no_district_before_one_is_imported() -> None:
    assert district_of([]) is None
