from __future__ import annotations

from fastapi.testclient import TestClient

from cityops.auth.tokens import Role
from cityops.runtime import Runtime
from tests.evidence.images import png
from tests.web.helpers import register


def test_stored_evidence_is_served_with_its_sniffed_type_and_safe_headers(
    client: TestClient, runtime: Runtime
) -> None:
    info = runtime.evidence.save(png(), "text/html", "detection")
    response = client.get(f"/api/v1/evidence/{info.id}")
    assert response.status_code == 200
    assert response.content == png()
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"] == f'inline; filename="{info.id}.png"'
    assert response.headers["cache-control"].startswith("private, max-age=")
    assert response.headers["content-security-policy"] == "sandbox"


def test_a_reference_answers_its_url_as_json_and_never_redirects(
    client: TestClient, runtime: Runtime
) -> None:
    info = runtime.evidence.reference("https://vendor.example/a.jpg", "detection")
    response = client.get(f"/api/v1/evidence/{info.id}", follow_redirects=False)
    assert response.status_code == 200
    assert response.json() == {"id": info.id, "url": "https://vendor.example/a.jpg"}


def test_unknown_or_malformed_ids_are_404(client: TestClient) -> None:
    assert client.get(f"/api/v1/evidence/{'0' * 32}").status_code == 404
    assert client.get("/api/v1/evidence/..%2F..%2Fcityops.db").status_code == 404
    assert client.get("/api/v1/evidence/nope").json() == {"detail": "no evidence 'nope'"}


def test_a_missing_file_is_404_not_a_crash(client: TestClient, runtime: Runtime) -> None:
    info = runtime.evidence.save(png(), "image/png", "detection")
    runtime.evidence.path_of(info).unlink()
    response = client.get(f"/api/v1/evidence/{info.id}")
    assert response.status_code == 404
    assert "missing" in response.json()["detail"]


def test_only_readers_may_fetch_evidence(client: TestClient, runtime: Runtime) -> None:
    info = runtime.evidence.save(png(), "image/png", "detection")
    url = f"/api/v1/evidence/{info.id}"
    viewer = runtime.api_keys.create("screen", Role.VIEWER)[1]
    ingest = runtime.api_keys.create("gateway", Role.INGEST)[1]
    camera = register(client, "CAM-1", model="camera")["token"]
    assert client.get(url, headers={"Authorization": f"Bearer {viewer}"}).status_code == 200
    assert client.get(url, headers={"Authorization": f"Bearer {ingest}"}).status_code == 403
    assert client.get(url, headers={"Authorization": f"Bearer {camera}"}).status_code == 403
    assert client.get(url, headers={"Authorization": ""}).status_code == 401
