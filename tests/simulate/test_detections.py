from __future__ import annotations

import asyncio
import base64
import json
import math

import httpx
import pytest

from cityops.core.clock import FakeClock
from cityops.core.errors import ConfigError
from cityops.devices.thing_model import ThingModel
from cityops.evidence.files import sniff
from cityops.simulate.detections import plan_detections
from cityops.simulate.fleet import DeviceSpec
from cityops.simulate.generators import camera_ai_enabled, values_at
from cityops.simulate.mqtt_target import MqttTarget
from cityops.simulate.overlays import Silence, plan_incidents
from cityops.simulate.runner import Simulator
from cityops.simulate.scenario import Scenario, parse_scenario, resolve_scenario
from cityops.simulate.targets import (
    CallbackTarget,
    HttpTarget,
    SendResult,
    WireDetection,
    WireReading,
)
from tests.simulate.helpers import START_MS

BASE = "http://cityops.test"


def _scenario(incidents: str) -> Scenario:
    return parse_scenario(f"name: t\nspeed: 60\nduration_s: 7200\nincidents:\n{incidents}", "t")


def _released(sim: Simulator, real_s: float, step_ms: int = 1000) -> list[WireDetection]:
    due: list[WireDetection] = []
    for now in range(START_MS, START_MS + round(real_s * 1000) + 1, step_ms):
        for detection in sim.detections_due(now):
            assert detection["ts"] <= now
            due.append(detection)
    return due


def test_the_same_seed_gives_the_same_detections_and_another_seed_others(
    fleet: list[DeviceSpec], models: dict[str, ThingModel]
) -> None:
    demo = resolve_scenario("demo")

    def play(seed: int, step_ms: int) -> list[WireDetection]:
        return _released(Simulator(fleet, models, demo, seed=seed), 600, step_ms)

    first = play(7, 1000)
    assert len(first) == 4 + 2 + 1 + 3 + 1
    assert play(7, 3700) == first  # however the simulator is ticked
    other = play(8, 1000)
    assert [d["camera_id"] for d in other] != [d["camera_id"] for d in first]


def test_the_demo_sends_garbage_four_times_from_one_camera_with_a_fresh_snapshot_each(
    fleet: list[DeviceSpec], models: dict[str, ThingModel]
) -> None:
    sim = Simulator(fleet, models, resolve_scenario("demo"))
    released = _released(sim, 600)
    garbage = [d for d in released if d["label"] == "garbage_exposed"]
    assert len({d["camera_id"] for d in garbage}) == 1
    assert [round((d["ts"] - START_MS) / 1000) for d in garbage] == [30, 60, 90, 120]
    images = [base64.b64decode(d["image_base64"]) for d in released]
    assert {kind.ext if kind else None for kind in map(sniff, images)} == {"png"}
    assert len(set(images)) == len(images)
    boxes = [d["bbox"] for d in garbage]
    assert all(math.dist(boxes[0][:2], box[:2]) < 0.03 for box in boxes)  # the same thing
    assert all(0.72 <= d["confidence"] <= 0.96 for d in garbage)
    assert {d["vendor"] for d in released} == {"hk-vision", "dh-ai"}


def test_picked_cameras_run_ai_and_are_not_silenced_by_a_dropout(
    fleet: list[DeviceSpec], models: dict[str, ThingModel]
) -> None:
    demo = resolve_scenario("demo")
    plan = plan_incidents(demo, fleet, demo.seed)
    silenced = {d for d, ovs in plan.items() if any(isinstance(o, Silence) for o in ovs)}
    planned = plan_detections(demo, fleet, demo.seed, silenced)
    cameras = {d.camera_id for d in planned}
    assert cameras.isdisjoint(silenced)
    assert all(camera_ai_enabled(demo.seed, c) for c in cameras)
    model = models["camera"]
    by_id = {d.id: d for d in fleet}
    for camera in cameras:  # the same trait the camera's own readings report
        assert values_at(demo.seed, by_id[camera], model, 0.0)["ai_enabled"] is True


def test_near_picks_the_ai_cameras_closest_to_a_place(fleet: list[DeviceSpec]) -> None:
    scenario = _scenario("  - {kind: detections, vendor: v, label: l, near: WQ-03, count: 2}\n")
    picked = [d.camera_id for d in plan_detections(scenario, fleet, 7)]
    station = next(d for d in fleet if d.id == "WQS-WQ-03")
    ai = [d for d in fleet if d.model == "camera" and camera_ai_enabled(7, d.id)]
    ai.sort(key=lambda d: math.hypot(d.lon - station.lon, d.lat - station.lat))
    assert set(picked) == {ai[0].id, ai[1].id}


def test_named_cameras_are_used_as_given(fleet: list[DeviceSpec]) -> None:
    scenario = _scenario(
        "  - {kind: detections, vendor: v, label: l, cameras: [CAM-000003], repeat: 3,"
        " start_s: 100, every_s: 50}\n"
    )
    planned = plan_detections(scenario, fleet, 7)
    assert [(d.camera_id, d.t_s) for d in planned] == [("CAM-000003", t) for t in (100, 150, 200)]


@pytest.mark.parametrize(
    ("incident", "why"),
    [
        ("cameras: [CAM-999999]", r"incidents.0 \(detections\).cameras: no camera 'CAM-999999'"),
        ("cameras: [UWL-UP-001]", r"cameras: no camera 'UWL-UP-001'"),
        ("count: 5000", r"count: 5000 but only \d+ more cameras run AI"),
        ("near: XX-01, count: 1", r"near: no device or place 'XX-01'"),
    ],
)
def test_cameras_that_cannot_be_found_are_named(
    fleet: list[DeviceSpec], incident: str, why: str
) -> None:
    scenario = _scenario(f"  - {{kind: detections, vendor: v, label: l, {incident}}}\n")
    with pytest.raises(ConfigError, match=why):
        plan_detections(scenario, fleet, 7)


def test_a_detections_incident_needs_cameras_and_a_sane_confidence() -> None:
    with pytest.raises(ConfigError, match="name `cameras` or give a `count`"):
        _scenario("  - {kind: detections, vendor: v, label: l}\n")
    with pytest.raises(ConfigError, match="confidence must be"):
        _scenario("  - {kind: detections, vendor: v, label: l, count: 1, confidence: [0.9, 1.2]}\n")


def test_http_target_posts_each_detection_as_json_and_collects_refusals() -> None:
    requests: list[httpx.Request] = []

    def server(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        body = json.loads(request.content)
        if body["label"] == "bad":
            return httpx.Response(400, json={"detail": "bad_bbox: no", "code": "bad_bbox"})
        return httpx.Response(201, json={"id": "d1", "outcome": "event"})

    def one(label: str) -> WireDetection:
        return {"vendor": "hk-vision", "camera_id": "CAM-1", "label": label, "confidence": 0.9,
                "bbox": [0.1, 0.1, 0.2, 0.2], "ts": START_MS, "image_base64": "iVBOR"}  # fmt: skip

    async def go() -> SendResult:
        target = HttpTarget(BASE, "k", transport=httpx.MockTransport(server))
        try:
            return await target.send_detections([one("garbage_exposed"), one("bad")])
        finally:
            await target.aclose()

    result = asyncio.run(go())
    assert (result.accepted, result.rejected) == (1, 1)
    assert result.errors[0].index == 1
    assert result.errors[0].reason == "bad_bbox: no"
    assert {r.url.path for r in requests} == {"/api/v1/detections"}
    assert requests[0].headers["content-type"] == "application/json"


def test_targets_without_a_way_to_deliver_detections_count_them_skipped(
    fleet: list[DeviceSpec], models: dict[str, ThingModel]
) -> None:
    clock = FakeClock(START_MS)
    readings: list[WireReading] = []
    detections: list[WireDetection] = []

    async def sleep(seconds: float) -> None:
        clock.advance(seconds)

    def run(target: CallbackTarget | MqttTarget) -> tuple[int, int, int]:
        sim = Simulator(fleet, models, resolve_scenario("demo"))
        stats = asyncio.run(sim.run(target, duration_s=60, clock=clock, sleep=sleep))
        return stats.detections_sent, stats.detections_accepted, stats.detections_skipped

    assert run(CallbackTarget(readings.extend)) == (2, 0, 2)  # the garbage at 0:30 and 1:00
    assert run(CallbackTarget(readings.extend, detections.extend)) == (2, 2, 0)
    assert len(detections) == 2
    mqtt = MqttTarget("mqtt://127.0.0.1:1")  # never connects: detections do not go over MQTT
    assert asyncio.run(mqtt.send_detections(detections)) == SendResult(skipped=2)
    forwarded: list[WireDetection] = []
    helper = MqttTarget("mqtt://127.0.0.1:1", detections=CallbackTarget(print, forwarded.extend))
    assert asyncio.run(helper.send_detections(detections)) == SendResult(accepted=2)
    assert forwarded == detections
