"""The whole loop in a real browser, as the people in it see it: a rainstorm floods an
underpass; the event appears on the operations screen; the dispatcher sends the case to the
community's grid workers; a grid worker on a phone accepts it and reports it handled with a
photo; the inspector verifies and closes it; the screen's on-time tile counts it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from cityops.auth.tokens import Role
from cityops.cases.model import CaseState
from tests.evidence.images import png
from tests.ui.harness import UI_PASSWORD, NewPage, Shot, UiServer, log_in
from tests.ui.rainstorm import rainstorm

pytestmark = pytest.mark.ui

SECONDS = 1000  # Playwright timeouts are in milliseconds
GRID_COUNT = 60  # the sample district's grids


def filed_flood_case(server: UiServer) -> dict[str, Any]:
    """The first underpass-flooding case waiting for dispatch (read through the API)."""
    params = {"state": CaseState.FILED.value, "class": "E1001"}
    answer = server.admin("GET", "/api/v1/cases", params=params)
    items: list[dict[str, Any]] = answer.json()["items"]
    assert items, "the rainstorm filed no flooding case"
    return items[-1]


def test_a_flooded_underpass_goes_from_the_screen_to_closure(
    ui_server: UiServer, new_page: NewPage, shot: Shot
) -> None:
    wall, wall_log = new_page(base_url=ui_server.url)
    on_time = watch_the_rainstorm_on_the_screen(wall, ui_server, shot)

    case = filed_flood_case(ui_server)
    community = case["grid_code"][:12]
    grid_unit = f"grid-{community}"
    ui_server.runtime.users.create(
        "gw-case", "网格员 周", UI_PASSWORD, Role.GRID_WORKER, grid_unit, (community,)
    )

    desk, desk_log = new_page(base_url=ui_server.url)
    dispatch_to(desk, case["number"], grid_unit, shot)
    phone, phone_log = new_page("phone", base_url=ui_server.url)
    handle_on_the_phone(phone, case["number"], shot)
    inspector, inspector_log = new_page(base_url=ui_server.url)
    verify_and_close(inspector, case["number"], shot)

    # The wall screen counts it without a reload.
    expect(on_time).to_contain_text("今日结案 1", timeout=15 * SECONDS)
    expect(on_time.locator(".tile-value")).to_have_text("100%")
    shot(wall, "screen-after-closure")

    for log in (wall_log, desk_log, phone_log, inspector_log):
        log.assert_clean()


def watch_the_rainstorm_on_the_screen(wall: Page, server: UiServer, shot: Shot) -> Locator:
    """The wall screen shows the district, then the flooding as it happens; returns the
    on-time tile for the end of the story."""
    log_in(wall, "admin")
    wall.goto("/#/screen")
    district = wall.get_by_role("region", name="辖区地图")
    expect(district).to_have_attribute("data-grids", str(GRID_COUNT))
    on_time = wall.get_by_test_id("kpi-ontime")
    expect(on_time).to_contain_text("今日结案 0")
    shot(wall, "screen-before-rainstorm")

    with rainstorm(server):
        feed = wall.get_by_test_id("event-feed")
        expect(feed.locator("li", has_text="下穿通道积水").first).to_be_visible(
            timeout=30 * SECONDS
        )
        expect(district).not_to_have_attribute("data-events", "0")
        shot(wall, "screen-rainstorm-event")
        open_cases = wall.get_by_test_id("kpi-cases").locator(".tile-value")
        expect(open_cases).not_to_have_text("0", timeout=30 * SECONDS)
    return on_time


def dispatch_to(desk: Page, number: str, unit: str, shot: Shot) -> None:
    """The dispatcher sends the case to `unit` (the suggestion is the drainage office; the
    nearest hands are the community grid station's)."""
    log_in(desk, "dispatcher")
    expect(desk).to_have_url(re.compile("#/workbench"))
    desk.get_by_role("tab", name="待派遣").click()
    desk.locator(f'[data-case="{number}"]').click()
    detail = desk.get_by_test_id("case-detail")
    expect(detail).to_have_attribute("data-state", "filed")
    expect(detail).to_contain_text("派遣建议")
    detail.get_by_role("button", name="派遣", exact=True).click()
    desk.get_by_label("派遣至").select_option(unit)
    desk.get_by_role("button", name="确定 派遣").click()
    expect(detail).to_have_attribute("data-state", "dispatched")
    expect(detail.get_by_test_id("timeline")).to_contain_text("派遣")
    shot(desk, "workbench-dispatched")


def handle_on_the_phone(phone: Page, number: str, shot: Shot) -> None:
    """The grid worker, on a phone in the street: accept, photo, note, report handled."""
    log_in(phone, "gw-case")
    expect(phone).to_have_url(re.compile("#/mobile"))
    phone.locator(f'[data-case="{number}"]').click()
    task = phone.get_by_test_id("task-detail")
    task.get_by_role("button", name="签收").click()
    expect(task).to_have_attribute("data-state", "handling")
    phone.get_by_label("拍照/选择照片").set_input_files(
        {"name": "site.png", "mimeType": "image/png", "buffer": png()}
    )
    expect(task.get_by_role("img", name="现场照片")).to_be_visible()
    phone.get_by_label("意见说明").fill("已设置围挡并开启泵车抽排，积水已退")
    shot(phone, "phone-report-handled")
    task.get_by_role("button", name="提交 处置反馈").click()
    expect(task).to_have_attribute("data-state", "handled")
    expect(task.get_by_role("status")).to_have_text("已提交处置反馈")


def verify_and_close(inspector: Page, number: str, shot: Shot) -> None:
    """The inspector sees the worker's photo and closes the case."""
    log_in(inspector, "inspector")
    inspector.get_by_role("tab", name="待核查").click()
    inspector.locator(f'[data-case="{number}"]').click()
    detail = inspector.get_by_test_id("case-detail")
    photo = detail.get_by_role("region", name="证据照片").get_by_role("img")
    expect(photo).to_have_count(1)
    expect(photo).to_have_js_property("complete", True)
    assert photo.evaluate("img => img.naturalWidth") > 0  # the stored photo, served back
    detail.get_by_role("button", name="核查通过（结案）").click()
    inspector.get_by_role("button", name="确定 核查通过（结案）").click()
    expect(detail).to_have_attribute("data-state", "closed")
    shot(inspector, "workbench-closed")
