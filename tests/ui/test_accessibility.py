"""Basic accessibility, checked by axe-core (the engine behind Lighthouse's audit, installed
from npm with the screens) on every page: labels on controls, names on buttons, contrast
(WCAG 2 AA), landmarks; and the main path done with the keyboard alone."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.ui.harness import UI_PASSWORD, NewPage, Shot, UiServer, log_in

pytestmark = pytest.mark.ui

AXE = Path(__file__).resolve().parents[2] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESK_PAGES = ["screen", "workbench", "admin/devices", "admin/rules", "admin/routing", "admin/users"]


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 AA violations on the page as it is now."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make ui` (npm ci in frontend/)")
    page.add_script_tag(path=Path(AXE))
    result: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:5]]}
        for v in result["violations"]
    ]


def test_the_login_page_passes_wcag_aa(ui_server: UiServer, new_page: NewPage) -> None:
    # axe is injected as a script, which our CSP (rightly) refuses: this context bypasses it.
    page, _ = new_page(base_url=ui_server.url, bypass_csp=True)
    page.goto("/")
    expect(page.get_by_label("用户名")).to_be_visible()
    assert axe_violations(page) == []


@pytest.mark.parametrize("path", DESK_PAGES)
def test_every_desk_page_passes_wcag_aa(
    path: str, ui_server: UiServer, new_page: NewPage, shot: Shot
) -> None:
    page, _ = new_page(base_url=ui_server.url, bypass_csp=True)
    log_in(page, "admin")
    page.goto(f"/#/{path}")
    expect(page.get_by_role("link", name=re.compile(".")).first).to_be_visible()
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    shot(page, f"a11y-{path}")
    assert axe_violations(page) == []


def test_the_phone_page_passes_wcag_aa(ui_server: UiServer, new_page: NewPage) -> None:
    page, _ = new_page("phone", base_url=ui_server.url, bypass_csp=True)
    log_in(page, "grid_worker")
    expect(page.get_by_role("tab", name="巡查上报")).to_be_visible()
    page.get_by_role("tab", name="巡查上报").click()
    expect(page.get_by_label("类别")).to_be_visible()
    assert axe_violations(page) == []


def test_logging_in_and_moving_around_needs_only_the_keyboard(
    ui_server: UiServer, new_page: NewPage
) -> None:
    page, log = new_page(base_url=ui_server.url)
    page.goto("/")
    expect(page.get_by_label("用户名")).to_be_focused()  # the login form starts focused
    page.keyboard.type("dispatcher")
    page.keyboard.press("Tab")
    expect(page.get_by_label("密码")).to_be_focused()
    page.keyboard.type(UI_PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#/workbench"))
    # The skip link comes first, then the navigation; Enter follows a link.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="跳到正文")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="运行大屏")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#/screen"))
    log.assert_clean()


def test_the_language_switches_to_english_and_stays(ui_server: UiServer, new_page: NewPage) -> None:
    page, log = new_page(base_url=ui_server.url)
    log_in(page, "admin")
    page.get_by_role("button", name=re.compile("切换语言")).click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.get_by_role("link", name="Operations screen")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.reload()
    expect(page.get_by_role("link", name="Operations screen")).to_be_visible()
    log.assert_clean()
