"""The phone page: a patrol report of a new problem where the worker stands, with a photo;
times in the district's zone whatever the phone is set to."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.evidence.images import png
from tests.ui.harness import NewPage, Shot, UiServer, log_in

pytestmark = pytest.mark.ui

JIANGPAN = "330199001001"


def test_a_patrol_report_is_filed_at_the_workers_location_with_the_photo(
    ui_server: UiServer, new_page: NewPage, shot: Shot
) -> None:
    lon, lat = ui_server.point_in(JIANGPAN)  # somewhere in the worker's own grid

    phone, log = new_page(
        "phone",
        base_url=ui_server.url,
        geolocation={"longitude": lon, "latitude": lat},
        permissions=["geolocation"],
    )
    log_in(phone, "grid_worker")
    phone.get_by_role("tab", name="巡查上报").click()
    expect(phone.get_by_test_id("patrol-location")).to_contain_text(f"{lat:.5f}")
    phone.get_by_label("类别").select_option("E0102")
    phone.get_by_label("问题描述").fill("路口绿化带旁堆放建筑垃圾")
    phone.get_by_label("拍照/选择照片").set_input_files(
        {"name": "patrol.png", "mimeType": "image/png", "buffer": png()}
    )
    shot(phone, "phone-patrol-report")
    with phone.expect_request(
        lambda r: r.method == "POST" and r.url.endswith("/api/v1/cases")
    ) as sent:
        phone.get_by_role("button", name="提交").click()
    # A retry after a dropped answer must not make a second case: the report carries a key.
    assert re.fullmatch(r"patrol-[0-9a-f]{32}", sent.value.headers["idempotency-key"])

    task = phone.get_by_test_id("task-detail")
    expect(task).to_contain_text("路口绿化带旁堆放建筑垃圾")
    (case,) = ui_server.admin("GET", "/api/v1/cases", params={"class": "E0102"}).json()["items"]
    assert case["source"] == "patrol"
    assert (round(case["lon"], 6), round(case["lat"], 6)) == (round(lon, 6), round(lat, 6))
    assert case["grid_code"].startswith(JIANGPAN)
    assert len(case["evidence"]) == 1
    log.assert_clean()


def test_times_are_shown_in_the_districts_zone(ui_server: UiServer, new_page: NewPage) -> None:
    phone, log = new_page("phone", base_url=ui_server.url, timezone_id="America/New_York")
    log_in(phone, "grid_worker")
    expect(phone).to_have_url(re.compile("#/mobile"))
    shown = re.search(r"(\d\d):(\d\d):(\d\d)", phone.get_by_label("当前时间").inner_text())
    assert shown is not None
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    seconds = int(shown[1]) * 3600 + int(shown[2]) * 60 + int(shown[3])
    drift = (seconds - (now.hour * 3600 + now.minute * 60 + now.second)) % 86_400
    assert min(drift, 86_400 - drift) < 120  # Shanghai time, not New York's (13 h apart)
    log.assert_clean()
