"""Sustained HTTP batch ingest (validate + store) against a real `cityops serve` on SQLite.

Prints readings/s and request latency. Bodies are encoded before the clock starts so the
client spends its CPU on sending, not on building JSON (client and server share the machine).

    .venv/bin/python bench/ingest_http.py --seconds 20 --batch 1000 --concurrency 4
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import httpx
import msgspec

from bench.server import Server, register_gauges, running_server


def bodies(ids: list[str], batch: int, count: int, t0: int) -> list[bytes]:
    out = []
    for n in range(count):
        readings = [
            {
                "device_id": ids[(n * batch + i) % len(ids)],
                "ts": t0 - n * 1000 - i // len(ids),
                "values": {"water_level_cm": float((n + i) % 40), "battery_pct": 90.0},
            }
            for i in range(batch)
        ]
        out.append(msgspec.json.encode(readings))
    return out


async def drive(
    server: Server, payloads: list[bytes], seconds: float, concurrency: int
) -> tuple[int, list[float], float]:
    headers = {"Authorization": f"Bearer {server.api_key}", "content-type": "application/json"}
    accepted = 0
    latencies: list[float] = []
    cursor = 0
    deadline = time.perf_counter() + seconds

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal accepted, cursor
        while time.perf_counter() < deadline and cursor < len(payloads):
            body = payloads[cursor]
            cursor += 1
            started = time.perf_counter()
            answer = await client.post("/api/v1/telemetry", content=body, headers=headers)
            latencies.append(time.perf_counter() - started)
            if answer.status_code == 200:
                accepted += answer.json()["accepted"]
            elif answer.status_code == 503:
                await asyncio.sleep(0.05)

    async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as client:
        begun = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - begun
    return accepted, latencies, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--devices", type=int, default=10_000)
    args = parser.parse_args()

    with running_server() as server:
        ids = register_gauges(server, args.devices)
        t0 = int(time.time() * 1000)
        count = int(args.seconds * 400_000 / args.batch) + 10  # more than the server can take
        payloads = bodies(ids, args.batch, count, t0)
        accepted, latencies, elapsed = asyncio.run(
            drive(server, payloads, args.seconds, args.concurrency)
        )
        stored = httpx.get(
            f"{server.base_url}/api/v1/stats/ingest",
            headers={"Authorization": f"Bearer {server.api_key}"},
        ).json()
    latencies.sort()
    print(
        f"HTTP ingest, embedded SQLite, {args.devices} devices, "
        f"batch {args.batch}, concurrency {args.concurrency}"
    )
    print(f"  accepted readings : {accepted:,} in {elapsed:.1f} s")
    print(f"  throughput        : {accepted / elapsed:,.0f} readings/s")
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    print(f"  requests          : {len(latencies):,}; latency p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    print(
        f"  rows written      : {stored['writer']['rows_written']:,} "
        f"in {stored['writer']['commits']:,} commits"
    )


if __name__ == "__main__":
    main()
