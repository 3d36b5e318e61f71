"""Detections that open events, join them, and open new ones when far away or late."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cityops.core.clock import FakeClock
from tests.detections.helpers import detection, png
from tests.web.helpers import INSIDE, register

NEAR = (INSIDE[0] + 0.0001, INSIDE[1])  # about 10 m east
FAR = (INSIDE[0] + 0.01, INSIDE[1])  # about 960 m east


@pytest.fixture
def camera(client: TestClient) -> str:
    return str(register(client, "CAM-1", model="camera", name="南湖路12号摄像头")["token"])


def _events(client: TestClient) -> list[dict[str, Any]]:
    response = client.get("/api/v1/events", params={"source": "detection"})
    assert response.status_code == 200
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_a_json_detection_opens_a_detection_event_with_its_image(
    client: TestClient, clock: FakeClock, camera: str
) -> None:
    response = client.post("/api/v1/detections", json=detection("CAM-1", clock.now_ms()))
    assert response.status_code == 201, response.text
    answer = response.json()
    assert set(answer) == {"id", "outcome", "event_id", "class_code", "evidence_id"}
    assert (answer["outcome"], answer["class_code"]) == ("event", "E0102")
    (event,) = _events(client)
    assert event["id"] == answer["event_id"]
    assert (event["source"], event["class_code"], event["count"]) == ("detection", "E0102", 1)
    assert event["title"].startswith("视频AI识别：")
    assert event["title"].endswith("（南湖路12号摄像头）")
    assert (event["device_id"], event["lon"], event["lat"]) == ("CAM-1", *INSIDE)
    assert event["severity"] == "blue"
    assert event["evidence"]["images"] == [f"/api/v1/evidence/{answer['evidence_id']}"]
    (seen,) = event["evidence"]["detections"]
    assert seen == {
        "id": answer["id"],
        "vendor": "hk-vision",
        "label": "garbage_exposed",
        "confidence": 0.9,
        "bbox": [0.3, 0.4, 0.2, 0.2],
        "ts": clock.now_ms(),
    }
    image = client.get(event["evidence"]["images"][0])
    assert (image.headers["content-type"], image.content) == ("image/png", png())


def test_a_multipart_detection_carries_the_image_as_a_file(
    client: TestClient, clock: FakeClock, camera: str
) -> None:
    metadata = detection("CAM-1", "2026-01-01T07:59:00+08:00", grain=None)
    response = client.post(
        "/api/v1/detections",
        data={"metadata": json.dumps(metadata)},
        files={"image": ("../../etc/evil.jpg", png(7), "image/jpeg")},
    )
    assert response.status_code == 201, response.text
    evidence_id = response.json()["evidence_id"]
    image = client.get(f"/api/v1/evidence/{evidence_id}")
    assert image.headers["content-type"] == "image/png"  # sniffed, not the declared JPEG
    assert image.headers["content-disposition"] == f'inline; filename="{evidence_id}.png"'
    assert image.content == png(7)
    (event,) = _events(client)
    assert event["first_seen"] == clock.now_ms() - 60_000


def test_an_image_kept_by_the_vendor_is_referenced_not_fetched(
    client: TestClient, clock: FakeClock, camera: str
) -> None:
    url = "https://vendor.example/snap/1.jpg"
    body = detection("CAM-1", clock.now_ms(), grain=None, image_url=url)
    answer = client.post("/api/v1/detections", json=body).json()
    reference = client.get(f"/api/v1/evidence/{answer['evidence_id']}")
    assert reference.json() == {"id": answer["evidence_id"], "url": url}


def test_a_detection_without_an_image_still_opens_an_event(
    client: TestClient, clock: FakeClock, camera: str
) -> None:
    answer = client.post("/api/v1/detections", json=detection("CAM-1", clock.now_ms(), None))
    assert answer.status_code == 201
    assert answer.json()["evidence_id"] is None
    assert _events(client)[0]["evidence"]["images"] == []


def test_an_unmapped_label_is_stored_but_opens_nothing(
    client: TestClient, clock: FakeClock, camera: str
) -> None:
    body = detection("CAM-1", clock.now_ms(), label="person_loitering")
    response = client.post("/api/v1/detections", json=body)
    assert response.status_code == 200
    answer = response.json()
    assert answer["outcome"] == "unmapped"
    assert (answer["event_id"], answer["class_code"], answer["evidence_id"]) == (None, None, None)
    assert _events(client) == []
    stored = client.get("/api/v1/detections", params={"outcome": "unmapped"}).json()["items"]
    assert [d["id"] for d in stored] == [answer["id"]]


def test_a_detection_below_the_vendor_threshold_is_stored_but_opens_nothing(
    client: TestClient, clock: FakeClock, camera: str
) -> None:
    body = detection("CAM-1", clock.now_ms(), confidence=0.59)  # hk-vision garbage: 0.60
    response = client.post("/api/v1/detections", json=body)
    assert response.status_code == 200
    answer = response.json()
    assert (answer["outcome"], answer["class_code"]) == ("below_confidence", "E0102")
    assert (answer["event_id"], answer["evidence_id"]) == (None, None)
    assert _events(client) == []


def test_three_sightings_of_the_same_garbage_join_one_event_with_three_images(
    client: TestClient, clock: FakeClock, camera: str
) -> None:
    register(client, "CAM-2", model="camera", at=NEAR)
    answers = []
    for grain, camera_id in enumerate(("CAM-1", "CAM-1", "CAM-2")):
        body = detection(camera_id, clock.now_ms(), grain, confidence=0.8 + grain / 100)
        answers.append(client.post("/api/v1/detections", json=body).json())
        clock.advance(600)
    assert len({a["event_id"] for a in answers}) == 1
    (event,) = _events(client)
    assert event["count"] == 3
    assert event["evidence"]["images"] == [f"/api/v1/evidence/{a['evidence_id']}" for a in answers]
    assert [d["id"] for d in event["evidence"]["detections"]] == [a["id"] for a in answers]
    assert event["last_seen"] - event["first_seen"] == 1_200_000


def test_the_dh_ai_word_for_the_same_garbage_joins_the_same_event(
    client: TestClient, clock: FakeClock, camera: str
) -> None:
    first = client.post("/api/v1/detections", json=detection("CAM-1", clock.now_ms(), 1))
    body = detection("CAM-1", clock.now_ms(), 2, vendor="dh-ai", label="exposed_trash")
    second = client.post("/api/v1/detections", json=body)
    assert second.json()["event_id"] == first.json()["event_id"]


def test_garbage_far_away_opens_a_second_event(
    client: TestClient, clock: FakeClock, camera: str
) -> None:
    register(client, "CAM-FAR", model="camera", at=FAR)
    first = client.post("/api/v1/detections", json=detection("CAM-1", clock.now_ms(), 1))
    far = client.post("/api/v1/detections", json=detection("CAM-FAR", clock.now_ms(), 2))
    assert first.json()["event_id"] != far.json()["event_id"]
    assert sorted(e["count"] for e in _events(client)) == [1, 1]


def test_garbage_seen_again_after_the_window_opens_a_second_event(
    client: TestClient, clock: FakeClock, camera: str
) -> None:
    first = client.post("/api/v1/detections", json=detection("CAM-1", clock.now_ms(), 1))
    clock.advance(7200 + 1)  # hk-vision garbage_exposed: dedup_window_s 7200
    late = client.post("/api/v1/detections", json=detection("CAM-1", clock.now_ms(), 2))
    assert late.status_code == 201
    assert first.json()["event_id"] != late.json()["event_id"]
    assert len(_events(client)) == 2


def test_another_class_at_the_same_place_is_another_event(
    client: TestClient, clock: FakeClock, camera: str
) -> None:
    garbage = client.post("/api/v1/detections", json=detection("CAM-1", clock.now_ms(), 1))
    parking = detection("CAM-1", clock.now_ms(), 2, label="vehicle_illegal_parking")
    answer = client.post("/api/v1/detections", json=parking).json()
    assert answer["class_code"] == "E0504"
    assert answer["event_id"] != garbage.json()["event_id"]
    severities = {e["class_code"]: e["severity"] for e in _events(client)}
    assert severities == {"E0102": "blue", "E0504": "yellow"}


def test_a_resent_detection_is_answered_again_without_counting_twice(
    client: TestClient, clock: FakeClock, camera: str
) -> None:
    body = detection("CAM-1", clock.now_ms())
    first = client.post("/api/v1/detections", json=body)
    again = client.post("/api/v1/detections", json=body)
    assert again.status_code == first.status_code == 201
    assert again.json() == first.json()
    assert _events(client)[0]["count"] == 1
    assert len(client.get("/api/v1/detections").json()["items"]) == 1


def test_two_boxes_in_one_frame_are_two_detections(
    client: TestClient, clock: FakeClock, camera: str
) -> None:
    now = clock.now_ms()
    left = client.post("/api/v1/detections", json=detection("CAM-1", now, bbox=[0, 0, 0.2, 0.2]))
    right = detection("CAM-1", now, bbox=[640, 360, 120, 80])  # pixels
    assert client.post("/api/v1/detections", json=right).json()["id"] != left.json()["id"]
    assert _events(client)[0]["count"] == 2


def test_a_camera_posts_its_own_detections_with_its_token(
    client: TestClient, clock: FakeClock, camera: str
) -> None:
    image = base64.b64encode(png()).decode()
    response = client.post(
        "/api/v1/detections",
        json=detection(
            "CAM-1", clock.now_ms(), None, image_base64=f"data:image/png;base64,{image}"
        ),
        headers={"Authorization": f"Bearer {camera}"},
    )
    assert response.status_code == 201, response.text
