"""Detection: readings/s through validate + rules + store, and breach-to-SSE latency.

Runs a real `cityops serve` (embedded SQLite) with the shipped demo rule set and a mixed fleet
of the sample district's device models.

1. Throughput: batches of normal readings (most rules evaluate, few breach) over HTTP; the
   figure counts a reading once it is stored AND evaluated by the rule engine.
2. Latency: one breaching gauge reading per request, while an SSE client listens; the time
   from sending the reading to receiving its event on the stream, p50 and p99.

    .venv/bin/python -m bench.detect --seconds 20 --latency-samples 200
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import msgspec
import yaml

from bench.server import Server, running_server
from cityops.devices.thing_model import ThingModel, load_shipped_and
from cityops.simulate import build_fleet
from cityops.simulate.fleet import DeviceSpec

DEMO_RULES = Path(__file__).resolve().parent.parent / "src/cityops/data/rules/demo.yaml"

NORMAL: dict[str, dict[str, Any]] = {
    "underpass_water_level": {"water_level_cm": 0.5, "battery_pct": 80.0, "signal_dbm": -85},
    "water_quality_station": {
        "do_mg_l": 6.8,
        "nh3n_mg_l": 0.4,
        "cod_mg_l": 14.0,
        "ph": 7.4,
        "turbidity_ntu": 12.0,
    },
    "smoke_detector": {"smoke_alarm": False, "temperature_c": 22.0, "battery_pct": 75.0},
    "electrical_fire_sensor": {"residual_current_ma": 40.0, "cable_temp_c": 32.0},
    "manhole_tilt_sensor": {"tilt_deg": 1.0, "displaced": False, "battery_pct": 70.0},
    "camera": {"stream_ok": True, "storage_used_pct": 40.0},
}


def register(server: Server, fleet: list[DeviceSpec]) -> None:
    headers = {"Authorization": f"Bearer {server.api_key}"}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=120) as client:
        for start in range(0, len(fleet), 5000):
            body = [msgspec.to_builtins(s) for s in fleet[start : start + 5000]]
            client.post(
                "/api/v1/devices", json=body, params={"skip_existing": "true"}
            ).raise_for_status()


def bodies(
    fleet: list[DeviceSpec], models: dict[str, ThingModel], batch: int, count: int
) -> list[bytes]:
    rng = random.Random(7)
    t0 = int(time.time() * 1000) - 3_600_000
    out = []
    for n in range(count):
        items = []
        for i in range(batch):
            spec = fleet[(n * batch + i) % len(fleet)]
            values = {
                k: (v * rng.uniform(0.95, 1.05) if isinstance(v, float) else v)
                for k, v in NORMAL[spec.model].items()
                if k in models[spec.model].by_id
            }
            items.append(
                {"device_id": spec.id, "ts": t0 + n * 10 + i // len(fleet), "values": values}
            )
        out.append(msgspec.json.encode(items))
    return out


def seed_rules(server: Server) -> None:
    """Create the shipped demo rules through the API, as an operator would on a live server."""
    data = yaml.safe_load(DEMO_RULES.read_text(encoding="utf-8"))
    headers = {"Authorization": f"Bearer {server.api_key}"}
    for rule in data["rules"] if isinstance(data, dict) else data:
        httpx.post(f"{server.base_url}/api/v1/rules", json=rule, headers=headers).raise_for_status()


def stats(server: Server) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {server.api_key}"}
    result: dict[str, Any] = httpx.get(
        f"{server.base_url}/api/v1/stats/ingest", headers=headers
    ).json()
    return result


async def throughput(server: Server, payloads: list[bytes], seconds: float) -> tuple[int, float]:
    headers = {"Authorization": f"Bearer {server.api_key}", "content-type": "application/json"}
    sent = 0
    cursor = 0
    deadline = time.perf_counter() + seconds

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal sent, cursor
        while time.perf_counter() < deadline and cursor < len(payloads):
            body = payloads[cursor]
            cursor += 1
            answer = await client.post("/api/v1/telemetry", content=body, headers=headers)
            if answer.status_code == 200:
                sent += answer.json()["accepted"]

    begun = time.perf_counter()
    async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as client:
        await asyncio.gather(*(worker(client) for _ in range(4)))
    while stats(server)["detector"]["evaluated"] < sent:  # wait until the rules caught up
        await asyncio.sleep(0.05)
    return sent, time.perf_counter() - begun


def latency(server: Server, gauges: list[str], samples: int) -> list[float]:
    headers = {"Authorization": f"Bearer {server.api_key}"}
    sent_at: dict[str, float] = {}
    delays: list[float] = []
    done = threading.Event()

    def listen() -> None:
        with httpx.stream(
            "GET", f"{server.base_url}/api/v1/events/stream", headers=headers, timeout=60
        ) as r:
            for line in r.iter_lines():
                if line.startswith("data: "):
                    event = msgspec.json.decode(line[6:])
                    started = sent_at.pop(event.get("device_id") or "", None)
                    if started is not None and event["status"] == "active":
                        delays.append(time.perf_counter() - started)
                        if len(delays) >= samples:
                            done.set()
                            return

    threading.Thread(target=listen, daemon=True).start()
    time.sleep(0.5)
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=10) as client:
        for i in range(samples):  # a gauge breaching again updates its event: still a message
            device_id = gauges[i % len(gauges)]
            reading = {
                "device_id": device_id,
                "ts": int(time.time() * 1000),
                "values": {"water_level_cm": 45.0},
            }
            sent_at[device_id] = time.perf_counter()
            client.post("/api/v1/telemetry", json=reading).raise_for_status()
            time.sleep(0.05)
    done.wait(30)
    return delays


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--scale", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--latency-samples", type=int, default=200)
    parser.add_argument("--no-rules", action="store_true", help="baseline: the same load, no rules")
    args = parser.parse_args()
    models = load_shipped_and()
    fleet = build_fleet(args.scale, seed=7)
    gauges = [s.id for s in fleet if s.model == "underpass_water_level"]
    with running_server() as server:
        if not args.no_rules:
            seed_rules(server)
        register(server, fleet)
        rules = httpx.get(
            f"{server.base_url}/api/v1/rules", headers={"Authorization": f"Bearer {server.api_key}"}
        ).json()
        payloads = bodies(fleet, models, args.batch, int(args.seconds * 200_000 / args.batch) + 10)
        sent, elapsed = asyncio.run(throughput(server, payloads, args.seconds))
        delays = [] if args.no_rules else sorted(latency(server, gauges, args.latency_samples))
    active = sum(
        1
        for r in (rules if isinstance(rules, list) else rules.get("items", []))
        if r.get("enabled", True)
    )
    print(
        f"Detection on embedded SQLite: {len(fleet):,} devices of 6 models, {active} rules enabled"
    )
    print(
        f"  validate + store + rules : {sent:,} readings in {elapsed:.1f} s "
        f"= {sent / elapsed:,.0f} readings/s"
    )
    if delays:
        p50 = statistics.median(delays) * 1000
        p99 = delays[max(0, int(len(delays) * 0.99) - 1)] * 1000
        print(
            f"  breach → SSE event       : {len(delays)} samples, "
            f"p50 {p50:.1f} ms, p99 {p99:.1f} ms"
        )


if __name__ == "__main__":
    main()
