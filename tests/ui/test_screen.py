"""The operations screen on its own: an event picked from the live feed shows its details and
its device's telemetry with the rules' thresholds; the centre acknowledges it there."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from cityops.auth.tokens import Role
from tests.ui.harness import UI_PASSWORD, NewPage, Shot, UiServer, log_in

pytestmark = pytest.mark.ui

GAUGE: dict[str, Any] = {
    "id": "UWL-T-1",
    "model": "underpass_water_level",
    "name": "望湖路下穿通道积水监测",
    "lon": 120.30,
    "lat": 30.29,
    "owner_unit": "dept-drainage",
}
DEPTH_BANDS = "15,27,40,50"  # the demo rules' blue/yellow/orange/red depths (cm)


def open_screen(page: Page, username: str) -> None:
    log_in(page, username)
    page.goto("/#/screen")


def test_a_picked_event_shows_its_telemetry_against_the_thresholds(
    ui_server: UiServer, new_page: NewPage, shot: Shot
) -> None:
    ui_server.gauge_reports(GAUGE, [2, 5, 9, 14, 18, 22, 24])
    page, log = new_page(base_url=ui_server.url)
    open_screen(page, "duty_chief")
    item = page.get_by_test_id("event-feed").get_by_role("button").filter(has_text="积水")
    item.first.click()
    detail = page.get_by_test_id("event-detail")
    expect(detail).to_contain_text("下穿通道积水")
    expect(detail).to_contain_text("蓝色 Ⅳ级")
    telemetry = page.get_by_test_id("telemetry")
    expect(telemetry).to_have_attribute("data-device", GAUGE["id"])
    expect(telemetry).to_have_attribute("data-thresholds", DEPTH_BANDS)
    expect(telemetry).to_have_attribute("data-points", "7")
    expect(telemetry.get_by_label("监测项")).to_have_value("water_level_cm")
    shot(page, "screen-event-telemetry")

    detail.get_by_role("button", name="确认").click()
    expect(detail).to_contain_text("已确认")
    log.assert_clean()


def test_a_viewer_sees_the_screen_but_cannot_acknowledge(
    ui_server: UiServer, new_page: NewPage
) -> None:
    ui_server.gauge_reports(GAUGE, [20])
    ui_server.runtime.users.create("watcher", "大屏", UI_PASSWORD, Role.VIEWER)
    page, log = new_page(base_url=ui_server.url)
    open_screen(page, "watcher")
    expect(page.get_by_role("link", name="案卷工作台")).to_have_count(0)
    page.get_by_test_id("event-feed").get_by_role("button").first.click()
    expect(page.get_by_test_id("event-detail")).to_be_visible()
    expect(page.get_by_role("button", name="确认")).to_have_count(0)
    page.goto("/#/admin/users")
    expect(page.get_by_role("alert")).to_have_text("无权访问此页面")
    log.assert_clean()


@pytest.fixture
def few_points(monkeypatch: pytest.MonkeyPatch) -> int:
    """A wall PC that draws at most 25 device points (the default is 20,000)."""
    monkeypatch.setenv("CITYOPS_MAP_DEVICE_POINTS", "25")
    return 25


def test_too_many_devices_show_as_grid_counts_until_zoomed_in(
    few_points: int, ui_server: UiServer, new_page: NewPage, shot: Shot
) -> None:
    config = ui_server.admin("GET", "/api/v1/screen/config").json()
    minlon, minlat, maxlon, maxlat = config["district"]["bbox"]
    centre = config["district"]["center"]
    corner = (minlon + (maxlon - minlon) * 0.2, minlat + (maxlat - minlat) * 0.8)

    def gauges(prefix: str, at: tuple[float, float], n: int) -> list[dict[str, object]]:
        lon, lat = at
        return [
            {**GAUGE, "id": f"{prefix}-{i}", "lon": lon + i * 1e-5, "lat": lat} for i in range(n)
        ]

    body = gauges("C", (centre[0], centre[1]), 20) + gauges("E", corner, 20)
    assert ui_server.admin("POST", "/api/v1/devices", json=body).is_success

    page, log = new_page(base_url=ui_server.url)
    open_screen(page, "admin")
    district = page.get_by_role("region", name="辖区地图")
    expect(district).to_have_attribute("data-aggregate", "true")
    expect(page.get_by_role("status").filter(has_text="设备 40")).to_be_visible()
    shot(page, "screen-grid-counts")

    district.focus()
    for _ in range(3):  # Leaflet's keyboard zoom, around the centre
        page.keyboard.press("Equal")
        page.wait_for_timeout(400)
    expect(district).to_have_attribute("data-aggregate", "false", timeout=10_000)
    expect(district).to_have_attribute("data-devices", "20")
    log.assert_clean()
