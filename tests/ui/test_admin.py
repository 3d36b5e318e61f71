"""The admin pages: register a device (its token shown once), edit a rule and see the
server's validation errors where they are, create a person who can then log in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.ui.harness import NewPage, Shot, UiServer, log_in

pytestmark = pytest.mark.ui


def as_admin(page: Page, path: str) -> None:
    log_in(page, "admin")
    page.goto(f"/#/{path}")


def test_registering_a_device_shows_its_token_once(
    ui_server: UiServer, new_page: NewPage, shot: Shot
) -> None:
    page, log = new_page(base_url=ui_server.url)
    as_admin(page, "admin/devices")
    page.get_by_role("button", name="注册设备").click()
    form = page.get_by_role("form", name="注册设备")
    form.get_by_label("设备编号").fill("SMK-UI-1")
    form.get_by_label("型号").select_option("smoke_detector")
    form.get_by_label("名称").fill("江畔社区便利店烟感")
    form.get_by_label("经度").fill("120.30")
    form.get_by_label("纬度").fill("30.29")
    form.get_by_role("button", name="保存").click()
    token = page.get_by_test_id("device-token")
    expect(token).to_have_text(re.compile(r"^cod_"))
    expect(page.get_by_role("row").filter(has_text="SMK-UI-1")).to_contain_text("未上线")
    assert ui_server.runtime.registry.get("SMK-UI-1") is not None
    shot(page, "admin-devices-registered")
    first = token.inner_text()

    page.get_by_role("button", name="关闭").click()
    row = page.get_by_role("row").filter(has_text="SMK-UI-1")
    row.get_by_role("button", name=re.compile("重置令牌")).click()
    row.get_by_role("button", name=re.compile("确认重置")).click()  # it cuts the device off
    expect(token).to_have_text(re.compile(r"^cod_"))
    assert token.inner_text() != first  # a new token; the old one no longer opens anything
    log.assert_clean()


def test_a_rule_with_an_error_is_refused_with_the_path_of_the_error(
    ui_server: UiServer, new_page: NewPage, shot: Shot
) -> None:
    page, log = new_page(base_url=ui_server.url)
    as_admin(page, "admin/rules")
    page.get_by_role("button", name="新建规则").click()
    editor = page.get_by_label(re.compile("规则定义"))
    text = editor.input_value().replace('"water_level_cm"', '"no_such_property"')
    editor.fill(text)
    page.get_by_role("button", name="校验").click()
    errors = page.get_by_test_id("rule-errors")
    expect(errors).to_contain_text("no_such_property")
    expect(editor).to_have_attribute("aria-invalid", "true")
    shot(page, "admin-rule-error")

    editor.fill(text.replace('"no_such_property"', '"water_level_cm"'))
    page.get_by_role("button", name="校验").click()
    expect(page.get_by_role("status")).to_have_text("校验通过")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("row").filter(has_text="new-rule")).to_contain_text("新规则")
    log.assert_clean(allow=[r"status of 422"])


def test_an_admin_creates_a_grid_worker_who_can_log_in(
    ui_server: UiServer, new_page: NewPage
) -> None:
    page, log = new_page(base_url=ui_server.url)
    as_admin(page, "admin/users")
    page.get_by_role("button", name="新建用户").click()
    form = page.get_by_role("form", name="新建用户")
    form.get_by_label("用户名").fill("gw-new")
    form.get_by_label("姓名").fill("网格员 新")
    form.get_by_label("密码").fill("Grid-Worker-2026!")
    form.get_by_label("角色").select_option("grid_worker")
    form.get_by_label("处置单位").select_option("grid-330199001002")
    form.get_by_label("负责区域").fill("330199001002")
    form.get_by_role("button", name="保存").click()
    expect(page.get_by_role("row").filter(has_text="gw-new")).to_contain_text("网格员")
    log.assert_clean()

    phone, phone_log = new_page("phone", base_url=ui_server.url)
    log_in(phone, "gw-new", "Grid-Worker-2026!")
    expect(phone).to_have_url(re.compile("#/mobile"))
    expect(phone.get_by_role("tab", name="我的任务")).to_be_visible()
    phone_log.assert_clean()
