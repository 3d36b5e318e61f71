"""A target that publishes each reading to its device's topic, as a real device would.

One paho client runs its network loop in a background thread (`loop_start`). `send` only
queues messages; PUBACKs are awaited when too many are outstanding and on `aclose`, so a
completed run means the broker has every message. "accepted" counts messages queued for the
broker: whether the platform accepted the reading is not visible over MQTT.

Camera AI detections have no MQTT topic on the platform (vendors post them over HTTP): they are
handed to `detections` (e.g. an `HttpTarget`, which the caller closes) or counted as skipped.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections import deque
from typing import Any
from urllib.parse import unquote, urlsplit

import msgspec
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

from cityops.simulate.targets import (
    DetectionTarget,
    SendResult,
    TargetError,
    WireDetection,
    WireReading,
)

TOPIC = "cityops/devices/{device_id}/telemetry"


class MqttTarget:
    def __init__(
        self,
        url: str = "mqtt://127.0.0.1:1883",
        *,
        client_id: str | None = None,
        qos: int = 1,
        max_pending: int = 20_000,
        timeout_s: float = 30.0,
        detections: DetectionTarget | None = None,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("mqtt", "mqtts", "tcp"):
            raise TargetError(f"{url}: MQTT URL must start with mqtt://, mqtts:// or tcp://")
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or (8883 if parts.scheme == "mqtts" else 1883)
        self._qos = qos
        self._max_pending = max_pending
        self._timeout_s = timeout_s
        self._client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=client_id or f"cityops-sim-{uuid.uuid4().hex[:8]}",
            protocol=mqtt.MQTTv311,
        )
        if parts.username:
            self._client.username_pw_set(unquote(parts.username), unquote(parts.password or ""))
        if parts.scheme == "mqtts":
            self._client.tls_set()
        self._client.max_inflight_messages_set(1000)
        self._client.on_connect = self._on_connect
        self._connected = threading.Event()
        self._refused: str | None = None
        self._started = False
        self._pending: deque[mqtt.MQTTMessageInfo] = deque()
        self._encoder = msgspec.json.Encoder()
        self._detections = detections

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: ReasonCode, props: Any
    ) -> None:
        if reason.is_failure:
            self._refused = str(reason)
        self._connected.set()

    async def connect(self) -> None:
        """Connect (once); raises TargetError if the broker is unreachable or refuses."""
        if self._started:
            return
        try:
            self._client.connect_async(self._host, self._port, keepalive=30)
        except OSError as exc:
            raise TargetError(f"MQTT {self._host}:{self._port}: {exc}") from exc
        self._client.loop_start()
        self._started = True
        if not await asyncio.to_thread(self._connected.wait, self._timeout_s):
            await self.aclose()
            raise TargetError(f"MQTT {self._host}:{self._port}: no CONNACK in {self._timeout_s}s")
        if self._refused:
            await self.aclose()
            raise TargetError(f"MQTT {self._host}:{self._port}: refused: {self._refused}")

    async def send(self, readings: list[WireReading]) -> SendResult:
        await self.connect()
        accepted = rejected = 0
        for reading in readings:
            topic = TOPIC.format(device_id=reading["device_id"])
            info = self._client.publish(topic, self._encoder.encode(reading), qos=self._qos)
            # NO_CONN still queues a QoS>0 message; paho sends it after reconnecting.
            if info.rc in (mqtt.MQTT_ERR_SUCCESS, mqtt.MQTT_ERR_NO_CONN):
                self._pending.append(info)
                accepted += 1
            else:
                rejected += 1
        await self._wait_acked(keep=self._max_pending)
        return SendResult(accepted, rejected)

    async def send_detections(self, detections: list[WireDetection]) -> SendResult:
        if self._detections is None:
            return SendResult(skipped=len(detections))
        return await self._detections.send_detections(detections)

    async def _wait_acked(self, keep: int) -> None:
        """Wait until at most `keep` messages await their PUBACK."""
        deadline = time.monotonic() + self._timeout_s
        while self._pending:
            while self._pending and self._pending[0].is_published():
                self._pending.popleft()
            if len(self._pending) <= keep:
                return
            if time.monotonic() > deadline:
                raise TargetError(f"MQTT: {len(self._pending)} messages not acknowledged")
            await asyncio.sleep(0.005)

    async def aclose(self) -> None:
        """Wait for every PUBACK, then disconnect."""
        if not self._started:
            return
        try:
            if not self._refused:
                await self._wait_acked(keep=0)
        finally:
            self._client.disconnect()
            self._client.loop_stop()
            self._started = False
