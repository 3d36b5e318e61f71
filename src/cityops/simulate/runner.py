"""The simulator: which device reports when, with what, stamped with real time.

Scenario time runs `speed` times faster than real time from the first tick. Each device
reports every `report_interval_s` of scenario time at its own phase (after a boot report
spread over the first `boot_window_s`), faster while an incident touches it, and at once when
an incident changes its values sharply. Readings carry the real epoch ms of their scheduled
moment, never later than the `now_ms` that released them.

The schedule is a heap of (scenario second, device index); `readings_due` pops what is due.
Camera AI detections are planned up front (`detections.plan_detections`) and released by
`detections_due` in the same way. Nothing depends on wall time except through `now_ms`, so the
same seed and the same sequence of `now_ms` produce the same readings and detections.
"""

from __future__ import annotations

import asyncio
import heapq
import math
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cityops.core.clock import Clock, SystemClock
from cityops.core.errors import ConfigError
from cityops.devices.thing_model import ThingModel, load_shipped_and
from cityops.simulate.detections import ScheduledDetection, plan_detections
from cityops.simulate.fleet import DeviceSpec, build_fleet
from cityops.simulate.generators import device_key, values_at
from cityops.simulate.geography import load_geography
from cityops.simulate.overlays import Overlay, Silence, plan_incidents
from cityops.simulate.scenario import Scenario, resolve_scenario
from cityops.simulate.targets import (
    SendResult,
    Target,
    WireDetection,
    WireReading,
    send_detections,
)


@dataclass(frozen=True)
class _Slot:
    device: DeviceSpec
    model: ThingModel
    overlays: tuple[Overlay, ...]
    silences: tuple[Silence, ...]
    phase_s: float


@dataclass
class RunStats:
    sent: int = 0
    accepted: int = 0
    rejected: int = 0
    scenario_s: float = 0.0
    errors: list[str] = field(default_factory=list)
    """The first few rejection reasons, for the operator."""
    detections_sent: int = 0
    detections_accepted: int = 0
    detections_rejected: int = 0
    detections_skipped: int = 0
    """Detections the target does not deliver (MQTT without an HTTP helper, a bare callback)."""

    def add(self, count: int, result: SendResult) -> None:
        self.sent += count
        self.accepted += result.accepted
        self.rejected += result.rejected
        self._note(result, "#")

    def add_detections(self, count: int, result: SendResult) -> None:
        self.detections_sent += count
        self.detections_accepted += result.accepted
        self.detections_rejected += result.rejected
        self.detections_skipped += result.skipped
        self._note(result, "detection #")

    def _note(self, result: SendResult, prefix: str) -> None:
        room = 20 - len(self.errors)
        self.errors.extend(f"{prefix}{e.index}: {e.reason}" for e in result.errors[: max(room, 0)])


class Simulator:
    def __init__(
        self,
        fleet: Sequence[DeviceSpec],
        models: Mapping[str, ThingModel],
        scenario: Scenario,
        seed: int | None = None,
        speed: float | None = None,
        *,
        start_ms: int | None = None,
        boot_window_s: float = 120.0,
    ) -> None:
        self.fleet = list(fleet)
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else seed
        self.speed = scenario.speed if speed is None else speed
        if self.speed <= 0:
            raise ValueError(f"speed must be positive, not {self.speed}")
        self.start_ms = start_ms
        plan = plan_incidents(scenario, fleet, self.seed)
        self._slots: list[_Slot] = []
        self._heap: list[tuple[float, int]] = []
        for index, device in enumerate(fleet):
            model = models.get(device.model)
            if model is None:
                raise ConfigError(f"device {device.id}: unknown thing model {device.model!r}")
            overlays = plan.get(device.id, ())
            silences = tuple(o for o in overlays if isinstance(o, Silence))
            # Two fixed fractions per device: when it reports after boot, and in each period.
            key = device_key(self.seed, device.id)
            boot = (key & 0xFFFFFFFF) / 2**32 * min(model.report_interval_s, boot_window_s)
            phase = (key >> 32) / 2**32 * model.report_interval_s
            self._slots.append(_Slot(device, model, overlays, silences, phase))
            self._heap.append((boot, index))
        heapq.heapify(self._heap)
        self._last_ts = [0] * len(self._slots)
        silenced = {d for d, ovs in plan.items() if any(isinstance(o, Silence) for o in ovs)}
        self.detections: list[ScheduledDetection] = plan_detections(
            scenario, fleet, self.seed, silenced
        )
        self._next_detection = 0

    def scenario_time(self, now_ms: int) -> float:
        """Scenario seconds at real time `now_ms` (0 before the start)."""
        if self.start_ms is None:
            return 0.0
        return max(now_ms - self.start_ms, 0) / 1000 * self.speed

    def readings_due(self, now_ms: int) -> list[WireReading]:
        """Every reading scheduled up to `now_ms`; the first call fixes the start if unset."""
        if self.start_ms is None:
            self.start_ms = now_ms
        start_ms, speed, heap = self.start_ms, self.speed, self._heap
        now_s = self.scenario_time(now_ms)
        start_clock_s = self.scenario.start_clock_s
        due: list[WireReading] = []
        while heap and heap[0][0] <= now_s:
            t, index = heapq.heappop(heap)
            slot = self._slots[index]
            heapq.heappush(heap, (self._next_report(slot, t), index))
            if any(s.active(t) for s in slot.silences):
                continue
            ts = max(start_ms + math.floor(t / speed * 1000), self._last_ts[index] + 1)
            self._last_ts[index] = ts
            values = values_at(
                self.seed,
                slot.device,
                slot.model,
                t,
                start_clock_s=start_clock_s,
                overlays=slot.overlays,
            )
            due.append({"device_id": slot.device.id, "ts": ts, "values": values})
        return due

    def detections_due(self, now_ms: int) -> list[WireDetection]:
        """Every planned detection up to `now_ms`, stamped with the real time of its moment."""
        if self.start_ms is None:
            self.start_ms = now_ms
        now_s = self.scenario_time(now_ms)
        due: list[WireDetection] = []
        while self._next_detection < len(self.detections):
            planned = self.detections[self._next_detection]
            if planned.t_s > now_s:
                break
            self._next_detection += 1
            due.append(planned.wire(self.start_ms + math.floor(planned.t_s / self.speed * 1000)))
        return due

    @staticmethod
    def _next_report(slot: _Slot, t: float) -> float:
        interval = slot.model.report_interval_s
        after = slot.phase_s + (math.floor((t - slot.phase_s) / interval) + 1) * interval
        if after <= t + 1e-6:  # float rounding put us back on `t`
            after += interval
        for overlay in slot.overlays:
            if overlay.active(t) and not isinstance(overlay, Silence):
                after = min(after, t + overlay.report_every_s)
            upcoming = [e for e in overlay.events() if e > t + 1e-6]
            if upcoming:
                after = min(after, upcoming[0])
        return after

    async def run(
        self,
        target: Target,
        duration_s: float | None = None,
        clock: Clock | None = None,
        *,
        tick_s: float = 0.5,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        progress: Callable[[RunStats], None] | None = None,
    ) -> RunStats:
        """Send due readings every `tick_s` until `duration_s` real seconds have passed
        (default: the scenario's length at this speed). With a fake clock, pass a `sleep`
        that advances it."""
        clock = clock or SystemClock()
        if duration_s is None:
            duration_s = self.scenario.duration_s / self.speed
        started = clock.now_ms()
        if self.start_ms is None:
            self.start_ms = started
        end_ms = started + round(duration_s * 1000)
        stats = RunStats()
        while True:
            now = min(clock.now_ms(), end_ms)
            readings = self.readings_due(now)
            if readings:
                stats.add(len(readings), await target.send(readings))
            detections = self.detections_due(now)
            if detections:
                stats.add_detections(len(detections), await send_detections(target, detections))
            stats.scenario_s = self.scenario_time(now)
            if progress is not None:
                progress(stats)
            if now >= end_ms:
                return stats
            await sleep(min(tick_s, (end_ms - now) / 1000))


def prepare_simulator(
    scenario: str | Scenario = "demo",
    *,
    scale: int = 1000,
    seed: int | None = None,
    speed: float | None = None,
    models_dir: Path | None = None,
) -> Simulator:
    """The simulator for a shipped scenario name (or YAML path) over the sample district's
    fleet of `scale` devices; seed and speed default to the scenario's."""
    if isinstance(scenario, str):
        scenario = resolve_scenario(scenario)
    seed = scenario.seed if seed is None else seed
    fleet = build_fleet(scale, seed=seed, geo=load_geography())
    return Simulator(fleet, load_shipped_and(models_dir), scenario, seed=seed, speed=speed)
