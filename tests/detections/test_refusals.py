"""Every refusal names its reason, answers 4xx and is dead-lettered: none is dropped silently."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cityops.auth.tokens import Role
from cityops.core.clock import FakeClock
from cityops.runtime import Runtime
from tests.detections.helpers import detection
from tests.web.helpers import register

NOW = FakeClock().now_ms()
TEXT = base64.b64encode(b"hello, this is not an image").decode()


@pytest.fixture(autouse=True)
def cameras(client: TestClient) -> None:
    register(client, "CAM-1", model="camera")
    register(client, "UWL-1")


def _refused(client: TestClient, response: Any, status: int, code: str, why: str) -> None:
    assert response.status_code == status, response.text
    answer = response.json()
    assert answer["code"] == code
    assert answer["detail"].startswith(f"{code}: ")
    assert why in answer["detail"]
    letters = client.get("/api/v1/dead-letters", params={"reason": code}).json()["items"]
    assert [letter["reason"] for letter in letters] == [answer["detail"]]
    assert client.get("/api/v1/detections").json()["items"] == []
    assert client.get("/api/v1/events").json()["items"] == []


@pytest.mark.parametrize(
    ("fields", "code", "why"),
    [
        ({"camera_id": "CAM-404"}, "unknown_device", "no camera 'CAM-404' is registered"),
        ({"camera_id": "UWL-1"}, "not_a_camera", "is a underpass_water_level, not a camera"),
        ({"vendor": "acme"}, "unknown_vendor", "known: dh-ai, hk-vision"),
        ({"ts": NOW // 1000}, "bad_timestamp", "(epoch seconds? ts must be epoch milliseconds)"),
        ({"ts": "2026-01-01T08:00:00"}, "bad_timestamp", "has no UTC offset"),
        ({"ts": "yesterday"}, "bad_timestamp", "is not ISO 8601"),
        ({"ts": NOW + 3_600_000}, "future_timestamp", "ts is 3600 s in the future"),
        ({"confidence": 1.5}, "bad_confidence", "confidence 1.5 is outside [0, 1]"),
        ({"confidence": 87}, "bad_confidence", "(a percentage? send 0..1)"),
        ({"confidence": -0.1}, "bad_confidence", "outside [0, 1]"),
        ({"bbox": [0.1, 0.2, 0.3]}, "bad_bbox", "bbox must be [x, y, w, h], got 3 numbers"),
        ({"bbox": [0.5, 0.5, 0.6, 0.1]}, "bad_bbox", "reaches outside the frame"),
        ({"bbox": [10, 10, 0, 5]}, "bad_bbox", "width and height must be positive"),
        ({"bbox": [-1, 10, 5, 5]}, "bad_bbox", "must not be negative"),
        ({"bbox": [10, 10, 5e6, 5]}, "bad_bbox", "beyond 100,000 pixels"),
        ({"image_base64": "@@not base64@@"}, "bad_image", "image_base64 is not valid base64"),
        ({"image_url": "https://v.example/a.jpg"}, "bad_image", "send one image"),
        ({"image_url": "javascript:alert(1)"}, "bad_image", "must be an http:// or https://"),
        ({"label": ""}, "bad_shape", "Expected `str` of length >= 1 - at `$.label`"),
        ({"extra": 1}, "bad_shape", "Object contains unknown field `extra`"),
        ({"confidence": "high"}, "bad_shape", "Expected `float`, got `str` - at `$.confidence`"),
    ],
)
def test_an_invalid_field_is_refused_with_its_reason(
    client: TestClient, fields: dict[str, Any], code: str, why: str
) -> None:
    body = {**detection("CAM-1", NOW), **fields}
    if fields.get("image_url", "").startswith("javascript"):
        del body["image_base64"]
    _refused(client, client.post("/api/v1/detections", json=body), 400, code, why)


def test_a_text_file_posing_as_an_image_is_refused_415(client: TestClient) -> None:
    body = detection("CAM-1", NOW, image_base64=TEXT)
    response = client.post("/api/v1/detections", json=body)
    _refused(client, response, 415, "unsupported_image", "not JPEG, PNG or WebP")


def test_a_missing_field_and_malformed_json_are_refused(client: TestClient) -> None:
    body = detection("CAM-1", NOW)
    del body["label"]
    response = client.post("/api/v1/detections", json=body)
    _refused(client, response, 400, "bad_shape", "missing required field `label`")
    broken = client.post(
        "/api/v1/detections", content=b'{"vendor": ', headers={"content-type": "application/json"}
    )
    assert broken.status_code == 400
    assert broken.json()["code"] == "malformed"


def test_a_body_that_is_neither_json_nor_multipart_is_refused_415(client: TestClient) -> None:
    response = client.post(
        "/api/v1/detections", content=b"vendor=hk", headers={"content-type": "text/plain"}
    )
    _refused(client, response, 415, "unsupported_media", "not text/plain")


def test_an_image_or_a_body_over_the_limit_is_refused_413(
    client: TestClient, runtime: Runtime
) -> None:
    runtime.evidence.max_bytes = 512
    big_image = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 1024).decode()
    response = client.post(
        "/api/v1/detections", json=detection("CAM-1", NOW, image_base64=big_image)
    )
    _refused(client, response, 413, "too_large", "the limit is 512")
    huge = json.dumps(detection("CAM-1", NOW, note="x" * 100_000)).encode()
    response = client.post(
        "/api/v1/detections", content=huge, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["detail"].startswith("too_large: body is ")


META = json.dumps(detection("CAM-1", NOW, grain=None))
META_WITH_IMAGE = json.dumps(detection("CAM-1", NOW))
PNG_PART = ("a.png", b"\x89PNG", "image/png")


@pytest.mark.parametrize(
    ("parts", "status", "code", "why"),
    [
        ({"image": PNG_PART}, 400, "bad_shape", "needs a `metadata` field"),
        ({"metadata": (None, "{not json")}, 400, "malformed", "metadata is not a JSON object"),
        ({"metadata": (None, META), "image": (None, "text")}, 400, "bad_image", "a file part"),
        ({"metadata": (None, META_WITH_IMAGE), "image": PNG_PART}, 400, "bad_image", "one image"),
        ({"metadata": (None, META), "image": ("a.jpg", b"GIF89a", "image/jpeg")}, 415,
         "unsupported_image", "(declared image/jpeg)"),
    ],
)  # fmt: skip
def test_a_broken_upload_is_refused_with_its_reason(
    client: TestClient, parts: dict[str, Any], status: int, code: str, why: str
) -> None:
    response = client.post("/api/v1/detections", files=parts)
    _refused(client, response, status, code, why)


def test_a_camera_may_post_only_its_own_detections(client: TestClient) -> None:
    other = register(client, "CAM-2", model="camera")["token"]
    response = client.post(
        "/api/v1/detections",
        json=detection("CAM-1", NOW),
        headers={"Authorization": f"Bearer {other}"},
    )
    _refused(client, response, 403, "forbidden_device", "device CAM-2 may post only its own")


def test_viewers_may_not_post_but_ingest_keys_may(client: TestClient, runtime: Runtime) -> None:
    viewer = runtime.api_keys.create("screen", Role.VIEWER)[1]
    ingest = runtime.api_keys.create("vendor gateway", Role.INGEST)[1]
    body = detection("CAM-1", NOW)
    refused = client.post(
        "/api/v1/detections", json=body, headers={"Authorization": f"Bearer {viewer}"}
    )
    _refused(client, refused, 403, "forbidden_device", "an API key with role viewer")
    accepted = client.post(
        "/api/v1/detections", json=body, headers={"Authorization": f"Bearer {ingest}"}
    )
    assert accepted.status_code == 201
    assert (
        client.post("/api/v1/detections", json=body, headers={"Authorization": ""}).status_code
        == 401
    )
