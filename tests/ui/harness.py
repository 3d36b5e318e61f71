"""The browser test harness (tests/ui): Chromium's settings, what a page did wrong, the server
a browser talks to. The fixtures built on it are in tests/ui/conftest.py."""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple, Protocol
from urllib.parse import urlsplit

import httpx
import shapely.geometry
import uvicorn
from playwright.sync_api import (
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Route,
    ViewportSize,
    WebSocket,
    expect,
)

from cityops.auth.tokens import Role
from cityops.core.clock import SystemClock
from cityops.core.config import Settings
from cityops.district.loader import sample_district_path
from cityops.district.service import import_district_file
from cityops.rules.service import shipped_rules_path
from cityops.runtime import Runtime
from cityops.store.migrate import upgrade
from cityops.web.app import create_app

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
SAFE_NAME = re.compile(r"[^\w.-]+")

CHROMIUM = Path(os.environ.get("CITYOPS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Even with the flags above (Playwright adds most of them itself) Chromium 156 still asks
    # update.googleapis.com and accounts.google.com at start-up, with or without Debian's
    # launcher script (checked with --log-net-log). Only this machine's names resolve, so no
    # request, not even a DNS query, leaves it. Pages' requests are caught earlier (`watch`).
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
Viewport = Literal["desktop", "phone"]
Shot = Callable[[Page, str], Path]
"""`shot(page, name)`: the type of the `shot` fixture."""

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
NETWORK_SCHEMES = frozenset({"http", "https", "ws", "wss", "ftp"})

UI_PASSWORD = "CityOps-UI-test-2026"
"""Every test person's password."""

# role: (display name, unit, grids)
PEOPLE: dict[Role, tuple[str, str | None, tuple[str, ...]]] = {
    Role.ADMIN: ("系统管理员", None, ()),
    Role.DISPATCHER: ("派遣员 王芳", None, ()),
    Role.DUTY_CHIEF: ("值班长 李强", None, ()),
    Role.INTAKE_OPERATOR: ("受理员 张敏", None, ()),
    Role.INSPECTOR: ("监督员 刘洋", None, ()),
    Role.UNIT_HANDLER: ("排水处 陈刚", "dept-drainage", ()),
    Role.GRID_WORKER: ("网格员 赵丽", "grid-330199001001", ("330199001001",)),
}

VIEWPORTS: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1920, "height": 1080}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 3,
        "is_mobile": True,
        "has_touch": True,
    },
}


# --- pages ---------------------------------------------------------------------------------


@dataclass
class BrowserLog:
    """What went wrong in one browser context, as readable lines."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return [
            *(f"console error: {m}" for m in self.console_errors),
            *(f"uncaught error: {m}" for m in self.page_errors),
            *(f"CSP violation: {m}" for m in self.csp_violations),
            *(f"external request: {m}" for m in self.external_requests),
        ]

    def assert_clean(self, *, allow: Iterable[str] = ()) -> None:
        """No problem at all, but those matching one of the `allow` regular expressions (e.g.
        `r"status of 401"`: Chromium logs every failed HTTP answer as a console error)."""
        allowed = [re.compile(pattern) for pattern in allow]
        problems = [p for p in self.problems() if not any(a.search(p) for a in allowed)]
        assert not problems, "the browser reported:\n" + "\n".join(problems)


class OpenedPage(NamedTuple):
    page: Page
    log: BrowserLog


class NewPage(Protocol):
    def __call__(
        self,
        viewport: Viewport | ViewportSize = "desktop",
        *,
        base_url: str | None = None,
        **context_options: Any,
    ) -> OpenedPage: ...


# The page cannot report CSP violations through the console alone reliably (workers, report
# only policies); the DOM event is exact. Bindings and init scripts are not subject to the CSP.
_CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cityopsCspViolation(
    `${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} ` +
    `at ${e.sourceFile || e.documentURI}:${e.lineNumber}`);
});
"""


def external(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in NETWORK_SCHEMES and (parts.hostname or "") not in LOCAL_HOSTS


def watch(context: BrowserContext, log: BrowserLog) -> None:
    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location
            log.console_errors.append(
                f"{message.text} ({where.get('url', '')}:{where.get('lineNumber', '')})"
            )

    def on_page(page: Page) -> None:
        page.on("console", on_console)
        page.on("pageerror", lambda error: log.page_errors.append(f"{error.name}: {error}"))

        def on_websocket(ws: WebSocket) -> None:
            if external(ws.url):
                log.external_requests.append(f"WebSocket {ws.url}")

        page.on("websocket", on_websocket)

    def on_request(request: Request) -> None:
        if external(request.url):
            log.external_requests.append(f"{request.method} {request.url}")

    def guard(route: Route) -> None:
        if external(route.request.url):
            route.abort("blockedbyclient")
        else:
            route.fallback()

    context.on("page", on_page)
    context.on("request", on_request)
    context.route("**/*", guard)
    context.expose_binding(
        "__cityopsCspViolation", lambda _source, text: log.csp_violations.append(str(text))
    )
    context.add_init_script(_CSP_LISTENER)


def new_context(
    browser_new_context: Callable[..., BrowserContext],
    viewport: Viewport | ViewportSize = "desktop",
    base_url: str | None = None,
    **context_options: Any,
) -> tuple[BrowserContext, BrowserLog]:
    """A fresh context (zh-CN, Asia/Shanghai, the viewport) watched by a new `BrowserLog`."""
    size = VIEWPORTS[viewport] if isinstance(viewport, str) else {"viewport": viewport}
    options: dict[str, Any] = {
        "locale": "zh-CN",
        "timezone_id": "Asia/Shanghai",
        **size,
        **context_options,
    }
    if base_url is not None:
        options["base_url"] = base_url
    context = browser_new_context(**options)
    log = BrowserLog()
    watch(context, log)
    return context, log


def screenshot(page: Page, name: str) -> Path:
    """A full-page PNG at test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    stem = SAFE_NAME.sub("-", name).strip("-.") or "shot"
    path = SCREENSHOTS / f"{stem}.png"
    page.screenshot(path=path, full_page=True)
    return path


# --- the server --------------------------------------------------------------------------


@dataclass(frozen=True)
class UiUser:
    username: str
    password: str
    role: Role
    display_name: str
    unit: str | None
    grids: tuple[str, ...]


@dataclass
class UiServer:
    url: str
    runtime: Runtime
    admin_key: str
    """An admin API key, for setting data up through the API (`Authorization: Bearer …`)."""
    users: dict[Role, UiUser]

    def user(self, role: Role | str) -> UiUser:
        return self.users[Role(role)]

    def login(self, page: Page, role: Role | str) -> dict[str, Any]:
        """Sign `role`'s person in through the API with a browser session: the page's context
        gets the session cookie; the answer carries the CSRF token and the user."""
        person = self.user(role)
        response = page.request.post(
            f"{self.url}/api/v1/auth/login",
            data={"username": person.username, "password": person.password, "session": True},
        )
        assert response.ok, f"login as {person.username}: {response.status} {response.text()}"
        body: dict[str, Any] = response.json()
        return body

    def call(self, role: Role | str, method: str, path: str, **kw: Any) -> Any:
        """An API call as `role`'s person (a bearer token from the login API); must succeed."""
        person = self.user(role)
        login = httpx.post(
            f"{self.url}/api/v1/auth/login",
            json={"username": person.username, "password": person.password},
        ).json()
        headers = {"Authorization": f"Bearer {login['access_token']}"}
        answer = httpx.request(method, f"{self.url}{path}", headers=headers, **kw)
        assert answer.is_success, answer.text
        return answer.json()

    def admin(self, method: str, path: str, **kw: Any) -> httpx.Response:
        """An API call with the admin key, for setting data up."""
        headers = {"Authorization": f"Bearer {self.admin_key}"}
        return httpx.request(method, f"{self.url}{path}", headers=headers, **kw)

    def point_in(self, area: str) -> tuple[float, float]:
        """(lon, lat) inside the first grid under `area`."""
        grids = self.admin("GET", "/api/v1/grids").json()["features"]
        grid = next(f for f in grids if f["properties"]["code"].startswith(area))
        inside = shapely.geometry.shape(grid["geometry"]).representative_point()
        return inside.x, inside.y

    def gauge_reports(self, gauge: dict[str, Any], depths: list[float]) -> None:
        """Register the underpass gauge and store its depths (cm), a minute apart, ending now."""
        assert self.admin("POST", "/api/v1/devices", json=gauge).is_success
        now = int(time.time() * 1000)
        readings = [
            {
                "device_id": gauge["id"],
                "ts": now - (len(depths) - 1 - i) * 60_000,
                "values": {"water_level_cm": d},
            }
            for i, d in enumerate(depths)
        ]
        answer = self.admin("POST", "/api/v1/telemetry", json=readings)
        assert answer.json()["accepted"] == len(depths), answer.text


def log_in(page: Page, username: str, password: str = UI_PASSWORD) -> None:
    """Through the login form, as a person does (labels, not CSS selectors)."""
    page.goto("/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()


@contextmanager
def serve(rt: Runtime) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(rt, manage_runtime=False)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="ui-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the UI server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def ui_runtime(data_dir: Path) -> Iterator[tuple[Runtime, dict[Role, UiUser], str]]:
    """A started runtime on a fresh SQLite store under `data_dir`, on the real clock, with the
    sample district, the demo rules, one person per role in `PEOPLE` and an admin API key."""
    settings = Settings(data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'cityops.db'}")
    rt = Runtime(settings, SystemClock())
    upgrade(rt.engine)
    import_district_file(rt.engine, sample_district_path())
    rt.rules.seed(shipped_rules_path("demo"), models=rt.registry.models)
    rt.start(migrate=False)
    try:
        users: dict[Role, UiUser] = {}
        for role, (display_name, unit, grids) in PEOPLE.items():
            rt.users.create(role.value, display_name, UI_PASSWORD, role, unit, grids)
            users[role] = UiUser(role.value, UI_PASSWORD, role, display_name, unit, grids)
        admin_key = rt.api_keys.create("ui tests", Role.ADMIN)[1]
        yield rt, users, admin_key
    finally:
        rt.stop()
