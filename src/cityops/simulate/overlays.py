"""Incidents resolved against a fleet: per device, what changes and when.

`plan_incidents` turns a scenario's incidents into overlays keyed by device id. An overlay is
pure data with a curve over scenario time; the generators read it, the runner reads its
`report_every_s`, `active` window and `events` (moments of sharp change worth a report).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from cityops.core.errors import ConfigError
from cityops.simulate.fleet import DeviceSpec, venue_partner
from cityops.simulate.scenario import (
    Detections,
    Dropout,
    FireAlarm,
    Incident,
    ManholeDisplaced,
    PollutionSpill,
    Rainstorm,
    Scenario,
)


def smoothstep(x: float) -> float:
    x = min(max(x, 0.0), 1.0)
    return x * x * (3.0 - 2.0 * x)


@dataclass(frozen=True)
class Window:
    start_s: float
    end_s: float
    report_every_s: float

    def active(self, t: float) -> bool:
        return self.start_s <= t < self.end_s

    def events(self) -> tuple[float, ...]:
        return (self.start_s, self.end_s)


@dataclass(frozen=True)
class Flood(Window):
    rise_s: float
    hold_s: float
    peak_cm: float

    def level_cm(self, t: float) -> float:
        """Depth over the dry reading: a smooth rise, a slightly wavering hold, a drain."""
        x = t - self.start_s
        if not self.active(t):
            return 0.0
        if x < self.rise_s:
            return self.peak_cm * smoothstep(x / self.rise_s)
        if x < self.rise_s + self.hold_s:
            return self.peak_cm * (1.0 - 0.03 * (x - self.rise_s) / self.hold_s)
        recede = self.end_s - self.start_s - self.rise_s - self.hold_s
        return self.peak_cm * 0.97 * (1.0 - smoothstep((x - self.rise_s - self.hold_s) / recede))


@dataclass(frozen=True)
class Spill(Window):
    plateau_end_s: float
    ramp_s: float
    nh3n_mg_l: float
    cod_mg_l: float
    do_mg_l: float

    def severity(self, t: float) -> float:
        """0 = normal river, 1 = the spill's target values (held from ramp end to plateau end)."""
        if not self.active(t):
            return 0.0
        if t < self.plateau_end_s:
            return smoothstep((t - self.start_s) / self.ramp_s) if self.ramp_s else 1.0
        return 1.0 - smoothstep((t - self.plateau_end_s) / (self.end_s - self.plateau_end_s))


@dataclass(frozen=True)
class Fire(Window):
    smoke_at_s: float

    def heat(self, t: float) -> float:
        """Electrical fault severity: climbs until smoke appears, then stays."""
        if not self.active(t):
            return 0.0
        return smoothstep((t - self.start_s) / max(self.smoke_at_s - self.start_s, 1.0))

    def smoke(self, t: float) -> float:
        """Smoke density 0..1: already enough to alarm at `smoke_at_s`, dense a minute later."""
        if not self.active(t) or t < self.smoke_at_s:
            return 0.0
        return smoothstep((t - self.smoke_at_s + 30.0) / 90.0)

    def events(self) -> tuple[float, ...]:
        return (self.start_s, self.smoke_at_s, self.end_s)


@dataclass(frozen=True)
class Displacement(Window):
    tilt_deg: float


@dataclass(frozen=True)
class Silence(Window):
    """The device sends nothing in the window and reports again at its end."""

    def events(self) -> tuple[float, ...]:
        return (self.end_s,)


Overlay = Flood | Spill | Fire | Displacement | Silence
Plan = dict[str, tuple[Overlay, ...]]


def plan_incidents(scenario: Scenario, fleet: Sequence[DeviceSpec], seed: int) -> Plan:
    """Resolve every incident to the devices it touches; unknown names raise ConfigError."""
    by_id = {d.id: d for d in fleet}
    plan: dict[str, list[Overlay]] = {}
    for index, incident in enumerate(scenario.incidents):
        rng = random.Random(seed * 1_000_003 + index)
        where = f"scenario {scenario.name!r}: incidents.{index} ({incident.kind})"
        for device_id, overlay in _resolve(incident, fleet, by_id, rng, where):
            plan.setdefault(device_id, []).append(overlay)
    return {device_id: tuple(overlays) for device_id, overlays in plan.items()}


def _resolve(
    incident: Incident,
    fleet: Sequence[DeviceSpec],
    by_id: dict[str, DeviceSpec],
    rng: random.Random,
    where: str,
) -> list[tuple[str, Overlay]]:
    match incident:
        case Rainstorm():
            return _rainstorm(incident, fleet, by_id, rng, where)
        case PollutionSpill():
            station = _one(incident.station, "WQS-", "water_quality_station", fleet, by_id, rng)
            if station is None:
                raise ConfigError(f"{where}.station: no water-quality station {incident.station!r}")
            spill = Spill(
                start_s=incident.start_s,
                end_s=incident.end_s,
                report_every_s=incident.report_every_s,
                plateau_end_s=incident.start_s + incident.duration_s,
                ramp_s=incident.ramp_s,
                nh3n_mg_l=incident.nh3n_mg_l,
                cod_mg_l=incident.cod_mg_l,
                do_mg_l=incident.do_mg_l,
            )
            return [(station, spill)]
        case FireAlarm():
            return _fire(incident, fleet, by_id, rng, where)
        case ManholeDisplaced():
            cover = _one(incident.device, "", "manhole_tilt_sensor", fleet, by_id, rng)
            if cover is None:
                raise ConfigError(f"{where}.device: no manhole sensor {incident.device!r}")
            tilt = Displacement(
                incident.start_s, incident.end_s, incident.report_every_s, incident.tilt_deg
            )
            return [(cover, tilt)]
        case Dropout():
            return _dropout(incident, fleet, by_id, rng, where)
        case Detections():
            return []  # no change to readings: `detections.plan_detections` schedules them


def _one(
    name: str | None,
    prefix: str,
    model: str,
    fleet: Sequence[DeviceSpec],
    by_id: dict[str, DeviceSpec],
    rng: random.Random,
) -> str | None:
    """The named device of `model` (by device id or prefix + place id), or one picked by seed."""
    if name is None:
        candidates = [d.id for d in fleet if d.model == model]
        return rng.choice(candidates) if candidates else None
    for device_id in (name, prefix + name):
        device = by_id.get(device_id)
        if device is not None and device.model == model:
            return device_id
    return None


def _rainstorm(
    storm: Rainstorm,
    fleet: Sequence[DeviceSpec],
    by_id: dict[str, DeviceSpec],
    rng: random.Random,
    where: str,
) -> list[tuple[str, Overlay]]:
    named: list[str] = []
    for name in storm.underpasses:
        gauge = _one(name, "UWL-", "underpass_water_level", fleet, by_id, rng)
        if gauge is None:
            raise ConfigError(f"{where}.underpasses: no underpass gauge {name!r}")
        named.append(gauge)
    others = [d.id for d in fleet if d.model == "underpass_water_level" and d.id not in named]
    if storm.count > len(others):
        raise ConfigError(f"{where}.count: {storm.count} but only {len(others)} more underpasses")
    chosen = named + sorted(rng.sample(others, storm.count))
    # Stratified peaks: spread over the whole range, so some gauges cross the deep bands.
    low, high = storm.peak_cm
    slots = list(range(len(chosen)))
    rng.shuffle(slots)
    overlays: list[tuple[str, Overlay]] = []
    for gauge, slot in zip(chosen, slots, strict=True):
        peak = low + (high - low) * (slot + rng.random()) / len(chosen)
        start = storm.start_s + rng.uniform(0, storm.stagger_s)
        end = start + storm.rise_s + storm.hold_s + storm.recede_s
        flood = Flood(start, end, storm.report_every_s, storm.rise_s, storm.hold_s, round(peak, 1))
        overlays.append((gauge, flood))
    return overlays


def _fire(
    fire: FireAlarm,
    fleet: Sequence[DeviceSpec],
    by_id: dict[str, DeviceSpec],
    rng: random.Random,
    where: str,
) -> list[tuple[str, Overlay]]:
    if fire.venue is None:
        venues = [d.id for d in fleet if d.model == "smoke_detector" and venue_partner(d.id)]
        detector = rng.choice(venues) if venues else None
    else:
        name = fire.venue if "-" in fire.venue else f"SMK-{fire.venue}"
        detector = name if name.startswith("SMK-") else venue_partner(name)
    sensor = venue_partner(detector) if detector else None
    if detector is None or sensor is None or detector not in by_id or sensor not in by_id:
        raise ConfigError(f"{where}.venue: no venue with both fire sensors for {fire.venue!r}")
    smoke_at = fire.start_s + fire.smoke_after_s
    overlay = Fire(fire.start_s, fire.end_s, fire.report_every_s, smoke_at)
    return [(detector, overlay), (sensor, overlay)]


def _dropout(
    dropout: Dropout,
    fleet: Sequence[DeviceSpec],
    by_id: dict[str, DeviceSpec],
    rng: random.Random,
    where: str,
) -> list[tuple[str, Overlay]]:
    unknown = [d for d in dropout.devices if d not in by_id]
    if unknown:
        raise ConfigError(f"{where}.devices: unknown devices {', '.join(unknown)}")
    pool = [d.id for d in fleet if not dropout.models or d.model in dropout.models]
    if dropout.models and not pool:
        raise ConfigError(f"{where}.models: no devices of models {', '.join(dropout.models)}")
    picked = rng.sample(pool, round(len(pool) * dropout.fraction))
    silence = Silence(dropout.start_s, dropout.end_s, report_every_s=float("inf"))
    return [(d, silence) for d in dict.fromkeys([*dropout.devices, *sorted(picked)])]
