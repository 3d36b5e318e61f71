"""Browser tests: Debian's Chromium (/usr/bin/chromium) driven by Playwright's sync API.

Never a browser downloaded by Playwright: `scripts/install_browser.sh` installs Chromium from
the Debian archive. Without it these tests skip, naming it; `CITYOPS_REQUIRE_SERVICES=1` (CI)
makes that a failure.

Fixtures:
- `browser` (package scope): the launched Chromium.
- `ui_server` (per test): a real uvicorn server over a started runtime with the sample
  district, the demo rules and the real clock, on a fresh SQLite store, with one person per
  role (`UiServer.users`, all with the password `UI_PASSWORD`).
- `new_page(viewport="desktop" | "phone", *, base_url=None, **context_options)`: a page in
  a fresh context (zh-CN, Asia/Shanghai) with its `BrowserLog`. Any request to a host other
  than this machine is aborted, and so is any CSP violation recorded; either fails the test
  at teardown (offline-first and the CSP are requirements). Console errors and uncaught page
  errors are collected for `log.assert_clean()`.
- `shot(page, name)`: a full-page PNG in test-artifacts/screenshots/<name>.png.

Types and helpers for tests (`NewPage`, `Shot`, `UiServer`, `PEOPLE`, …) are in
`tests/ui/harness.py`.

The browser is shared by the package (not the session) on purpose: while Playwright's sync
API runs, the main thread has an asyncio loop marked as running, so `asyncio.run` in any other
test would fail; package scope closes Playwright when the last UI test is done.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, ViewportSize, sync_playwright

from tests.services import missing
from tests.ui.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    BrowserLog,
    NewPage,
    OpenedPage,
    Shot,
    UiServer,
    Viewport,
    new_context,
    screenshot,
    serve,
    ui_runtime,
)

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/ui is a `ui` test (`-m ui` / `-m "not ui"`)."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.ui)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        missing("Chromium", f"no {CHROMIUM}; run scripts/install_browser.sh")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the test, so `new_page` knows at teardown if it failed."""
    report = yield
    item.stash.setdefault(FAILED, False)
    if report.when == "call" and report.failed:
        item.stash[FAILED] = True
    return report


FAILED = pytest.StashKey[bool]()


@pytest.fixture
def new_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[NewPage]:
    """`page, log = new_page()` (1920×1080) or `new_page("phone")` (390×844, touch); each call
    a fresh context. External requests and CSP violations fail the test at teardown; a failed
    test leaves a screenshot of every page it had open (test-artifacts/screenshots/FAILED-…)."""
    opened: list[tuple[BrowserContext, BrowserLog]] = []

    def make(
        viewport: Viewport | ViewportSize = "desktop",
        *,
        base_url: str | None = None,
        **context_options: Any,
    ) -> OpenedPage:
        context, log = new_context(browser.new_context, viewport, base_url, **context_options)
        opened.append((context, log))
        return OpenedPage(context.new_page(), log)

    yield make
    if request.node.stash.get(FAILED, False):
        for n, (context, _) in enumerate(opened):
            for m, page in enumerate(context.pages):
                with contextlib.suppress(Exception):  # a crashed page has nothing to show
                    screenshot(page, f"FAILED-{request.node.name}-{n}-{m}")
    failures: list[str] = []
    for context, log in opened:
        context.close()
        failures += [f"external request: {r}" for r in log.external_requests]
        failures += [f"CSP violation: {v}" for v in log.csp_violations]
    if failures:
        pytest.fail("offline-first / CSP broken:\n" + "\n".join(failures), pytrace=False)


@pytest.fixture
def shot() -> Shot:
    """`shot(page, "home-desktop")` → test-artifacts/screenshots/home-desktop.png (full page)."""
    return screenshot


@pytest.fixture
def ui_server(tmp_path: Path) -> Iterator[UiServer]:
    """The app as a person's browser sees it: real time, real HTTP, the demo district."""
    with ui_runtime(tmp_path) as (rt, users, admin_key), serve(rt) as url:
        yield UiServer(url, rt, admin_key, users)
