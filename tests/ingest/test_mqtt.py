"""MQTT ingestion through the real Mosquitto broker."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import msgspec
import paho.mqtt.client as mqtt
import pytest
import sqlalchemy as sa
from tests.services import MQTT_HOST, MQTT_PORT, mqtt_test_settings, rows, wait_for

from cityops.core.clock import SystemClock
from cityops.devices.service import DeviceIn
from cityops.runtime import Runtime
from cityops.store.schema import dead_letters, readings

pytestmark = pytest.mark.mqtt


@pytest.fixture
def root() -> str:
    return f"test-{secrets.token_hex(4)}"


@pytest.fixture
def mqtt_runtime(tmp_path: Path, database_url: str, root: str) -> Iterator[Runtime]:
    settings = mqtt_test_settings(tmp_path, database_url, root)
    rt = Runtime(settings, SystemClock())
    rt.start()
    rt.devices.register(
        [
            DeviceIn(
                id="UWL-M-1",
                model="underpass_water_level",
                name="g",
                lon=120.3,
                lat=30.3,
                owner_unit="u",
            )
        ]
    )
    assert rt.mqtt is not None
    assert rt.mqtt.connected.wait(10), "subscriber did not connect"
    time.sleep(0.2)  # let the SUBACK land before publishing
    yield rt
    rt.stop()


@pytest.fixture
def publish() -> Iterator[Callable[[str, bytes], None]]:
    client = mqtt.Client(
        callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
        client_id=f"dev-{secrets.token_hex(4)}",
    )
    client.connect(MQTT_HOST, MQTT_PORT)
    client.loop_start()

    def send(topic: str, payload: bytes) -> None:
        client.publish(topic, payload, qos=1).wait_for_publish(5)

    yield send
    client.disconnect()
    client.loop_stop()


def test_readings_published_over_mqtt_are_stored_and_acknowledged(
    mqtt_runtime: Runtime, publish: Callable[[str, bytes], None], root: str
) -> None:
    now = int(time.time() * 1000)
    topic = f"{root}/devices/UWL-M-1/telemetry"
    publish(topic, msgspec.json.encode({"ts": now, "values": {"water_level_cm": 3.5}}))
    batch = [{"ts": now - i * 1000, "values": {"water_level_cm": 1.0}} for i in range(1, 51)]
    publish(topic, msgspec.json.encode(batch))
    wait_for(lambda: rows(mqtt_runtime, readings) == 51)
    assert mqtt_runtime.mqtt is not None
    wait_for(lambda: mqtt_runtime.mqtt is not None and mqtt_runtime.mqtt.acked == 2)
    shadow = mqtt_runtime.shadows.get("UWL-M-1")
    assert shadow is not None
    assert shadow.values["water_level_cm"] == 3.5


def test_bad_payloads_become_dead_letters_and_the_subscriber_keeps_going(
    mqtt_runtime: Runtime, publish: Callable[[str, bytes], None], root: str
) -> None:
    now = int(time.time() * 1000)
    publish(f"{root}/devices/UWL-M-1/telemetry", b"\x00\xffnot json")
    publish(
        f"{root}/devices/GHOST/telemetry",
        msgspec.json.encode({"ts": now, "values": {"water_level_cm": 1.0}}),
    )
    publish(
        f"{root}/devices/UWL-M-1/telemetry",
        msgspec.json.encode({"device_id": "OTHER", "ts": now, "values": {"water_level_cm": 1.0}}),
    )
    publish(
        f"{root}/devices/UWL-M-1/telemetry",
        msgspec.json.encode({"ts": now, "values": {"water_level_cm": 1.0}}),
    )
    wait_for(lambda: rows(mqtt_runtime, dead_letters) == 3 and rows(mqtt_runtime, readings) == 1)
    with mqtt_runtime.engine.connect() as conn:
        reasons = sorted(
            r.split(":")[0] for r in conn.execute(sa.select(dead_letters.c.reason)).scalars()
        )
    assert reasons == ["device_mismatch", "malformed_json", "unknown_device"]


def test_an_oversized_payload_is_dead_lettered(
    mqtt_runtime: Runtime, publish: Callable[[str, bytes], None], root: str
) -> None:
    publish(f"{root}/devices/UWL-M-1/telemetry", b"[" + b" " * 300_000 + b"]")
    wait_for(lambda: rows(mqtt_runtime, dead_letters) == 1)
    with mqtt_runtime.engine.connect() as conn:
        letter = conn.execute(sa.select(dead_letters)).one()
    assert letter.reason.startswith("too_large")
    assert letter.device_id == "UWL-M-1"
    assert len(bytes(letter.raw)) == 64 * 1024
