"""Builders for rule tests: the IoT event classes, devices, rules and readings."""

from __future__ import annotations

from datetime import date
from typing import Any

import yaml

from cityops.core.types import Reading, Value
from cityops.devices.registry import Device, DeviceRegistry, MaintenanceState
from cityops.devices.thing_model import ThingModel, load_shipped_and
from cityops.events.model import Clear, Outcome, Signal
from cityops.rules.checks import parse_rule
from cityops.rules.definition import Rule
from cityops.rules.engine import RuleEngine
from cityops.rules.service import shipped_rules_path
from cityops.taxonomy.model import EventClass, Kind, Taxonomy

T0 = 1_767_225_600_000  # 2026-01-01T00:00:00Z
MIN = 60_000
GRID = "330106001001001"

IOT_CLASSES = {
    "E1001": ("下穿通道积水", "Underpass water logging"),
    "E1002": ("河道水质异常", "River water quality below standard"),
    "E1003": ("烟感火警", "Smoke fire alarm"),
    "E1004": ("电气火灾隐患", "Electrical-fire hazard"),
    "E1005": ("井盖位移", "Manhole cover displaced"),
    "E1006": ("设备离线", "Device offline"),
    "E1007": ("设备故障", "Device fault"),
    "E1008": ("设备低电量", "Device low battery"),
}


def iot_classes() -> list[EventClass]:
    return [
        EventClass(
            code=code,
            kind=Kind.EVENT,
            major_code="E10",
            major_name_zh="物联感知",
            major_name_en="IoT-sensed",
            name_zh=zh,
            name_en=en,
            iot=True,
        )
        for code, (zh, en) in IOT_CLASSES.items()
    ]


def taxonomy() -> Taxonomy:
    return Taxonomy(iot_classes())


MODELS: dict[str, ThingModel] = load_shipped_and()


def device(
    device_id: str = "UWL-1",
    model: str = "underpass_water_level",
    *,
    grid_code: str | None = GRID,
    tags: tuple[str, ...] = (),
    state: MaintenanceState = MaintenanceState.IN_SERVICE,
) -> Device:
    return Device(
        id=device_id,
        model=model,
        name=f"测试{device_id}",
        lon=120.3,
        lat=30.3,
        grid_code=grid_code,
        owner_unit="区城管局",
        tags=tags,
        install_date=date(2024, 1, 1),
        maintenance_state=state,
        created_at=T0,
    )


def registry(*devices: Device) -> DeviceRegistry:
    reg = DeviceRegistry(MODELS)
    reg.add((d, f"hash-{d.id}") for d in devices)
    return reg


def rule(condition: dict[str, Any], **fields: Any) -> Rule:
    """A rule over underpass gauges unless told otherwise; validated like any stored rule."""
    data: dict[str, Any] = {
        "id": "r1",
        "name_zh": "测试规则",
        "name_en": "Test rule",
        "scope": {"models": ["underpass_water_level"]},
        "condition": condition,
        "class_code": "E1001",
        "severity": "yellow",
        "message": "{device_name}：{property_name}{value}{unit}",
    }
    data.update(fields)
    return parse_rule(data, taxonomy(), MODELS)


def engine_with(*rules: Rule) -> RuleEngine:
    eng = RuleEngine(taxonomy())
    eng.set_rules(rules)
    return eng


def reading(ts: int, device_id: str = "UWL-1", **values: Value) -> Reading:
    return Reading(device_id=device_id, ts=ts, values=dict(values))


class Feeder:
    """Feeds readings one at a time to an engine, like the detector, keeping what came out."""

    def __init__(self, engine: RuleEngine, reg: DeviceRegistry) -> None:
        self.engine = engine
        self.registry = reg
        self.outcomes: list[Outcome] = []

    def __call__(self, ts: int, device_id: str = "UWL-1", **values: Value) -> list[Outcome]:
        out = self.engine.evaluate([reading(ts, device_id, **values)], self.registry)
        self.outcomes.extend(out)
        return out


def kinds(outcomes: list[Outcome]) -> list[str]:
    """'S:<severity>' per Signal and 'C' per Clear, to compare sequences at a glance."""
    return [f"S:{o.severity.value}" if isinstance(o, Signal) else "C" for o in outcomes]


def signals(outcomes: list[Outcome]) -> list[Signal]:
    return [o for o in outcomes if isinstance(o, Signal)]


def clears(outcomes: list[Outcome]) -> list[Clear]:
    return [o for o in outcomes if isinstance(o, Clear)]


def demo_rules() -> list[Rule]:
    data: dict[str, Any] = yaml.safe_load(shipped_rules_path().read_text(encoding="utf-8"))
    return [parse_rule(item, taxonomy(), MODELS) for item in data["rules"]]
