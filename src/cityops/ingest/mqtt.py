"""MQTT edge: subscribe to device telemetry and acknowledge each message after it is stored.

The client uses MQTT v5 with a persistent session and manual acknowledgement. The network
thread only queues messages; a worker thread batches them through the ingest service, and the
writer's commit resolves a future whose callback sends the PUBACKs, in arrival order. A payload
is acknowledged once it is durable, as a reading or as a dead letter. When the store is down the
batch is retried, never acknowledged, so the broker keeps redelivering.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from concurrent.futures import Future
from urllib.parse import urlsplit

import msgspec
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from cityops.auth.tokens import Principal, PrincipalKind
from cityops.core.errors import Overloaded
from cityops.core.types import Source
from cityops.ingest.pipeline import IngestService, Prepared

log = logging.getLogger(__name__)

LINGER_S = 0.02


class Message(msgspec.Struct):
    topic: str
    payload: bytes
    mid: int
    qos: int


class MqttIngest:
    def __init__(
        self,
        url: str,
        ingest: IngestService,
        *,
        topic: str = "cityops/devices/+/telemetry",
        share_group: str = "",
        client_id: str = "cityops-ingest-1",
        max_payload_bytes: int = 256 * 1024,
        max_batch: int = 5000,
        session_expiry_s: int = 7 * 24 * 3600,
    ) -> None:
        self._url = urlsplit(url)
        self._ingest = ingest
        self._subscription = f"$share/{share_group}/{topic}" if share_group else topic
        self._max_payload = max_payload_bytes
        self._max_batch = max_batch
        self._session_expiry_s = session_expiry_s
        self._inbox: deque[Message] = deque()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._client = mqtt.Client(
            callback_api_version=CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        if self._url.username:
            self._client.username_pw_set(self._url.username, self._url.password)
        self._client.on_connect = self._on_connect
        self._client.on_message = self._on_message
        self._worker = threading.Thread(target=self._work, name="cityops-mqtt", daemon=True)
        self.connected = threading.Event()
        self.acked = 0

    def start(self) -> None:
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        props.SessionExpiryInterval = self._session_expiry_s
        props.ReceiveMaximum = 65535  # many messages in flight while the writer commits a group
        self._client.connect_async(
            self._url.hostname or "127.0.0.1",
            self._url.port or 1883,
            keepalive=30,
            clean_start=False,
            properties=props,
        )
        self._client.loop_start()
        self._worker.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        self._worker.join(30)
        self._client.disconnect()
        self._client.loop_stop()

    def _on_connect(
        self, client: mqtt.Client, _u: object, _f: object, rc: object, _p: object
    ) -> None:
        if getattr(rc, "is_failure", False):
            log.error("MQTT connect refused: %s", rc)
            return
        client.subscribe(self._subscription, qos=1)
        log.info("MQTT subscribed to %s", self._subscription)
        self.connected.set()

    def _on_message(self, _c: mqtt.Client, _u: object, msg: mqtt.MQTTMessage) -> None:
        self._inbox.append(Message(msg.topic, bytes(msg.payload), msg.mid, msg.qos))
        self._wake.set()

    def _work(self) -> None:
        while not (self._stopping.is_set() and not self._inbox):
            self._wake.wait(0.5)
            self._wake.clear()
            self._linger()
            while self._inbox:
                batch = [
                    self._inbox.popleft() for _ in range(min(len(self._inbox), self._max_batch))
                ]
                self._store(batch, self._prepare(batch))

    def _linger(self) -> None:
        """Let a batch build up for a few milliseconds: one commit per message costs far more
        than the wait (a commit of 5,000 readings takes about as long as one of 20)."""
        deadline = time.monotonic() + LINGER_S
        while len(self._inbox) < self._max_batch and time.monotonic() < deadline:
            time.sleep(0.002)

    def _prepare(self, batch: list[Message]) -> Prepared:
        out = Prepared([], [], [])
        for msg in batch:
            device = _device_from_topic(msg.topic)
            if len(msg.payload) > self._max_payload:
                part = self._ingest.oversized(
                    msg.payload,
                    len(msg.payload),
                    self._max_payload,
                    source=Source.MQTT,
                    device=device,
                )
            else:
                principal = Principal(PrincipalKind.DEVICE, device or "")
                part = self._ingest.prepare(
                    msg.payload, source=Source.MQTT, principal=principal, topic_device=device
                )
            out.readings.extend(part.readings)
            out.letters.extend(part.letters)
        return out

    def _store(self, batch: list[Message], prepared: Prepared) -> None:
        """Queue for commit; the commit callback acks, a failed commit puts the batch back."""
        while not self._stopping.is_set():
            try:
                future = self._ingest.submit(prepared)
            except Overloaded:
                time.sleep(0.05)
                continue
            future.add_done_callback(lambda f: self._settle(f, batch))
            return

    def _settle(self, future: Future[int], batch: list[Message]) -> None:
        if future.exception() is None:
            for msg in batch:
                if msg.qos > 0:
                    self._client.ack(msg.mid, msg.qos)
            self.acked += len(batch)
            return
        log.warning("MQTT batch of %d not stored; it is retried, not acknowledged", len(batch))
        time.sleep(0.5)  # the store is failing: do not spin (this runs on the writer thread)
        self._inbox.extendleft(reversed(batch))
        self._wake.set()


def _device_from_topic(topic: str) -> str | None:
    parts = topic.split("/")
    return parts[2] if len(parts) == 4 and parts[2] else None
