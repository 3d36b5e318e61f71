"""English mode: after the top bar's language button every page speaks English. Labels,
headings, buttons, tabs, table heads, tooltips and the names of things the server names in both
languages (units, classes, states, roles, areas, the district) show no Chinese; only data the
server gives in one language (device names, case and event titles, notes, people's names) may."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.ui.harness import NewPage, Shot, UiServer, log_in

pytestmark = pytest.mark.ui

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
JIANGPAN = "330199001001"  # the grid worker's community
GAUGE: dict[str, Any] = {
    "id": "UWL-EN-1",
    "model": "underpass_water_level",
    "name": "望湖路下穿通道积水监测",
    "lon": 120.30,
    "lat": 30.29,
    "owner_unit": "dept-drainage",
}

# Every text on the page a person reads or hears: text nodes (hidden ones too: the screen
# reader's), and the names, tooltips and placeholders in attributes. Parts marked as another
# language (the language button's "中文") are left out: they are meant to be in it.
PAGE_TEXTS = """() => {
  const zh = (el) => {
    const tagged = el.closest('[lang]');
    return !!tagged && tagged.getAttribute('lang').startsWith('zh');
  };
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    const text = n.textContent.trim();
    if (!el || !text || el.closest('script, style, noscript, textarea') || zh(el)) continue;
    out.push(text);
  }
  for (const el of document.body.querySelectorAll('[aria-label], [title], [placeholder], [alt]')) {
    if (zh(el)) continue;
    for (const a of ['aria-label', 'title', 'placeholder', 'alt']) {
      const v = el.getAttribute(a);
      if (v && v.trim()) out.push(v.trim());
    }
  }
  return out;
}"""


def seed(server: UiServer) -> None:
    """A flooded underpass (an event, its case waiting for dispatch) and a case in the grid
    worker's community dispatched to their grid station, so every page has something to show."""
    server.gauge_reports(GAUGE, [5, 12, 18, 24, 30])

    lon, lat = server.point_in(JIANGPAN)
    report = {
        "class_code": "E0102",
        "title": "江畔路口暴露垃圾",
        "description": "绿化带旁堆放生活垃圾",
        "lon": lon,
        "lat": lat,
        "source": "hotline",
        "file_now": True,
    }
    case = server.call("duty_chief", "POST", "/api/v1/cases", json=report)
    dispatch = {"action": "dispatch", "unit": f"grid-{JIANGPAN}", "note": "请网格员现场核实处置"}
    server.call("duty_chief", "POST", f"/api/v1/cases/{case['id']}/actions", json=dispatch)


def data_texts(server: UiServer) -> list[str]:
    """What the server gives in one language only: it may stay Chinese in English mode."""

    def get(path: str, **params: Any) -> Any:
        return server.admin("GET", path, params=params).json()

    texts = [d["name"] for d in get("/api/v1/devices", limit=1000)["items"]]
    texts += [u["display_name"] for u in get("/api/v1/users")["items"]]
    for e in get("/api/v1/events", limit=1000)["items"]:
        texts.append(e["title"])
        if isinstance(e["evidence"], dict) and e["evidence"].get("title_en"):
            texts.append(e["evidence"]["title_en"])
    for c in get("/api/v1/cases", limit=500)["items"]:
        texts += [c["title"], c["description"]]
        detail = get(f"/api/v1/cases/{c['id']}")
        texts += [step["note"] for step in detail["timeline"] if step["note"]]
    # Longest first, so a title is taken out before a device name inside it.
    return sorted({t for t in texts if t}, key=len, reverse=True)


def chinese_left(page: Page, allowed: list[str]) -> list[str]:
    found = []
    for text in page.evaluate(PAGE_TEXTS):
        rest = text
        for data in allowed:
            rest = rest.replace(data, "")
        if CJK.search(rest):
            found.append(text)
    return sorted(set(found))


def log_in_in_english(page: Page, username: str) -> None:
    log_in(page, username)
    page.get_by_role("button", name=re.compile("切换语言")).click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def check(page: Page, shot: Shot, name: str, allowed: list[str]) -> None:
    page.wait_for_timeout(300)  # the last answers drawn
    shot(page, name)
    assert chinese_left(page, allowed) == [], f"{name}: Chinese left in English mode"


def test_every_desk_page_speaks_english(ui_server: UiServer, new_page: NewPage, shot: Shot) -> None:
    seed(ui_server)
    allowed = data_texts(ui_server)
    page, log = new_page(base_url=ui_server.url)
    log_in_in_english(page, "admin")

    page.goto("/#/screen")
    feed = page.get_by_test_id("event-feed")
    feed.get_by_role("button").filter(has_text="Underpass water logging").first.click()
    expect(page.get_by_test_id("event-detail")).to_contain_text("IoT sensing")
    expect(page.get_by_test_id("telemetry")).to_have_attribute("data-points", "5")
    expect(page.get_by_test_id("cases-by-state")).to_contain_text("Filed")
    expect(page.get_by_role("region", name="District map")).not_to_have_attribute("data-grids", "0")
    expect(page.locator(".topbar .district")).to_have_text("Linjiang District")
    check(page, shot, "en-screen", allowed)

    page.goto("/#/workbench")
    page.get_by_role("tab", name="All cases").click()
    rows = page.get_by_test_id("case-list").get_by_role("button")
    rows.filter(has_text="Exposed garbage").click()
    detail = page.get_by_test_id("case-detail")
    expect(detail.get_by_test_id("case-state")).to_have_text("Dispatched")
    expect(detail).to_contain_text("Hotline")
    expect(detail.get_by_test_id("timeline")).to_contain_text("Duty chief")
    expect(detail.get_by_test_id("timeline")).to_contain_text("Dispatch")
    check(page, shot, "en-workbench", allowed)

    page.goto("/#/admin/devices")
    expect(page.get_by_role("row").filter(has_text=GAUGE["id"])).to_contain_text("Online")
    page.get_by_role("button", name="Register device").click()
    expect(page.get_by_role("form", name="Register device")).to_be_visible()
    check(page, shot, "en-admin-devices", allowed)

    page.goto("/#/admin/rules")
    page.get_by_role("button", name="Edit rule underpass-water-depth").click()
    expect(page.get_by_label(re.compile("Rule definition"))).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="underpass-water-depth")).to_contain_text(
        "Underpass water logging"
    )
    check(page, shot, "en-admin-rules", allowed)

    page.goto("/#/admin/routing")
    table = page.get_by_test_id("routing-table")
    expect(table).to_contain_text("Professional handling")
    expect(table).to_contain_text("Jiangpan Community")
    check(page, shot, "en-admin-routing", allowed)

    page.goto("/#/admin/users")
    expect(page.get_by_role("row").filter(has_text="grid_worker")).to_contain_text("Grid worker")
    page.get_by_role("button", name="New user").click()
    page.get_by_role("button", name="Set password grid_worker").click()
    expect(page.get_by_label(re.compile("New password"))).to_be_visible()
    check(page, shot, "en-admin-users", allowed)

    page.goto("/#/mobile")  # not an admin's page: said so in English
    expect(page.get_by_role("alert")).to_have_text("You may not open this page")
    check(page, shot, "en-mobile-admin", allowed)
    log.assert_clean()


def test_the_phone_page_speaks_english(ui_server: UiServer, new_page: NewPage, shot: Shot) -> None:
    seed(ui_server)
    allowed = data_texts(ui_server)
    phone, log = new_page("phone", base_url=ui_server.url)
    log_in_in_english(phone, "grid_worker")

    phone.goto("/#/mobile")
    tasks = phone.get_by_test_id("task-list")
    expect(tasks).to_contain_text("Exposed garbage")
    check(phone, shot, "en-mobile", allowed)

    tasks.get_by_role("button").first.click()
    task = phone.get_by_test_id("task-detail")
    expect(task.get_by_test_id("case-state")).to_have_text("Dispatched")
    expect(task.get_by_role("button", name="Accept", exact=True)).to_be_visible()
    check(phone, shot, "en-mobile-task", allowed)

    phone.get_by_role("tab", name="Report a problem").click()
    expect(phone.get_by_label("Class")).to_contain_text("Exposed garbage")
    check(phone, shot, "en-mobile-patrol", allowed)

    phone.goto("/#/screen")
    expect(phone.get_by_test_id("cases-by-state")).to_contain_text("Dispatched")
    check(phone, shot, "en-mobile-screen", allowed)
    log.assert_clean()
