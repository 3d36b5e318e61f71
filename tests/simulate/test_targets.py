from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

import httpx
import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from cityops.core.errors import Overloaded, Unauthorized
from cityops.simulate.fleet import DeviceSpec
from cityops.simulate.mqtt_target import MqttTarget
from cityops.simulate.targets import (
    Backoff,
    CallbackTarget,
    HttpTarget,
    SendResult,
    WireReading,
    register_over_http,
)
from tests.services import mqtt_url

BASE = "http://cityops.test"


async def _no_wait(seconds: float) -> None:
    return None


FAST = Backoff(retries=3, sleep=_no_wait)


def _readings(count: int, device: str = "UWL-UP-001") -> list[WireReading]:
    return [
        {"device_id": device, "ts": 1_767_225_600_000 + i, "values": {"water_level_cm": 0.5}}
        for i in range(count)
    ]


class FakeIngest:
    """Answers like the telemetry endpoint; `script` gives status codes to return first."""

    def __init__(self, *script: int, max_items: int = 10_000) -> None:
        self.script = list(script)
        self.max_items = max_items
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.script:
            return httpx.Response(self.script.pop(0), json={"detail": "scripted"})
        if request.headers["content-type"] == "application/x-ndjson":
            items = [json.loads(line) for line in request.content.splitlines() if line]
        else:
            items = json.loads(request.content)
        if len(items) > self.max_items:
            return httpx.Response(413, json={"detail": "too big"})
        bad = [i for i, item in enumerate(items) if item["values"].get("water_level_cm", 0) < 0]
        errors = [{"index": i, "reason": "water_level_cm below min 0"} for i in bad]
        body = {"accepted": len(items) - len(bad), "rejected": len(bad), "errors": errors}
        return httpx.Response(200, json=body)


def _send(target: HttpTarget, readings: list[WireReading]) -> SendResult:
    async def go() -> SendResult:
        try:
            return await target.send(readings)
        finally:
            await target.aclose()

    return asyncio.run(go())


def test_http_target_posts_json_batches_with_the_bearer_key() -> None:
    ingest = FakeIngest()
    target = HttpTarget(BASE, "k-123", batch_size=100, transport=httpx.MockTransport(ingest))
    readings = _readings(250)
    readings[120]["values"]["water_level_cm"] = -1.0
    result = _send(target, readings)
    assert (result.accepted, result.rejected) == (249, 1)
    assert result.errors[0].index == 120  # counted over the whole list, not the batch
    assert [len(json.loads(r.content)) for r in ingest.requests] == [100, 100, 50]
    request = ingest.requests[0]
    assert request.url == f"{BASE}/api/v1/telemetry"
    assert request.headers["authorization"] == "Bearer k-123"
    assert request.headers["content-type"] == "application/json"


def test_http_target_can_send_ndjson() -> None:
    ingest = FakeIngest()
    target = HttpTarget(BASE, "k", ndjson=True, transport=httpx.MockTransport(ingest))
    assert _send(target, _readings(3)).accepted == 3
    (request,) = ingest.requests
    assert request.headers["content-type"] == "application/x-ndjson"
    assert len(request.content.splitlines()) == 3


def test_http_target_retries_503_and_connection_errors_with_back_off() -> None:
    ingest = FakeIngest(503, 503)
    calls = 0

    def flaky(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise httpx.ConnectError("refused", request=request)
        return ingest(request)

    target = HttpTarget(BASE, "k", transport=httpx.MockTransport(flaky), backoff=FAST)
    assert _send(target, _readings(5)).accepted == 5
    assert calls == 4


def test_http_target_gives_up_with_overloaded_when_503_persists() -> None:
    ingest = FakeIngest(503, 503, 503, 503, 503)
    target = HttpTarget(BASE, "k", transport=httpx.MockTransport(ingest), backoff=FAST)
    with pytest.raises(Overloaded, match="still 503 after 3 retries"):
        _send(target, _readings(1))


def test_http_target_splits_a_batch_answered_413() -> None:
    ingest = FakeIngest(max_items=30)
    target = HttpTarget(BASE, "k", batch_size=100, transport=httpx.MockTransport(ingest))
    assert _send(target, _readings(100)).accepted == 100
    sizes = [len(json.loads(r.content)) for r in ingest.requests]
    assert sizes == [100, 50, 25, 25, 50, 25, 25]


def test_http_target_raises_unauthorized_on_401() -> None:
    target = HttpTarget(BASE, "bad", transport=httpx.MockTransport(FakeIngest(401)))
    with pytest.raises(Unauthorized):
        _send(target, _readings(1))


def test_register_over_http_sends_specs_in_chunks_and_collects_tokens(
    fleet: list[DeviceSpec],
) -> None:
    bodies: list[list[dict[str, Any]]] = []

    def devices(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v1/devices"
        assert request.url.params["skip_existing"] == "true"
        specs = json.loads(request.content)
        bodies.append(specs)
        made = [{"id": s["id"], "token": f"t-{s['id']}", "grid_code": "1"} for s in specs[1:]]
        return httpx.Response(201, json={"devices": made, "existing": [specs[0]["id"]]})

    specs = fleet[:250]
    result = asyncio.run(
        register_over_http(BASE, "k", specs, chunk_size=100, transport=httpx.MockTransport(devices))
    )
    assert [len(b) for b in bodies] == [100, 100, 50]
    assert bodies[0][0]["install_date"] == specs[0].install_date.isoformat()
    assert result.existing == [specs[0].id, specs[100].id, specs[200].id]
    assert len(result.tokens) == 247
    assert result.tokens[specs[1].id] == f"t-{specs[1].id}"


def test_callback_target_accepts_sync_and_async_functions() -> None:
    seen: list[WireReading] = []

    async def sink(readings: list[WireReading]) -> SendResult:
        return SendResult(accepted=len(readings) - 1, rejected=1)

    assert asyncio.run(CallbackTarget(seen.extend).send(_readings(4))) == SendResult(4, 0)
    assert len(seen) == 4
    assert asyncio.run(CallbackTarget(sink).send(_readings(4))) == SendResult(3, 1)


@pytest.mark.mqtt
def test_mqtt_target_publishes_each_reading_to_its_device_topic() -> None:
    url = mqtt_url()
    prefix = f"SIM{int(time.time() * 1000) % 10**8}"
    expected = 2 * 50
    got: list[tuple[str, bytes | bytearray]] = []
    done = threading.Event()
    subscribed = threading.Event()

    def on_connect(client: mqtt.Client, *_: Any) -> None:
        client.subscribe("cityops/devices/+/telemetry", qos=1)

    def on_message(client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        if message.topic.split("/")[2].startswith(prefix):
            got.append((message.topic, message.payload))
            if len(got) == expected:
                done.set()

    listener = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2)
    listener.on_connect = on_connect
    listener.on_subscribe = lambda *_: subscribed.set()
    listener.on_message = on_message
    listener.connect("127.0.0.1", int(url.rsplit(":", 1)[1]))
    listener.loop_start()
    try:
        assert subscribed.wait(5)
        readings = _readings(50, f"{prefix}-A") + _readings(50, f"{prefix}-B")

        async def publish() -> SendResult:
            target = MqttTarget(url)
            try:
                return await target.send(readings)
            finally:
                await target.aclose()  # returns once every PUBACK is in

        assert asyncio.run(publish()) == SendResult(expected, 0)
        assert done.wait(5), f"{len(got)} of {expected} arrived"
    finally:
        listener.loop_stop()
        listener.disconnect()
    topics = {topic for topic, _ in got}
    assert topics == {f"cityops/devices/{prefix}-{x}/telemetry" for x in "AB"}
    first = json.loads(got[0][1])
    assert set(first) == {"device_id", "ts", "values"}
