"""Hostile MQTT payloads through the real broker: the subscriber survives them all, dead-letters
every one, and still stores the valid reading that follows."""

from __future__ import annotations

import json
import random
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from cityops.core.clock import SystemClock
from cityops.devices.service import DeviceIn
from cityops.ingest.parse import split_items
from cityops.runtime import Runtime
from cityops.store.schema import dead_letters, readings
from tests.services import MQTT_HOST, MQTT_PORT, mqtt_test_settings, rows, wait_for

pytestmark = pytest.mark.mqtt

MAX_PAYLOAD = 256 * 1024
DEVICE = "UWL-Z-1"


@pytest.fixture
def root() -> str:
    return f"fuzz-{secrets.token_hex(4)}"


@pytest.fixture
def mqtt_runtime(tmp_path: Path, database_url: str, root: str) -> Iterator[Runtime]:
    settings = mqtt_test_settings(tmp_path, database_url, root, mqtt_max_payload_bytes=MAX_PAYLOAD)
    rt = Runtime(settings, SystemClock())
    rt.start()
    gauge = DeviceIn(id=DEVICE, model="underpass_water_level", name="g", lon=120.3, lat=30.3,
                     owner_unit="u")  # fmt: skip
    rt.devices.register([gauge])
    assert rt.mqtt is not None
    assert rt.mqtt.connected.wait(10), "subscriber did not connect"
    time.sleep(0.2)  # let the SUBACK land before publishing
    yield rt
    rt.stop()


@pytest.fixture
def publish(root: str) -> Iterator[Callable[[str, bytes], None]]:
    client = mqtt.Client(
        callback_api_version=CallbackAPIVersion.VERSION2,
        client_id=f"fuzzer-{secrets.token_hex(4)}",
    )
    client.connect(MQTT_HOST, MQTT_PORT)
    client.loop_start()

    def send(device: str, payload: bytes) -> None:
        topic = f"{root}/devices/{device}/telemetry"
        client.publish(topic, payload, qos=1).wait_for_publish(5)

    yield send
    client.disconnect()
    client.loop_stop()


def junk(rng: random.Random, depth: int = 0) -> Any:
    """A random JSON-ish value: every type, odd numbers, any text."""
    kind = rng.randrange(9 if depth < 4 else 6)
    text = "".join(chr(rng.choice([rng.randrange(32, 127), rng.randrange(0x4E00, 0x9FA5)]))
                   for _ in range(rng.randrange(8)))  # fmt: skip
    leaves: list[Any] = [None, rng.random() < 0.5, rng.randrange(-(2**70), 2**70),
                         rng.uniform(-1e308, 1e308), float("nan"), text]  # fmt: skip
    if kind < 6:
        return leaves[kind]
    if kind < 8:
        return [junk(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {text + str(i): junk(rng, depth + 1) for i in range(rng.randrange(4))}


def hostile(now: int) -> list[tuple[str, bytes]]:
    """A few hundred bad payloads, each with the device whose topic it is published on."""
    rng = random.Random(20260101)
    enc = msgspec.json.encode

    def dumps(obj: Any) -> bytes:
        return json.dumps(obj, allow_nan=True, ensure_ascii=rng.random() < 0.5).encode()

    good = {"ts": now, "values": {"water_level_cm": 1.0}}
    out: list[tuple[str, bytes]] = []
    out += [(DEVICE, rng.randbytes(rng.randrange(2000))) for _ in range(80)]
    out += [(DEVICE, body) for _ in range(80) if (body := dumps(junk(rng))) != b"[]"]  # no item
    out += [(DEVICE, dumps({**good, "values": {"water_level_cm": junk(rng)}})) for _ in range(20)]
    out += [(DEVICE, dumps({**good, "ts": junk(rng)})) for _ in range(20)]
    out += [(DEVICE, dumps([{**good, "values": junk(rng)} for _ in range(3)])) for _ in range(10)]
    out += [
        (DEVICE, b"[" + b" " * (MAX_PAYLOAD + 10) + b"]"),  # huge
        (DEVICE, rng.randbytes(MAX_PAYLOAD * 2)),
        (DEVICE, b"[" * 900 + b"]" * 900),  # deep, just under the decoder's limit
        (DEVICE, b'[{"ts": 1, "values": ' + b"[" * 5000 + b"]"),  # and far past it
        (DEVICE, b'{"ts": 1, "values": {"water_level_cm": ' + b"[" * 900 + b"]" * 900 + b"}}"),
        (DEVICE, b'{"ts": %d, "values": {"water_level_cm": NaN}}' % now),
        (DEVICE, b'[{"ts": %d, "values": {"water_level_cm": Infinity}}]' % now),
        (DEVICE, b'{"ts": %d, "values": {"water_level_cm": 1e400}}' % now),
        (DEVICE, b'{"ts": %d, "values": {"water_level_cm": -1}}' % now),
        (DEVICE, b'{"ts": %d, "values": {"water_level_cm": "12"}}' % now),
        (DEVICE, b'{"ts": %d, "values": {"water_level_cm": true}}' % now),
        (DEVICE, b'{"ts": %d, "values": {}}' % now),
        (DEVICE, b'{"ts": %d, "values": []}' % now),
        (DEVICE, b'{"ts": %d, "values": {"water_level_cm": 1}}' % (now // 1000)),
        (DEVICE, b'{"ts": %d, "values": {"water_level_cm": 1}}' % (now + 86_400_000)),
        (DEVICE, b'{"ts": "2026-01-01T00:00:00", "values": {"water_level_cm": 1}}'),
        (DEVICE, b'{"ts": %d, "values": {"\xe6\xb0\xb4\xe4\xbd\x8d": 1}}' % now),
        (DEVICE, b'{"ts": %d, "values": {"water_level_cm": 1}, "x": 1}' % now),
        (DEVICE, b'{"ts": %d, "values": {"\\ud800": 1}}' % now),
        (DEVICE, b"\xef\xbb\xbf" + enc(good)),  # a byte-order mark
        (DEVICE, b"\xff\xfe" + enc(good).decode().encode("utf-16-le")),
        (DEVICE, enc({**good, "device_id": "SOMEONE-ELSE"})),
        (DEVICE, enc({**good, "device_id": 42})),
        (DEVICE, b"null"),
        (DEVICE, b"\x00"),
        (DEVICE, b'"\xe4\xbd\xa0\xe5\xa5\xbd"'),
        (DEVICE, b"{" * 10_000),
        ("GHOST", enc(good)),
        ("水位计-1", enc(good)),
        ("%00", enc(good)),
    ]
    return out


def letters_for(payload: bytes) -> int:
    """Dead letters one payload leaves: one a refused item, one for an oversized payload."""
    return 1 if len(payload) > MAX_PAYLOAD else len(split_items(payload, ndjson=False))


def test_hostile_payloads_are_dead_lettered_and_the_subscriber_keeps_going(
    mqtt_runtime: Runtime, publish: Callable[[str, bytes], None]
) -> None:
    now = int(time.time() * 1000)
    payloads = hostile(now)
    assert len(payloads) >= 200
    assert all(letters_for(p) >= 1 for _, p in payloads)  # each payload is refused as a whole
    for device, payload in payloads:
        publish(device, payload)
    publish(DEVICE, msgspec.json.encode({"ts": now, "values": {"water_level_cm": 7.5}}))

    expected = sum(letters_for(p) for _, p in payloads)
    wait_for(lambda: rows(mqtt_runtime, readings) == 1)
    wait_for(lambda: rows(mqtt_runtime, dead_letters) == expected)
    assert mqtt_runtime.mqtt is not None
    wait_for(lambda: mqtt_runtime.mqtt is not None and mqtt_runtime.mqtt.acked == len(payloads) + 1)
    assert mqtt_runtime.mqtt.connected.is_set()
    shadow = mqtt_runtime.shadows.get(DEVICE)
    assert shadow is not None
    assert shadow.values["water_level_cm"] == 7.5


def test_a_deeply_nested_payload_does_not_stop_the_subscriber(
    mqtt_runtime: Runtime, publish: Callable[[str, bytes], None]
) -> None:
    """Past the decoder's depth limit: it once killed the worker thread (fixed in bd82b56)."""
    publish(DEVICE, b"[" * 5000)
    now = int(time.time() * 1000)
    publish(DEVICE, msgspec.json.encode({"ts": now, "values": {"water_level_cm": 7.5}}))
    wait_for(lambda: rows(mqtt_runtime, readings) == 1, seconds=5)
    assert rows(mqtt_runtime, dead_letters) == 1
