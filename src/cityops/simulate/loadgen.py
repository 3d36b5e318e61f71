"""Load generator: valid readings at a fixed rate, to find where the ingest path saturates.

Unlike the simulator it ignores report intervals: it cycles through the fleet and sends as
many readings as the rate allows. Each device's timestamps are unique and increasing; they
stay at real time as long as the fleet is larger than `rate_per_s / 1000`, else they run
ahead by a millisecond per extra reading. A slow target slows the loop, and the report shows
the rate actually achieved (by `clock`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from cityops.core.clock import Clock, SystemClock
from cityops.devices.thing_model import ThingModel, load_shipped_and
from cityops.simulate.fleet import DeviceSpec
from cityops.simulate.generators import values_at
from cityops.simulate.targets import SendResult, Target, WireReading


@dataclass(frozen=True)
class BlastReport:
    sent: int
    accepted: int
    rejected: int
    elapsed_s: float

    @property
    def readings_per_s(self) -> float:
        return self.sent / self.elapsed_s if self.elapsed_s > 0 else 0.0


async def blast(
    target: Target,
    fleet: Sequence[DeviceSpec],
    rate_per_s: float,
    duration_s: float,
    *,
    models: Mapping[str, ThingModel] | None = None,
    seed: int = 7,
    clock: Clock | None = None,
    tick_s: float = 0.05,
    max_batch: int = 5000,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> BlastReport:
    """Send about `rate_per_s` readings per second for `duration_s` seconds."""
    if not fleet or rate_per_s <= 0:
        raise ValueError("blast needs a non-empty fleet and a positive rate")
    models = models or load_shipped_and()
    kinds = [models[d.model] for d in fleet]
    clock = clock or SystemClock()
    last_ts = [0] * len(fleet)
    start_ms = clock.now_ms()
    sent = 0
    total = SendResult()
    cursor = 0
    while True:
        now = clock.now_ms()
        elapsed = (now - start_ms) / 1000
        want = min(int(rate_per_s * min(elapsed, duration_s)) - sent, max_batch)
        batch: list[WireReading] = []
        for _ in range(max(want, 0)):
            i = cursor % len(fleet)
            cursor += 1
            ts = max(now, last_ts[i] + 1)
            last_ts[i] = ts
            values = values_at(seed, fleet[i], kinds[i], elapsed)
            batch.append({"device_id": fleet[i].id, "ts": ts, "values": values})
        if batch:
            total += await target.send(batch)
            sent += len(batch)
        if elapsed >= duration_s:  # a backlog left by a slow target is not sent late
            break
        if want < max_batch:  # caught up: wait for the next slice of the rate
            await sleep(tick_s)
    elapsed_s = (clock.now_ms() - start_ms) / 1000
    return BlastReport(sent, total.accepted, total.rejected, elapsed_s)
