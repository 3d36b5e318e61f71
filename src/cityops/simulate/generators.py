"""Plausible property values per thing model, as pure functions of (seed, device, time).

Randomness comes from hashing (seed, device id, salt, second) rather than from a shared
generator, so a value does not depend on what was generated before it: the same moment reads
the same however the simulator is ticked. Each model has one small function in `GENERATORS`;
`conform` then fits the result to the thing model (type, range, required), so nothing the
simulator sends is invalid even for a model without a generator of its own.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from cityops.core.types import Value
from cityops.devices.thing_model import DataType, Property, ThingModel
from cityops.simulate.fleet import DeviceSpec
from cityops.simulate.overlays import Displacement, Fire, Flood, Overlay, Spill

_MASK = (1 << 64) - 1
DAY_S = 86_400
T = TypeVar("T")


def _mix(x: int) -> int:
    """splitmix64's finaliser: a cheap, well-spread 64-bit hash."""
    x = (x + 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    return x ^ (x >> 31)


@dataclass(frozen=True)
class Moment:
    """One device at one scenario time, with its deterministic randomness."""

    key: int
    device: DeviceSpec
    t_s: float
    hour: float
    overlays: Sequence[Overlay]

    def trait(self, salt: int) -> float:
        """A fixed property of the device in [0, 1): its own baseline, battery, habits."""
        return _mix(self.key ^ (salt * 0x1000193)) / 2.0**64

    def noise(self, salt: int) -> float:
        """Fresh every second, in [-1, 1)."""
        return _mix(self.key ^ (salt * 0x1000193) ^ (int(self.t_s) << 20)) / 2.0**63 - 1.0

    def daily(self, peak_hour: float) -> float:
        """A cosine day cycle in [-1, 1] that peaks at `peak_hour` local time."""
        return math.cos(2 * math.pi * (self.hour - peak_hour) / 24)

    def battery(self, drain_pct_per_day: float) -> float:
        start = 55 + 45 * self.trait(90)
        return max(start - drain_pct_per_day * (0.5 + self.trait(91)) * self.t_s / DAY_S, 2.0)

    def overlay(self, kind: type[T]) -> T | None:
        return next((o for o in self.overlays if isinstance(o, kind)), None)


def _underpass_water_level(m: Moment) -> dict[str, Value]:
    # Dry underpasses read 0-1 cm: sensor offset, puddles, passing traffic.
    depth = 0.1 + 0.5 * m.trait(1) + 0.3 * m.noise(1)
    depth += sum(o.level_cm(m.t_s) for o in m.overlays if isinstance(o, Flood))
    return {
        "water_level_cm": depth,
        "battery_pct": m.battery(0.08),
        "signal_dbm": round(-102 + 25 * m.trait(2) + 3 * m.noise(2)),
    }


def _water_quality_station(m: Moment) -> dict[str, Value]:
    # Photosynthesis lifts DO and pH in the afternoon; sewage lifts NH3-N in the morning.
    do = 6.0 + 2.0 * m.trait(1) + 1.5 * m.daily(15) + 0.15 * m.noise(1)
    nh3n = 0.25 + 0.6 * m.trait(2) + 0.1 * m.daily(8) + 0.03 * m.noise(2)
    cod = 12 + 8 * m.trait(3) + 1.5 * m.daily(9) + 0.5 * m.noise(3)
    ph = 7.3 + 0.4 * m.trait(4) + 0.2 * m.daily(15) + 0.03 * m.noise(4)
    turbidity = 8 + 20 * m.trait(5) + 1.5 * m.noise(5)
    spill = m.overlay(Spill)
    if spill is not None and (s := spill.severity(m.t_s)) > 0:
        # Noise pushes only to the worse side, so the plateau stays beyond Class V.
        worse = 0.03 * s * (m.noise(6) + 1) / 2
        nh3n += s * (spill.nh3n_mg_l - nh3n) + worse * spill.nh3n_mg_l
        cod += s * (spill.cod_mg_l - cod) + worse * spill.cod_mg_l
        do += s * (spill.do_mg_l - do) - worse * spill.do_mg_l
        ph -= 0.6 * s
        turbidity += 60 * s
    return {
        "do_mg_l": do,
        "nh3n_mg_l": nh3n,
        "cod_mg_l": cod,
        "ph": ph,
        "turbidity_ntu": turbidity,
        "water_temp_c": 19 + 4 * m.trait(7) + 1.2 * m.daily(16) + 0.05 * m.noise(7),
    }


def _indoor_temp(m: Moment) -> float:
    return 22 + 3 * m.trait(20) + 3 * m.daily(15) + 0.2 * m.noise(20)


def _load_factor(m: Moment) -> float:
    """0..1 electrical load of a small venue: open by day, restaurants peak at meal times."""
    load = 0.15 + 0.45 * max(m.daily(15), 0.0)
    if "restaurant" in m.device.tags:
        load += 0.4 * math.exp(-((m.hour - 12) ** 2) / 0.6)
        load += 0.4 * math.exp(-((m.hour - 18.5) ** 2) / 0.9)
    return min(load + 0.05 * m.noise(30), 1.0)


def _smoke_detector(m: Moment) -> dict[str, Value]:
    obscuration = 0.05 + 0.1 * m.trait(1) + 0.04 * m.noise(1)
    temperature = _indoor_temp(m)
    alarm = False
    fire = m.overlay(Fire)
    if fire is not None and fire.active(m.t_s) and m.t_s >= fire.smoke_at_s:
        smoke = fire.smoke(m.t_s)
        obscuration += smoke * (14 + 2 * m.noise(2))
        temperature += 35 * smoke
        alarm = True
    return {
        "smoke_alarm": alarm,
        "smoke_obscuration_pct_m": obscuration,
        "temperature_c": temperature,
        "tamper": False,
        "battery_pct": m.battery(0.02),
    }


def _electrical_fire_sensor(m: Moment) -> dict[str, Value]:
    load = _load_factor(m)
    rated_a = 20 + 60 * m.trait(1)
    residual = (15 + 100 * m.trait(2)) * (0.7 + 0.3 * load) + 3 * m.noise(2)
    cable = _indoor_temp(m) + 15 * load + 0.5 * m.noise(3)
    fire = m.overlay(Fire)
    heat = fire.heat(m.t_s) if fire is not None else 0.0
    residual += heat * (900 + 50 * m.noise(4) - residual)
    cable += heat * (98 + 2 * m.noise(5) - cable)
    return {
        "residual_current_ma": residual,
        "cable_temp_c": cable,
        "current_a": rated_a * load * (1 + 0.3 * heat),
        "voltage_v": 224 - 8 * load + 1.5 * m.noise(6),
        # Typical settings of the detector (GB 14287.2/3): 300 mA residual, 80 °C cable.
        "alarm": residual >= 300 or cable >= 80,
    }


def _manhole_tilt_sensor(m: Moment) -> dict[str, Value]:
    tilt = 0.3 + 2.0 * m.trait(1) + 0.1 * m.noise(1)
    displaced = m.overlay(Displacement)
    moved = displaced is not None and displaced.active(m.t_s)
    if displaced is not None and moved:
        tilt = displaced.tilt_deg + 2 * m.noise(2)
    return {
        "tilt_deg": tilt,
        "displaced": moved,
        "water_overflow": False,
        "battery_pct": m.battery(0.03),
    }


AI_SHARE = 0.35
"""Of cameras, those running video analytics (a fixed trait of each camera)."""
_AI_SALT = 3


def camera_ai_enabled(seed: int, device_id: str) -> bool:
    """The camera's `ai_enabled` trait, as its readings report it; only these send detections."""
    return _mix(device_key(seed, device_id) ^ (_AI_SALT * 0x1000193)) / 2.0**64 < AI_SHARE


def _camera(m: Moment) -> dict[str, Value]:
    # Recording is a ring buffer: storage climbs and drops back as old footage is purged.
    cycle = (m.t_s / DAY_S * (0.5 + m.trait(1)) + m.trait(2)) % 1.0
    return {
        "stream_ok": True,
        "storage_used_pct": 84 + 12 * cycle,
        "ai_enabled": m.trait(_AI_SALT) < AI_SHARE,
    }


GENERATORS: dict[str, Callable[[Moment], dict[str, Value]]] = {
    "underpass_water_level": _underpass_water_level,
    "water_quality_station": _water_quality_station,
    "smoke_detector": _smoke_detector,
    "electrical_fire_sensor": _electrical_fire_sensor,
    "manhole_tilt_sensor": _manhole_tilt_sensor,
    "camera": _camera,
}


def device_key(seed: int, device_id: str) -> int:
    return _mix((seed & _MASK) ^ (zlib.crc32(device_id.encode()) << 32))


def values_at(
    seed: int,
    device: DeviceSpec,
    model: ThingModel,
    t_s: float,
    *,
    start_clock_s: int = 8 * 3600,
    overlays: Sequence[Overlay] = (),
) -> dict[str, Value]:
    """The device's values at scenario second `t_s`; the scenario starts at `start_clock_s`
    local time (seconds after midnight), which places the daily cycles."""
    hour = ((start_clock_s + t_s) % DAY_S) / 3600
    moment = Moment(device_key(seed, device.id), device, t_s, hour, overlays)
    generate = GENERATORS.get(model.id)
    return conform(model, generate(moment) if generate else _generic(moment, model))


def _generic(m: Moment, model: ThingModel) -> dict[str, Value]:
    """For models without a generator: numbers wander around the lower middle of their range."""
    values: dict[str, Value] = {}
    for i, prop in enumerate(model.properties):
        if prop.type in (DataType.FLOAT, DataType.INT):
            low = prop.min if prop.min is not None else 0.0
            high = prop.max if prop.max is not None else low + 100.0
            values[prop.id] = low + (high - low) * (0.3 + 0.1 * m.trait(i) + 0.02 * m.noise(i))
    return values


def conform(model: ThingModel, values: dict[str, Value]) -> dict[str, Value]:
    """Fit values to the model: known properties only, required ones present, in type and range."""
    fitted: dict[str, Value] = {}
    for prop in model.properties:
        value = values.get(prop.id)
        if value is None and not prop.required:
            continue
        fitted[prop.id] = _fit(prop, value)
    return fitted


def _fit(prop: Property, value: Value | None) -> Value:
    match prop.type:
        case DataType.FLOAT | DataType.INT:
            number = float(value) if isinstance(value, int | float) else 0.0
            if prop.type == DataType.INT:
                low = -math.inf if prop.min is None else math.ceil(prop.min)
                high = math.inf if prop.max is None else math.floor(prop.max)
                return int(min(max(round(number), low), high))
            low = -math.inf if prop.min is None else prop.min
            high = math.inf if prop.max is None else prop.max
            return float(min(max(round(number, 2), low), high))
        case DataType.BOOL:
            return bool(value)
        case DataType.ENUM:
            return value if value in prop.values else prop.values[0]
        case _:
            return str(value if value is not None else "")[: prop.max_length]
