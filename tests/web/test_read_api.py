"""Read endpoints: health without a credential, everything else with one; grids as GeoJSON."""

from __future__ import annotations

from fastapi.testclient import TestClient

from cityops.auth.tokens import Role
from cityops.runtime import Runtime


def test_health_needs_no_credential(client: TestClient) -> None:
    answer = client.get("/api/v1/health", headers={"Authorization": ""})
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"


def test_reads_need_a_credential(client: TestClient) -> None:
    for path in (
        "/api/v1/devices",
        "/api/v1/grids",
        "/api/v1/dead-letters",
        "/api/v1/stats/ingest",
    ):
        assert client.get(path, headers={"Authorization": ""}).status_code == 401, path


def test_a_viewer_reads_but_may_not_register_or_see_dead_letters(
    client: TestClient, runtime: Runtime
) -> None:
    viewer = {"Authorization": f"Bearer {runtime.api_keys.create('wall screen', Role.VIEWER)[1]}"}
    assert client.get("/api/v1/devices", headers=viewer).status_code == 200
    assert client.get("/api/v1/dead-letters", headers=viewer).status_code == 403
    body = {"id": "X", "model": "camera", "name": "x", "lon": 120.3, "lat": 30.3, "owner_unit": "u"}
    assert client.post("/api/v1/devices", json=body, headers=viewer).status_code == 403


def test_a_revoked_key_stops_working(client: TestClient, runtime: Runtime) -> None:
    info, secret = runtime.api_keys.create("temp", Role.VIEWER)
    header = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/devices", headers=header).status_code == 200
    runtime.api_keys.revoke(info.id)
    assert client.get("/api/v1/devices", headers=header).status_code == 401


def test_grids_are_a_geojson_feature_collection_of_60_grids(client: TestClient) -> None:
    grids = client.get("/api/v1/grids").json()
    assert grids["type"] == "FeatureCollection"
    assert len(grids["features"]) == 60
    first = grids["features"][0]
    assert first["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert {"code", "name_zh", "name_en"} <= set(first["properties"])
    streets = client.get("/api/v1/grids", params={"level": "street"}).json()
    assert len(streets["features"]) == 3


def test_docs_are_served_without_any_cdn(client: TestClient) -> None:
    page = client.get("/docs").text
    assert "/static/swagger/swagger-ui-bundle.js" in page
    assert "http" not in page.replace("http-equiv", "")
    assert client.get("/static/swagger/swagger-ui-bundle.js").status_code == 200
    assert client.get("/openapi.json").json()["paths"]["/api/v1/telemetry"]
