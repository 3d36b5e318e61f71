"""The desks: the intake operator rejects a report only with a reason; the duty chief approves
a unit's extension request from the 延期申请 queue; logging out ends the session."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.ui.harness import NewPage, Shot, UiServer, log_in

pytestmark = pytest.mark.ui

REPORT = {
    "class_code": "E0102",
    "title": "江畔路口暴露垃圾",
    "lon": 120.30,
    "lat": 30.29,
    "source": "hotline",
}


def test_a_report_is_rejected_only_with_a_reason(
    ui_server: UiServer, new_page: NewPage, shot: Shot
) -> None:
    case = ui_server.call("admin", "POST", "/api/v1/cases", json=REPORT)
    page, log = new_page(base_url=ui_server.url)
    log_in(page, "intake_operator")
    expect(page.get_by_role("tab", name="待受理")).to_have_attribute("aria-selected", "true")
    page.locator(f'[data-case="{case["number"]}"]').click()
    detail = page.get_by_test_id("case-detail")
    detail.get_by_role("button", name="不予立案").click()
    page.get_by_role("button", name="确定 不予立案").click()
    expect(page.get_by_role("alert")).to_have_text("请填写意见说明")
    expect(detail).to_have_attribute("data-state", "reported")

    page.get_by_label("意见说明").fill("经核实为正常垃圾收集点，非暴露垃圾")
    page.get_by_role("button", name="确定 不予立案").click()
    expect(detail).to_have_attribute("data-state", "rejected")
    expect(detail.get_by_test_id("timeline")).to_contain_text("经核实为正常垃圾收集点")
    shot(page, "workbench-rejected")
    log.assert_clean()


def test_the_duty_chief_approves_an_extension_from_its_queue(
    ui_server: UiServer, new_page: NewPage
) -> None:
    case = ui_server.call("duty_chief", "POST", "/api/v1/cases", json={**REPORT, "file_now": True})
    actions = f"/api/v1/cases/{case['id']}/actions"
    dispatch = {"action": "dispatch", "unit": "dept-drainage"}
    ui_server.call("duty_chief", "POST", actions, json=dispatch)
    ui_server.call("unit_handler", "POST", actions, json={"action": "accept"})
    ui_server.call(
        "unit_handler",
        "POST",
        actions,
        json={"action": "request_extension", "note": "需调派吸污车，明日处置", "extension": "1d"},
    )

    page, log = new_page(base_url=ui_server.url)
    log_in(page, "duty_chief")
    page.get_by_role("tab", name="延期申请").click()
    page.locator(f'[data-case="{case["number"]}"]').click()
    detail = page.get_by_test_id("case-detail")
    expect(detail).to_contain_text("延期申请")
    detail.get_by_role("button", name="批准延期").click()
    page.get_by_role("button", name="确定 批准延期").click()
    expect(detail.get_by_test_id("timeline")).to_contain_text("批准延期")
    expect(detail).not_to_contain_text("需调派吸污车明日")  # the request is no longer pending
    after = ui_server.call("admin", "GET", f"/api/v1/cases/{case['id']}")
    assert after["pending_extension_s"] is None
    assert after["extension_s"] > 0
    log.assert_clean()


def test_logging_out_ends_the_session(ui_server: UiServer, new_page: NewPage) -> None:
    page, log = new_page(base_url=ui_server.url)
    log_in(page, "dispatcher")
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_label("用户名")).to_be_visible()
    assert page.request.get(f"{ui_server.url}/api/v1/auth/me").status == 401
    page.reload()
    expect(page.get_by_label("用户名")).to_be_visible()
    expect(page).to_have_url(re.compile("#/login"))
    log.assert_clean()
