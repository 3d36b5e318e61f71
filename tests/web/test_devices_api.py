"""Devices: registration, grid placement, status from heartbeat, shadow, filters, pagination."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient
from tests.web.helpers import INSIDE, reading, register

from cityops.core.clock import FakeClock
from cityops.runtime import Runtime


def test_registration_places_the_device_in_its_grid_and_returns_the_token_once(
    client: TestClient,
) -> None:
    created = register(client, "UWL-D-1", tags=["underpass"], install_date="2025-06-01")
    assert created["token"].startswith("cod_")
    assert len(created["device"]["grid_code"]) == 15
    detail = client.get("/api/v1/devices/UWL-D-1").json()
    assert "token" not in detail
    assert detail["grid_code"] == created["device"]["grid_code"]
    assert detail["install_date"] == "2025-06-01"


def test_a_device_outside_the_district_has_no_grid(client: TestClient) -> None:
    assert register(client, "UWL-D-2", at=(116.4, 39.9))["device"]["grid_code"] is None


def test_registering_an_existing_id_is_a_conflict_unless_skipped(client: TestClient) -> None:
    register(client, "UWL-D-3")
    again = {
        "id": "UWL-D-3",
        "model": "underpass_water_level",
        "name": "x",
        "lon": INSIDE[0],
        "lat": INSIDE[1],
        "owner_unit": "u",
    }
    assert client.post("/api/v1/devices", json=again).status_code == 409
    batch = client.post(
        "/api/v1/devices",
        params={"skip_existing": "true"},
        json=[again, {**again, "id": "UWL-D-4"}],
    )
    assert batch.status_code == 201
    assert batch.json()["existing"] == ["UWL-D-3"]
    assert [d["id"] for d in batch.json()["devices"]] == ["UWL-D-4"]


def test_registration_rejects_unknown_models_and_fields(client: TestClient) -> None:
    body = {
        "id": "X-1",
        "model": "toaster",
        "name": "x",
        "lon": 120.3,
        "lat": 30.3,
        "owner_unit": "u",
    }
    assert "unknown thing model" in client.post("/api/v1/devices", json=body).json()["detail"]
    assert (
        client.post(
            "/api/v1/devices", json={**body, "model": "camera", "colour": "red"}
        ).status_code
        == 422
    )


def test_status_follows_the_heartbeat_timeout_and_the_shadow_keeps_latest_values(
    client: TestClient, clock: FakeClock
) -> None:
    register(client, "UWL-D-5")
    assert client.get("/api/v1/devices/UWL-D-5").json()["status"] == "never_seen"
    now = clock.now_ms()
    client.post(
        "/api/v1/telemetry", json=[reading("UWL-D-5", now, water_level_cm=4.0, battery_pct=81.0)]
    )
    client.post(
        "/api/v1/telemetry", json=[reading("UWL-D-5", now - 60_000, water_level_cm=99.0)]
    )  # late
    detail = _eventually(client, "UWL-D-5", lambda d: d["shadow"] is not None)
    assert detail["status"] == "online"
    assert detail["shadow"]["values"] == {"water_level_cm": 4.0, "battery_pct": 81.0}
    assert detail["battery_pct"] == 81.0
    clock.advance(1201)  # heartbeat_timeout_s of the gauge model is 1200
    assert client.get("/api/v1/devices/UWL-D-5").json()["status"] == "offline"


def _eventually(client: TestClient, device_id: str, ok: object) -> dict[str, object]:
    for _ in range(50):
        detail: dict[str, object] = client.get(f"/api/v1/devices/{device_id}").json()
        if ok(detail):  # type: ignore[operator]
            return detail
        time.sleep(0.02)
    raise AssertionError(f"condition never held for {device_id}")


def test_list_filters_and_cursor_pages_through_everything(client: TestClient) -> None:
    for i in range(7):
        register(client, f"UWL-L-{i}", tags=["underpass"] if i % 2 else [])
    register(client, "SMK-L-1", model="smoke_detector")
    page = client.get(
        "/api/v1/devices", params={"model": "underpass_water_level", "limit": 3}
    ).json()
    seen = [d["id"] for d in page["items"]]
    while page["next_cursor"]:
        page = client.get(
            "/api/v1/devices",
            params={"model": "underpass_water_level", "limit": 3, "cursor": page["next_cursor"]},
        ).json()
        seen += [d["id"] for d in page["items"]]
    assert seen == [f"UWL-L-{i}" for i in range(7)]
    tagged = client.get("/api/v1/devices", params={"tag": "underpass"}).json()["items"]
    assert [d["id"] for d in tagged] == ["UWL-L-1", "UWL-L-3", "UWL-L-5"]
    grid = tagged[0]["grid_code"]
    community = grid[:12]
    assert len(client.get("/api/v1/devices", params={"grid": community}).json()["items"]) == 8
    assert client.get("/api/v1/devices", params={"status": "never_seen"}).json()["items"]


def test_bucketed_telemetry(client: TestClient, clock: FakeClock) -> None:
    register(client, "UWL-B-1")
    now = clock.now_ms()
    body = [reading("UWL-B-1", now - i * 60_000, water_level_cm=float(i)) for i in range(10)]
    client.post("/api/v1/telemetry", json=body)
    answer = client.get(
        "/api/v1/devices/UWL-B-1/telemetry",
        params={"property": "water_level_cm", "bucket": "1h", "from": now - 3_600_000},
    )
    buckets = answer.json()["buckets"]
    assert sum(b["count"] for b in buckets) == 10
    assert min(b["min"] for b in buckets) == 0.0
    assert max(b["max"] for b in buckets) == 9.0
    assert (
        client.get("/api/v1/devices/UWL-B-1/telemetry", params={"bucket": "1h"}).status_code == 400
    )


def test_token_rotation_revokes_the_old_token(client: TestClient, clock: FakeClock) -> None:
    old = register(client, "UWL-R-1")["token"]
    new = client.post("/api/v1/devices/UWL-R-1/token").json()["token"]
    body = reading("UWL-R-1", clock.now_ms(), water_level_cm=1.0)
    assert (
        client.post(
            "/api/v1/telemetry", json=body, headers={"Authorization": f"Bearer {old}"}
        ).status_code
        == 401
    )
    assert (
        client.post(
            "/api/v1/telemetry", json=body, headers={"Authorization": f"Bearer {new}"}
        ).status_code
        == 200
    )


def test_shadows_survive_a_restart(runtime: Runtime, client: TestClient, clock: FakeClock) -> None:
    register(client, "UWL-S-1")
    client.post("/api/v1/telemetry", json=reading("UWL-S-1", clock.now_ms(), water_level_cm=3.0))
    _eventually(client, "UWL-S-1", lambda d: d["shadow"] is not None)
    runtime.stop()
    again = Runtime(runtime.settings, clock)
    again.start()
    try:
        shadow = again.shadows.get("UWL-S-1")
        assert shadow is not None
        assert shadow.values == {"water_level_cm": 3.0}
    finally:
        again.stop()


def test_a_revoked_device_token_stops_working_until_rotated(
    client: TestClient, clock: FakeClock
) -> None:
    token = register(client, "UWL-V-1")["token"]
    body = reading("UWL-V-1", clock.now_ms(), water_level_cm=1.0)
    own = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/telemetry", json=body, headers=own).status_code == 200
    assert client.delete("/api/v1/devices/UWL-V-1/token").status_code == 204
    assert client.post("/api/v1/telemetry", json=body, headers=own).status_code == 401
    fresh = client.post("/api/v1/devices/UWL-V-1/token").json()["token"]
    later = reading("UWL-V-1", clock.now_ms() - 1000, water_level_cm=1.0)
    answer = client.post(
        "/api/v1/telemetry", json=later, headers={"Authorization": f"Bearer {fresh}"}
    )
    assert answer.status_code == 200
    assert client.delete("/api/v1/devices/NOPE/token").status_code == 404
