"""Check a parsed reading against its device and thing model; build the typed `Reading`."""

from __future__ import annotations

import math
from typing import Any

from cityops.auth.tokens import Principal
from cityops.core.types import Reading, Value
from cityops.devices.registry import DeviceRegistry
from cityops.devices.thing_model import DataType, Property, ThingModel
from cityops.ingest.parse import WireReading, parse_ts
from cityops.ingest.reasons import Code, Invalid


def validate(
    wire: WireReading,
    *,
    registry: DeviceRegistry,
    principal: Principal,
    topic_device: str | None,
    now_ms: int,
    future_tolerance_ms: int,
) -> Reading:
    """Return the reading, or raise `Invalid` naming the first thing wrong with it."""
    device_id = _device_id(wire, topic_device)
    device = registry.get(device_id)
    if device is None:
        raise Invalid(Code.UNKNOWN_DEVICE, f"device {device_id!r} is not registered")
    if not principal.may_write_device(device_id):
        raise Invalid(Code.FORBIDDEN_DEVICE, f"this credential may not write device {device_id!r}")
    ts = parse_ts(wire.ts, now_ms, future_tolerance_ms)
    values = check_values(wire.values, registry.model_of(device))
    return Reading(device_id=device_id, ts=ts, values=values)


def _device_id(wire: WireReading, topic_device: str | None) -> str:
    if topic_device is None:
        if not wire.device_id:
            raise Invalid(Code.BAD_SHAPE, "device_id is missing")
        return wire.device_id
    if wire.device_id is not None and wire.device_id != topic_device:
        raise Invalid(
            Code.DEVICE_MISMATCH,
            f"device_id {wire.device_id!r} does not match the topic's device {topic_device!r}",
        )
    return topic_device


def check_values(values: dict[str, Any], model: ThingModel) -> dict[str, Value]:
    if not values:
        raise Invalid(Code.BAD_SHAPE, "values is empty")
    props = model.by_id
    out: dict[str, Value] = {}
    for name, value in values.items():
        prop = props.get(name)
        if prop is None:
            known = ", ".join(props)
            raise Invalid(
                Code.UNKNOWN_PROPERTY, f"{name!r} is not a property of {model.id} (known: {known})"
            )
        out[name] = check_value(prop, value)
    missing = model.required_ids - values.keys()
    if missing:
        raise Invalid(Code.MISSING_PROPERTY, f"required {', '.join(sorted(missing))} missing")
    return out


def check_value(prop: Property, value: Any) -> Value:
    kind = prop.type
    if kind is DataType.FLOAT or kind is DataType.INT:
        return _check_number(prop, value)
    if kind is DataType.BOOL:
        if not isinstance(value, bool):
            raise _wrong_type(prop, "a boolean", value)
        return value
    if not isinstance(value, str):
        raise _wrong_type(prop, "a string", value)
    if kind is DataType.ENUM and value not in prop.values:
        raise Invalid(
            Code.OUT_OF_RANGE, f"{prop.id}={value!r} is not one of {', '.join(prop.values)}"
        )
    if len(value) > prop.max_length:
        raise Invalid(Code.OUT_OF_RANGE, f"{prop.id} is longer than {prop.max_length} characters")
    return value


def _check_number(prop: Property, value: Any) -> float | int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _wrong_type(prop, "a number", value)
    if prop.type is DataType.INT and not isinstance(value, int):
        raise _wrong_type(prop, "an integer", value)
    if isinstance(value, float) and not math.isfinite(value):
        raise Invalid(Code.NOT_FINITE, f"{prop.id} is not a finite number")
    if (prop.min is not None and value < prop.min) or (prop.max is not None and value > prop.max):
        raise Invalid(
            Code.OUT_OF_RANGE,
            f"{prop.id}={value} {prop.unit} is outside [{prop.min}, {prop.max}]".replace("  ", " "),
        )
    return float(value) if prop.type is DataType.FLOAT else value


def _wrong_type(prop: Property, expected: str, value: Any) -> Invalid:
    got = "null" if value is None else type(value).__name__
    return Invalid(Code.WRONG_TYPE, f"{prop.id} must be {expected} ({prop.type}), got {got}")
