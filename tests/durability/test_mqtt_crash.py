"""A killed server loses no MQTT reading the broker accepted.

Gauges publish QoS 1 readings, one a message, to a private Mosquitto running the shipped
deploy/mosquitto/cityops.conf, while `cityops serve` reads them through its persistent session.
The server is SIGKILLed mid-flight, the gauges go on publishing while it is down, and it
restarts. Every message the broker acknowledged to a gauge ends up stored: the server sends its
PUBACK only after the commit, so whatever it had not stored, the broker delivers again.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from pathlib import Path

import httpx
import msgspec
import paho.mqtt.client as mqtt
import pytest
import sqlalchemy as sa
from paho.mqtt.enums import CallbackAPIVersion

from tests.durability.helpers import DEPLOY, Server, create_api_keys, mosquitto, server_env

pytestmark = [pytest.mark.slow, pytest.mark.mqtt]

GAUGES = [f"UWL-MQTT-{g:03d}" for g in range(500)]
"""Enough that none goes over its per-device rate budget (those readings are dead-lettered)."""
KILL_AFTER_S = 1.5
DOWN_S = 1.0
CATCH_UP_S = 30.0
WINDOW = 20_000  # message ids are 16-bit: keep well under 65,535 unacknowledged


class Gauges(threading.Thread):
    """Publish readings round the gauges until stopped; `accepted` is what the broker acked."""

    def __init__(self, port: int) -> None:
        super().__init__()
        self.client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=f"gauges-{secrets.token_hex(4)}",
        )
        self.client.max_inflight_messages_set(1000)
        self.client.max_queued_messages_set(0)
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self.stopping = threading.Event()
        self.sent: deque[tuple[mqtt.MQTTMessageInfo, str, int]] = deque()
        self.accepted: set[tuple[str, int]] = set()

    def run(self) -> None:
        ts = int(time.time() * 1000) - 86_400_000
        while not self.stopping.is_set():
            ts += 1
            gauge = GAUGES[ts % len(GAUGES)]
            body = msgspec.json.encode({"ts": ts, "values": {"water_level_cm": 3.0}})
            info = self.client.publish(f"cityops/devices/{gauge}/telemetry", body, qos=1)
            self.sent.append((info, gauge, ts))
            if len(self.sent) > WINDOW:
                self._settle(self.sent.popleft())

    def stop(self) -> set[tuple[str, int]]:
        self.stopping.set()
        self.join(30)
        while self.sent:
            self._settle(self.sent.popleft())
        self.client.disconnect()
        self.client.loop_stop()
        return self.accepted

    def _settle(self, sent: tuple[mqtt.MQTTMessageInfo, str, int]) -> None:
        info, gauge, ts = sent
        info.wait_for_publish(30)
        if info.is_published():
            self.accepted.add((gauge, ts))


def stored(database_url: str) -> set[tuple[str, int]]:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT device_id, ts FROM readings")).all()
        return {(r.device_id, r.ts) for r in rows}
    finally:
        engine.dispose()


def test_a_killed_server_loses_no_reading_the_broker_accepted(
    tmp_path: Path, database_url: str
) -> None:
    (tmp_path / "broker").mkdir()
    with mosquitto(tmp_path / "broker", DEPLOY / "cityops.conf") as broker:
        env = server_env(tmp_path, database_url) | {
            "CITYOPS_MQTT_URL": f"mqtt://127.0.0.1:{broker.port}",
            "CITYOPS_MQTT_CLIENT_ID": f"cityops-crash-{secrets.token_hex(4)}",
        }
        admin = create_api_keys(env, {"admin": ("admin", None)})["admin"]
        log = tmp_path / "server.log"
        server = Server(env, log)  # healthy only once subscribed
        gauges = [
            {"id": g, "model": "underpass_water_level", "name": g, "lon": 120.3, "lat": 30.3}
            | {"owner_unit": "dept-drainage"}
            for g in GAUGES
        ]
        headers = {"Authorization": f"Bearer {admin}"}
        httpx.post(
            f"{server.base_url}/api/v1/devices", json=gauges, headers=headers
        ).raise_for_status()
        time.sleep(0.3)  # the SUBACK lands before the first reading

        publishing = Gauges(broker.port)
        publishing.start()
        time.sleep(KILL_AFTER_S)
        server.kill()
        time.sleep(DOWN_S)  # still publishing: the broker queues for the server's session
        accepted = publishing.stop()

        waiting = len(accepted - stored(database_url))
        began = time.monotonic()
        server = Server(env, log)
        try:
            while time.monotonic() - began < CATCH_UP_S and accepted - stored(database_url):
                time.sleep(0.2)
            caught_up_s = time.monotonic() - began
        finally:
            server.stop()

    lost = accepted - stored(database_url)
    assert len(accepted) >= 2000, f"only {len(accepted)} readings published: too few to mean much"
    assert not lost, f"{len(lost)} of {len(accepted)} readings the broker accepted were lost"
    print(
        f"MQTT on {sa.make_url(database_url).get_backend_name()}: {len(accepted)} readings "
        f"accepted by the broker, {waiting} of them not stored when the server restarted; "
        f"all stored {caught_up_s:.1f} s after the restart"
    )
