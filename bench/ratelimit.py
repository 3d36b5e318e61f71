"""What the per-device rate limit costs on the ingest hot path (prints figures; not a test).

    .venv/bin/python -m bench.ratelimit

Readings a second through `IngestService.prepare` for 10,000 gauges, as a gateway posts them
(arrays of 1,000 readings, an ingest key) and as devices publish them over MQTT (one reading a
call, the device's own principal): without a limiter (the pipeline before it, from git HEAD),
with the limiter switched off, and with it on. Median of interleaved rounds, in CPU time.
"""

from __future__ import annotations

import importlib.util
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import sqlalchemy as sa

from cityops.auth.tokens import Principal, PrincipalKind, Role
from cityops.core.clock import SystemClock
from cityops.core.types import Source
from cityops.devices.registry import Device, DeviceRegistry, MaintenanceState
from cityops.devices.thing_model import load_shipped_and
from cityops.ingest.pipeline import IngestService
from cityops.ingest.ratelimit import RateLimiter, RateLimits
from cityops.ingest.writer import Writer

DEVICES = 10_000
BATCH = 1000
GATEWAY = Principal(PrincipalKind.API_KEY, "gw", Role.INGEST)


def registry() -> DeviceRegistry:
    reg = DeviceRegistry(load_shipped_and(None))
    state = MaintenanceState.IN_SERVICE
    gauges = (
        Device(
            f"UWL-{i:05d}", "underpass_water_level", "g", 120.3, 30.3, None, "u", (), None, state, 0
        )
        for i in range(DEVICES)
    )
    reg.add((g, f"h-{g.id}") for g in gauges)
    return reg


def head_service_class() -> Any:
    """`IngestService` as committed before the limiter, to measure against."""
    source = subprocess.run(
        ["git", "show", "HEAD:src/cityops/ingest/pipeline.py"],
        capture_output=True, check=True, text=True,
    ).stdout  # fmt: skip
    path = Path(tempfile.mkdtemp()) / "pipeline_head.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("pipeline_head", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.IngestService


def rounds(run: Callable[[], int], n: int) -> list[float]:
    """Readings per CPU second of this process: other work on the machine does not count."""
    out = []
    for _ in range(n):
        start = time.process_time()
        readings = run()
        out.append(readings / (time.process_time() - start))
    return out


def main() -> None:
    reg, clock = registry(), SystemClock()
    writer = Writer(sa.create_engine("sqlite://"), now_ms=clock.now_ms)
    now = clock.now_ms()
    ids = [f"UWL-{i:05d}" for i in range(DEVICES)]
    batches = [
        msgspec.json.encode([
            {"device_id": ids[(n * BATCH + i) % DEVICES], "ts": now - n * BATCH - i,
             "values": {"water_level_cm": 12.5, "battery_pct": 80.0}}
            for i in range(BATCH)
        ])
        for n in range(20)
    ]  # fmt: skip
    singles = [
        (d, msgspec.json.encode({"ts": now - i, "values": {"water_level_cm": 12.5}}))
        for i, d in enumerate(ids[:5000])
    ]
    off = RateLimiter(RateLimits(enabled=False))
    services = {
        "no limiter (HEAD)": head_service_class()(reg, writer, clock),
        "limiter off": IngestService(reg, writer, clock, limiter=off),
        "limiter on": IngestService(reg, writer, clock, limiter=RateLimiter()),
    }

    def gateway(svc: Any) -> Callable[[], int]:
        def run() -> int:
            for body in batches:
                assert svc.prepare(body, source=Source.HTTP, principal=GATEWAY).accepted == BATCH
            return len(batches) * BATCH

        return run

    def mqtt(svc: Any) -> Callable[[], int]:
        def run() -> int:
            for device, body in singles:
                principal = Principal(PrincipalKind.DEVICE, device)
                svc.prepare(body, source=Source.MQTT, principal=principal, topic_device=device)
            return len(singles)

        return run

    for label, workload in (("gateway arrays of 1,000", gateway), ("MQTT, one a call", mqtt)):
        results: dict[str, list[float]] = {name: [] for name in services}
        for _ in range(5):  # interleaved, so drift hits every variant alike
            for name, svc in services.items():
                results[name] += rounds(workload(svc), 3)
        base = statistics.median(results["no limiter (HEAD)"])
        print(f"{label}:")
        for name, rates in results.items():
            median = statistics.median(rates)
            print(f"  {name:18} median {median:>9,.0f}/s  best {max(rates):>9,.0f}/s"
                  f"  ({(median / base - 1) * 100:+.1f}% vs HEAD)")  # fmt: skip


if __name__ == "__main__":
    main()
