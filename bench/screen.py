"""The operations screen at district scale: how big and how slow its map feed, grid counts and
overview get as the fleet grows, and how long Chromium takes to draw the map.

For each fleet size: a fresh `cityops serve` (embedded SQLite) with the sample district and
that many simulated devices; then the median of several GETs of /api/v1/screen/devices (the
screen's default limit: beyond 20,000 devices it answers `truncated` and the map draws counts
per grid), /api/v1/screen/grids and /api/v1/screen/overview, and, with --browser, the time
from opening the screen until the map holds its devices (points, or the per-grid counts)
and has drawn a frame, in Debian's Chromium.

    .venv/bin/python -m bench.screen --devices 10000 50000 240000 --browser
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time

import httpx
import msgspec

from bench.server import BIN, Server, running_server
from cityops.district.loader import sample_district_path
from cityops.simulate import build_fleet

PASSWORD = "Bench-Screen-2026!"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


def prepare(server: Server, devices: int) -> float:
    """District, fleet and a person to log in; returns the registration time (s)."""
    district = [BIN / "cityops", "import", "district", str(sample_district_path())]
    subprocess.run(district, env=server.env, check=True, capture_output=True)
    subprocess.run(
        [BIN / "cityops", "user", "create", "wall", "--role", "viewer", "--password-stdin"],
        input=PASSWORD.encode(),
        env=server.env,
        check=True,
        capture_output=True,
    )
    fleet = build_fleet(scale=devices)
    headers = {"Authorization": f"Bearer {server.api_key}"}
    started = time.perf_counter()
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=600) as client:
        for start in range(0, len(fleet), 10_000):
            body = [msgspec.to_builtins(s) for s in fleet[start : start + 10_000]]
            client.post("/api/v1/devices", json=body).raise_for_status()
    return time.perf_counter() - started


def timed_get(server: Server, path: str, repeat: int) -> tuple[float, int]:
    """Median milliseconds and the body size of `repeat` GETs, 2.5 s apart so that none is
    served from the two-second device status cache (each pays the full count)."""
    headers = {"Authorization": f"Bearer {server.api_key}"}
    times, size = [], 0
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=600) as client:
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
            size = len(response.content)
            time.sleep(2.5)
    return statistics.median(times), size


def browser_draw_s(server: Server, devices: int) -> float:
    """Seconds from opening the screen (logged in) until the map holds every device."""
    from playwright.sync_api import sync_playwright  # only with --browser

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        page.goto(server.base_url + "/")
        page.get_by_label("用户名").fill("wall")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.get_by_role("button", name="退出登录").wait_for()
        started = time.perf_counter()
        page.goto(server.base_url + "/#/screen")
        drawn = f'[data-devices="{devices}"], [data-aggregate="true"]'
        page.wait_for_selector(drawn, timeout=600_000)
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => r(null)))")
        elapsed = time.perf_counter() - started
        browser.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--browser", action="store_true", help="also time Chromium's drawing")
    args = parser.parse_args()
    print(
        f"{'devices':>8} {'register s':>10} {'feed ms':>8} {'feed KB':>8} {'grids ms':>8}"
        f" {'overview ms':>11} {'draw s':>7}"
    )
    for devices in args.devices:
        with running_server() as server:
            registering = prepare(server, devices)
            feed_ms, feed_bytes = timed_get(server, "/api/v1/screen/devices", args.repeat)
            grids_ms, _ = timed_get(server, "/api/v1/screen/grids", args.repeat)
            overview_ms, _ = timed_get(server, "/api/v1/screen/overview", args.repeat)
            draw = f"{browser_draw_s(server, devices):7.1f}" if args.browser else "      -"
            print(
                f"{devices:>8} {registering:>10.1f} {feed_ms:>8.0f} {feed_bytes / 1e3:>8.0f}"
                f" {grids_ms:>8.0f} {overview_ms:>11.0f} {draw}",
                flush=True,
            )


if __name__ == "__main__":
    main()
