"""Small helpers shared by the simulator tests: a thing-model check and a tick loop."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from cityops.devices.thing_model import DataType, ThingModel
from cityops.simulate.runner import Simulator
from cityops.simulate.targets import WireReading

START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z


def violations(model: ThingModel, values: Mapping[str, object]) -> list[str]:
    """What is wrong with `values` for `model`, checked independently of the simulator's own."""
    problems = [f"missing required {p}" for p in model.required_ids if p not in values]
    for key, value in values.items():
        prop = model.by_id.get(key)
        if prop is None:
            problems.append(f"unknown property {key}")
            continue
        if prop.type == DataType.BOOL:
            ok = isinstance(value, bool)
        elif prop.type == DataType.INT:
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif prop.type == DataType.FLOAT:
            ok = isinstance(value, float)
        else:
            ok = isinstance(value, str)
        if not ok:
            problems.append(f"{key}={value!r} is not {prop.type}")
        elif prop.type in (DataType.INT, DataType.FLOAT):
            assert isinstance(value, int | float)
            if (prop.min is not None and value < prop.min) or (
                prop.max is not None and value > prop.max
            ):
                problems.append(f"{key}={value} outside [{prop.min}, {prop.max}]")
    return problems


def ticks(sim: Simulator, real_s: float, step_ms: int = 1000) -> Iterator[tuple[int, WireReading]]:
    """Tick the simulator from START_MS for `real_s` seconds; yield (now_ms, reading)."""
    for now in range(START_MS, START_MS + round(real_s * 1000) + 1, step_ms):
        for reading in sim.readings_due(now):
            yield now, reading


def scenario_s(sim: Simulator, reading: WireReading) -> float:
    """The scenario second a reading stands for."""
    return sim.scenario_time(reading["ts"])
