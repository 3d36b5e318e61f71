"""Small builders for API tests."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

# A point inside the sample district (checked by the district tests).
INSIDE = (120.30, 30.30)


def register(
    client: TestClient, device_id: str, model: str = "underpass_water_level", **kw: Any
) -> dict[str, Any]:
    lon, lat = kw.pop("at", INSIDE)
    body = {
        "id": device_id,
        "model": model,
        "name": f"测试 {device_id}",
        "lon": lon,
        "lat": lat,
        "owner_unit": "区城管局",
        **kw,
    }
    response = client.post("/api/v1/devices", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def reading(device_id: str, ts: int, **values: Any) -> dict[str, Any]:
    return {"device_id": device_id, "ts": ts, "values": values}
