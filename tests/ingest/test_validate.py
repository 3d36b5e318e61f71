"""Each reading is checked against its device's thing model, with a reason naming the property."""

from __future__ import annotations

from typing import Any

import pytest

from cityops.auth.tokens import Principal, PrincipalKind, Role
from cityops.devices.registry import Device, DeviceRegistry, MaintenanceState
from cityops.devices.thing_model import load_shipped_and
from cityops.ingest.parse import WireReading
from cityops.ingest.reasons import Code, Invalid
from cityops.ingest.validate import validate

NOW = 1_767_225_600_000
ADMIN = Principal(PrincipalKind.API_KEY, "k1", Role.ADMIN)


@pytest.fixture(scope="module")
def registry() -> DeviceRegistry:
    reg = DeviceRegistry(load_shipped_and())
    for device_id, model in [
        ("gauge-1", "underpass_water_level"),
        ("wq-1", "water_quality_station"),
        ("smoke-1", "smoke_detector"),
    ]:
        device = Device(
            device_id,
            model,
            device_id,
            120.3,
            30.3,
            None,
            "unit",
            (),
            None,
            MaintenanceState.IN_SERVICE,
            0,
        )
        reg.add([(device, f"hash-{device_id}")])
    return reg


def check(
    registry: DeviceRegistry,
    values: dict[str, Any],
    device: str = "gauge-1",
    who: Principal = ADMIN,
    topic: str | None = None,
) -> Any:
    wire = WireReading(ts=NOW, values=values, device_id=device)
    return validate(
        wire,
        registry=registry,
        principal=who,
        topic_device=topic,
        now_ms=NOW,
        future_tolerance_ms=300_000,
    )


def rejected(registry: DeviceRegistry, values: dict[str, Any], **kw: Any) -> Invalid:
    with pytest.raises(Invalid) as caught:
        check(registry, values, **kw)
    return caught.value


def test_a_valid_reading_becomes_typed(registry: DeviceRegistry) -> None:
    reading = check(registry, {"water_level_cm": 12, "battery_pct": 88.5, "signal_dbm": -85})
    assert reading.values == {"water_level_cm": 12.0, "battery_pct": 88.5, "signal_dbm": -85}
    assert isinstance(reading.values["water_level_cm"], float)


def test_unknown_device(registry: DeviceRegistry) -> None:
    err = rejected(registry, {"water_level_cm": 1}, device="ghost")
    assert err.code is Code.UNKNOWN_DEVICE
    assert "'ghost'" in err.reason


def test_unknown_property_lists_the_known_ones(registry: DeviceRegistry) -> None:
    err = rejected(registry, {"water_level_cm": 1, "depth": 3})
    assert err.code is Code.UNKNOWN_PROPERTY
    assert "'depth'" in err.reason
    assert "water_level_cm" in err.reason


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"water_level_cm": "12"}, "water_level_cm must be a number"),
        ({"water_level_cm": True}, "water_level_cm must be a number"),
        ({"water_level_cm": None}, "got null"),
        ({"water_level_cm": 1, "signal_dbm": -85.5}, "signal_dbm must be an integer"),
    ],
)
def test_wrong_type(registry: DeviceRegistry, values: dict[str, Any], words: str) -> None:
    err = rejected(registry, values)
    assert err.code is Code.WRONG_TYPE
    assert words in err.reason


def test_bool_properties_take_only_booleans(registry: DeviceRegistry) -> None:
    err = rejected(registry, {"smoke_alarm": 1}, device="smoke-1")
    assert err.code is Code.WRONG_TYPE


def test_out_of_range_names_value_unit_and_range(registry: DeviceRegistry) -> None:
    err = rejected(registry, {"water_level_cm": 900})
    assert err.code is Code.OUT_OF_RANGE
    assert "water_level_cm=900 cm is outside [0.0, 500.0]" in err.reason


def test_missing_required_property(registry: DeviceRegistry) -> None:
    err = rejected(registry, {"do_mg_l": 6.0, "ph": 7.1}, device="wq-1")
    assert err.code is Code.MISSING_PROPERTY
    assert "cod_mg_l" in err.reason


def test_empty_values(registry: DeviceRegistry) -> None:
    assert rejected(registry, {}).code is Code.BAD_SHAPE


def test_a_device_token_writes_only_its_own_device(registry: DeviceRegistry) -> None:
    device = Principal(PrincipalKind.DEVICE, "wq-1")
    err = rejected(registry, {"water_level_cm": 1}, who=device)
    assert err.code is Code.FORBIDDEN_DEVICE


def test_a_viewer_key_may_not_write(registry: DeviceRegistry) -> None:
    viewer = Principal(PrincipalKind.API_KEY, "k2", Role.VIEWER)
    assert rejected(registry, {"water_level_cm": 1}, who=viewer).code is Code.FORBIDDEN_DEVICE


def test_payload_device_must_match_the_mqtt_topic(registry: DeviceRegistry) -> None:
    topic_device = Principal(PrincipalKind.DEVICE, "wq-1")
    err = rejected(registry, {"water_level_cm": 1}, who=topic_device, topic="wq-1")
    assert err.code is Code.DEVICE_MISMATCH
