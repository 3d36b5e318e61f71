"""Hostile input to the telemetry parser and the detection checks: arbitrary bytes and JSON-ish
structures never raise; every item is either accepted or refused with a code of `Code`."""

from __future__ import annotations

import json
import math
import os
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cityops.auth.tokens import Principal, PrincipalKind, Role
from cityops.core.clock import FakeClock
from cityops.core.types import Source
from cityops.detections import check
from cityops.detections.model import Code as DetectionCode
from cityops.detections.model import Rejected
from cityops.devices.registry import Device, DeviceRegistry, MaintenanceState
from cityops.devices.thing_model import load_shipped_and
from cityops.ingest.parse import split_items
from cityops.ingest.pipeline import IngestService
from cityops.ingest.ratelimit import RateLimiter, RateLimits
from cityops.ingest.reasons import Code
from cityops.ingest.writer import Writer

CLOCK = FakeClock()
NOW = CLOCK.now_ms()
REGISTRY = DeviceRegistry(load_shipped_and(None))
DEVICES = {
    "UWL-F-1": "underpass_water_level",
    "WQ-F-1": "water_quality_station",
    "SD-F-1": "smoke_detector",
}
REGISTRY.add(
    (Device(d, m, d, 120.3, 30.3, None, "u", (), None, MaintenanceState.IN_SERVICE, 0), f"h-{d}")
    for d, m in DEVICES.items()
)
PROPS = sorted({p.id for m in REGISTRY.models.values() for p in m.properties})
WRITER = Writer(sa.create_engine("sqlite://"), now_ms=CLOCK.now_ms)  # never started: not used
PRINCIPALS = [
    Principal(PrincipalKind.API_KEY, "admin", Role.ADMIN),
    Principal(PrincipalKind.API_KEY, "gateway", Role.INGEST),
    Principal(PrincipalKind.API_KEY, "viewer", Role.VIEWER),
    Principal(PrincipalKind.DEVICE, "UWL-F-1"),
]
CODES = {c.value for c in Code}
FUZZ = settings(
    max_examples=int(os.environ.get("CITYOPS_FUZZ_EXAMPLES", "300")),  # more for a deeper hunt
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
)
json_ish = st.recursive(
    leaves,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=25,
)
timestamps = (
    st.integers(min_value=NOW - 86_400_000, max_value=NOW + 600_000)
    | st.integers(min_value=NOW // 1000 - 10**6, max_value=NOW // 1000)  # epoch seconds
    | st.datetimes(timezones=st.sampled_from([UTC, None])).map(datetime.isoformat)
    | json_ish
)
numbers = st.floats(allow_nan=True, allow_infinity=True) | st.integers(-(2**70), 2**70)
readings = st.fixed_dictionaries(
    {
        "device_id": st.sampled_from([*DEVICES, "GHOST", ""]) | json_ish,
        "ts": timestamps,
        "values": st.dictionaries(st.sampled_from(PROPS) | st.text(max_size=6), numbers | json_ish)
        | json_ish,
    },
    optional={"extra": json_ish},
)


def encode(obj: Any) -> bytes:
    return json.dumps(obj, allow_nan=True, ensure_ascii=False).encode("utf-8", "surrogatepass")


@st.composite
def payloads(draw: st.DrawFn) -> tuple[bytes, bool]:
    """A payload as a hostile or broken device might send it, and whether it is NDJSON."""
    items = draw(st.lists(readings | json_ish, max_size=8))
    kind = draw(st.sampled_from(["one", "array", "ndjson", "truncated", "bytes"]))
    if kind == "one":
        return encode(items[0] if items else {}), False
    if kind == "array":
        return encode(items), False
    if kind == "ndjson":
        return b"\n".join(encode(i) for i in items), True
    if kind == "truncated":
        body = encode(items)
        return body[: draw(st.integers(0, len(body)))], draw(st.booleans())
    return draw(st.binary(max_size=512)), draw(st.booleans())


def service() -> IngestService:
    """A small budget, so that fuzzing reaches the rate limit too."""
    return IngestService(REGISTRY, WRITER, CLOCK, limiter=RateLimiter(RateLimits(burst=5)))


@FUZZ
@given(payloads(), st.sampled_from(PRINCIPALS), st.sampled_from([None, "UWL-F-1", "GHOST"]))
def test_every_item_is_accepted_or_refused_with_a_known_code(
    payload: tuple[bytes, bool], principal: Principal, topic_device: str | None
) -> None:
    body, ndjson = payload
    items = split_items(body, ndjson)
    prepared = service().prepare(
        body, source=Source.MQTT, principal=principal, ndjson=ndjson, topic_device=topic_device
    )
    assert prepared.accepted + len(prepared.errors) == len(items)
    assert len(prepared.letters) == len(prepared.errors)
    assert {e.reason.split(":", 1)[0] for e in prepared.errors} <= CODES
    indexes = [e.index for e in prepared.errors]
    assert len(set(indexes)) == len(indexes)
    assert set(indexes) <= set(range(len(items)))
    for reading in prepared.readings:
        assert reading.device_id in DEVICES
        assert principal.may_write_device(reading.device_id)
        assert all(not isinstance(v, float) or math.isfinite(v) for v in reading.values.values())


@FUZZ
@given(st.binary(max_size=2048), st.booleans())
def test_arbitrary_bytes_never_raise(body: bytes, ndjson: bool) -> None:
    prepared = service().prepare(body, source=Source.HTTP, principal=PRINCIPALS[0], ndjson=ndjson)
    assert prepared.accepted + len(prepared.errors) == len(split_items(body, ndjson))
    assert {e.reason.split(":", 1)[0] for e in prepared.errors} <= CODES


NESTED = [
    b"[" * 5000,
    b'{"ts": 1, "values": {"water_level_cm": ' + b"[" * 5000,
    b"[NaN, " + b"[" * 5000 + b"]" * 5000 + b"]",
]


@pytest.mark.parametrize("body", NESTED, ids=["array", "values", "non-finite"])
def test_nesting_deeper_than_the_decoder_allows_is_one_refused_item(body: bytes) -> None:
    prepared = service().prepare(body, source=Source.HTTP, principal=PRINCIPALS[0])
    assert prepared.accepted == 0
    assert len(prepared.errors) >= 1


detections = st.fixed_dictionaries(
    {},
    optional={
        "vendor": st.sampled_from(["hk-vision", "dh-ai"]) | json_ish,
        "camera_id": st.text(max_size=70) | json_ish,
        "label": st.text(max_size=10) | json_ish,
        "confidence": numbers | json_ish,
        "ts": timestamps,
        "bbox": st.lists(numbers, max_size=6) | json_ish,
        "image_url": st.text(max_size=20) | json_ish,
        "image_base64": st.text(max_size=64) | st.binary(max_size=48).map(lambda b: b.hex()),
        "extra": json_ish,
    },
)


def refused_with_a_known_code(step: Any) -> Any:
    """The step's result, or None when it refused; any other exception fails the test."""
    try:
        return step()
    except Rejected as exc:
        refused = exc
    assert refused.code in DetectionCode
    assert refused.reason.startswith(f"{refused.code.value}: ")
    return None


@FUZZ
@given(st.binary(max_size=1024) | detections.map(encode) | json_ish.map(encode))
def test_detection_checks_refuse_anything_with_a_known_code(raw: bytes) -> None:
    wire = refused_with_a_known_code(lambda: check.decode(raw))
    if wire is None:
        return
    refused_with_a_known_code(lambda: check.confidence(wire.confidence))
    refused_with_a_known_code(lambda: check.bbox(wire.bbox))
    if wire.image_base64 is not None:
        refused_with_a_known_code(lambda: check.base64_image(wire.image_base64, 64))


@FUZZ
@given(st.lists(numbers, max_size=6), numbers, st.text(max_size=200))
def test_detection_field_checks_take_any_value(box: list[float], conf: float, b64: str) -> None:
    refused_with_a_known_code(lambda: check.bbox([float(v) for v in box]))
    refused_with_a_known_code(lambda: check.confidence(float(conf)))
    refused_with_a_known_code(lambda: check.base64_image(b64, 32))
