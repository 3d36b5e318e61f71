"""The operations screen on its own: an event picked from the live feed shows its details and
its device's telemetry with the rules' thresholds; the centre acknowledges it there."""

from __future__ import annotations

import time

import httpx
import pytest
from playwright.sync_api import Page, expect

from cityops.auth.tokens import Role
from tests.ui.harness import UI_PASSWORD, NewPage, Shot, UiServer

pytestmark = pytest.mark.ui

GAUGE = {
    "id": "UWL-T-1",
    "model": "underpass_water_level",
    "name": "望湖路下穿通道积水监测",
    "lon": 120.30,
    "lat": 30.29,
    "owner_unit": "dept-drainage",
}
DEPTH_BANDS = "15,27,40,50"  # the demo rules' blue/yellow/orange/red depths (cm)


def send_depths(server: UiServer, depths: list[float]) -> None:
    """The gauge reports these depths, a minute apart, ending now."""
    headers = {"Authorization": f"Bearer {server.admin_key}"}
    assert httpx.post(f"{server.url}/api/v1/devices", json=GAUGE, headers=headers).is_success
    now = int(time.time() * 1000)
    readings = [
        {
            "device_id": GAUGE["id"],
            "ts": now - (len(depths) - i) * 60_000,
            "values": {"water_level_cm": d},
        }
        for i, d in enumerate(depths)
    ]
    answer = httpx.post(f"{server.url}/api/v1/telemetry", json=readings, headers=headers)
    assert answer.json()["accepted"] == len(depths), answer.text


def open_screen(page: Page, username: str) -> None:
    page.goto("/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(UI_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    page.goto("/#/screen")


def test_a_picked_event_shows_its_telemetry_against_the_thresholds(
    ui_server: UiServer, new_page: NewPage, shot: Shot
) -> None:
    send_depths(ui_server, [2, 5, 9, 14, 18, 22, 24])
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
    send_depths(ui_server, [20])
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
