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
import yaml

from bench.server import BIN, Server, running_server
from cityops.district.loader import sample_district_path
from cityops.rules.service import shipped_rules_path
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
    """District, demo rules, fleet and a person to log in; returns the registration time (s)."""
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
        for rule in yaml.safe_load(shipped_rules_path().read_text(encoding="utf-8"))["rules"]:
            client.post("/api/v1/rules", json=rule).raise_for_status()  # a running server
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


def browser_draw_s(server: Server, devices: int, samples: int) -> tuple[float, list[float]]:
    """Seconds from opening the screen (logged in) until the map holds every device; then,
    for `samples` underpass gauges, the milliseconds from posting a flooding reading to its
    event showing in the screen's live feed (HTTP → store → rules → event → SSE → page)."""
    from playwright.sync_api import sync_playwright  # only with --browser

    gauges = [s.id for s in build_fleet(scale=devices) if s.model == "underpass_water_level"]
    headers = {"Authorization": f"Bearer {server.api_key}"}
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
        page.wait_for_selector(".live.on")  # the SSE stream is open
        latencies = []
        for n, gauge in enumerate(gauges[:samples], start=1):
            reading = {
                "device_id": gauge,
                "ts": int(time.time() * 1000),
                "values": {"water_level_cm": 30.0},
            }
            sent = time.perf_counter()
            httpx.post(f"{server.base_url}/api/v1/telemetry", json=reading, headers=headers)
            page.wait_for_function(
                "n => document.querySelectorAll('[data-testid=event-feed] li').length >= n",
                arg=n,
                polling="raf",
            )
            latencies.append((time.perf_counter() - sent) * 1000)
        browser.close()
    return elapsed, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--browser", action="store_true", help="also time Chromium's drawing")
    parser.add_argument("--feed-samples", type=int, default=50, help="readings → live feed")
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
            draw, feed = "      -", ""
            if args.browser:
                drawn_s, latencies = browser_draw_s(server, devices, args.feed_samples)
                draw = f"{drawn_s:7.1f}"
                q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies
                p50 = statistics.median(latencies)
                feed = f"   reading → feed p50 {p50:.0f} ms p99 {q[-1]:.0f} ms"
            print(
                f"{devices:>8} {registering:>10.1f} {feed_ms:>8.0f} {feed_bytes / 1e3:>8.0f}"
                f" {grids_ms:>8.0f} {overview_ms:>11.0f} {draw}{feed}",
                flush=True,
            )


if __name__ == "__main__":
    main()
