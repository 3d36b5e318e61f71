"""GET /api/v1/detections for audit, and the vendor mappings an integrator can look up."""

from __future__ import annotations

from fastapi.testclient import TestClient

from cityops.auth.tokens import Role
from cityops.core.clock import FakeClock
from cityops.runtime import Runtime
from tests.detections.helpers import detection
from tests.web.helpers import register


def test_detections_are_listed_newest_first_with_filters_and_a_cursor(
    client: TestClient, clock: FakeClock
) -> None:
    register(client, "CAM-1", model="camera")
    register(client, "CAM-2", model="camera")
    start = clock.now_ms()
    posted = []
    for i, (camera, label) in enumerate(
        [("CAM-1", "garbage_exposed"), ("CAM-2", "person"), ("CAM-1", "garbage_exposed")]
    ):
        body = detection(camera, clock.now_ms(), i, label=label)
        posted.append(client.post("/api/v1/detections", json=body).json())
        clock.advance(60)
    everything = client.get("/api/v1/detections").json()
    assert [d["id"] for d in everything["items"]] == [p["id"] for p in reversed(posted)]
    newest = everything["items"][0]
    assert newest["evidence_url"] == f"/api/v1/evidence/{posted[2]['evidence_id']}"
    assert (newest["camera_id"], newest["outcome"], newest["bbox"]) == (
        "CAM-1",
        "event",
        [0.3, 0.4, 0.2, 0.2],
    )

    def ids(**params: object) -> list[str]:
        return [d["id"] for d in client.get("/api/v1/detections", params=params).json()["items"]]

    assert ids(camera_id="CAM-2") == [posted[1]["id"]]
    assert ids(label="garbage_exposed", outcome="event") == [posted[2]["id"], posted[0]["id"]]
    assert ids(event_id=posted[0]["event_id"]) == [posted[2]["id"], posted[0]["id"]]
    assert ids(**{"from": start + 60_000}) == [posted[2]["id"], posted[1]["id"]]
    assert ids(to=start + 60_000) == [posted[0]["id"]]
    page = client.get("/api/v1/detections", params={"limit": 2}).json()
    assert page["next_cursor"] == posted[1]["id"]
    rest = client.get("/api/v1/detections", params={"cursor": page["next_cursor"]}).json()
    assert [d["id"] for d in rest["items"]] == [posted[0]["id"]]
    assert rest["next_cursor"] is None


def test_only_readers_may_list_detections(client: TestClient, runtime: Runtime) -> None:
    ingest = runtime.api_keys.create("vendor", Role.INGEST)[1]
    response = client.get("/api/v1/detections", headers={"Authorization": f"Bearer {ingest}"})
    assert response.status_code == 403
    assert client.get("/api/v1/detections", params={"outcome": "nope"}).status_code == 422


def test_the_vendor_mappings_can_be_looked_up(client: TestClient) -> None:
    vendors = client.get("/api/v1/detections/vendors").json()["items"]
    assert [v["vendor"] for v in vendors] == ["dh-ai", "hk-vision"]
    garbage = vendors[1]["labels"]["garbage_exposed"]
    assert garbage == {
        "class_code": "E0102",
        "name_zh": "垃圾暴露",
        "min_confidence": 0.6,
        "severity": "blue",
        "dedup_radius_m": 30.0,
        "dedup_window_s": 7200,
    }
