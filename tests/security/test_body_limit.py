"""The global body limit: 413 with a JSON error on every route, whether the size is declared or
only seen while the body streams in; the routes that keep what they refuse still keep it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from cityops.runtime import Runtime
from cityops.web.security import OWN_LIMIT, PHOTO_LIMIT, PHOTO_UPLOAD

LIMIT = 1000


@pytest.fixture
def small(runtime: Runtime) -> int:
    runtime.settings.max_body_bytes = LIMIT
    return LIMIT


def chunks(total: int, size: int = 256) -> Iterator[bytes]:
    """A body sent chunked, with no Content-Length to refuse it by."""
    for start in range(0, total, size):
        yield b" " * min(size, total - start)


def body_routes(client: TestClient) -> list[tuple[str, str]]:
    """Every operation that may take a body, from the API's own description."""
    found = []
    for template, operations in client.get("/openapi.json").json()["paths"].items():
        if template not in OWN_LIMIT:
            path = re.sub(r"\{[^}]+\}", "X1", template.replace("{fmt}", "json"))
            found += [(m.upper(), path) for m in operations if m in ("post", "put", "patch")]
    return found


def test_every_route_refuses_a_declared_body_over_the_limit(client: TestClient, small: int) -> None:
    routes = body_routes(client)
    assert len(routes) >= 10
    for method, path in routes:
        limit = PHOTO_LIMIT if PHOTO_UPLOAD.fullmatch(path) else small
        response = client.request(
            method, path, content=b" " * (limit + 1), headers={"content-type": "application/json"}
        )
        assert response.status_code == 413, (method, path, response.text)
        assert response.json() == {
            "detail": f"the request body is larger than the limit of {limit:,} bytes"
        }
        assert response.headers["x-content-type-options"] == "nosniff"


def test_a_body_is_refused_before_the_credential_is_even_checked(
    client: TestClient, small: int
) -> None:
    response = client.post("/api/v1/devices", content=b"[" * 5000, headers={"Authorization": ""})
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/api/v1/devices", "application/json"),
        ("/api/v1/rules/validate", "application/json"),
        ("/open311/v2/requests.json", "application/x-www-form-urlencoded"),
        ("/api/v1/cases/X1/evidence", "multipart/form-data; boundary=b"),
    ],
)
def test_a_streamed_body_is_refused_once_it_passes_the_limit(
    client: TestClient, runtime: Runtime, path: str, content_type: str
) -> None:
    total = max(runtime.settings.max_body_bytes, PHOTO_LIMIT) + 10_000
    response = client.post(
        path, content=chunks(total, 64 * 1024), headers={"content-type": content_type}
    )
    assert response.status_code == 413, response.text
    assert "larger than the limit" in response.json()["detail"]


def test_a_body_within_the_limit_is_served_as_before(client: TestClient, small: int) -> None:
    body = {"id": "UWL-L-1", "model": "underpass_water_level", "name": "g", "lon": 120.3,
            "lat": 30.3, "owner_unit": "u"}  # fmt: skip
    assert client.post("/api/v1/devices", json=body).status_code == 201


def test_a_photo_may_be_larger_than_the_general_limit(client: TestClient, small: int) -> None:
    """Up to what the evidence store takes: the case route answers, not the limit (no case)."""
    files = {"file": ("a.png", b"\x89PNG" + b"\x00" * (small * 5), "image/png")}
    assert client.post("/api/v1/cases/NOPE/evidence", files=files).status_code == 404
    files = {"file": ("a.png", b"\x00" * PHOTO_LIMIT, "image/png")}
    assert client.post("/api/v1/cases/NOPE/evidence", files=files).status_code == 413


def test_telemetry_still_keeps_the_head_of_a_streamed_oversized_body(
    client: TestClient, small: int
) -> None:
    response = client.post(
        "/api/v1/telemetry", content=chunks(5000), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["reason"].startswith("too_large:")
    letters = client.get("/api/v1/dead-letters", params={"reason": "too_large"}).json()["items"]
    assert len(letters) == 1


def test_detections_keep_their_own_larger_limit(client: TestClient, small: int) -> None:
    """A base64 image outgrows the general limit; the route refuses and dead-letters itself."""
    response = client.post("/api/v1/detections", content=b"{" + b" " * 5000 + b"}")
    assert response.status_code == 400  # read whole and refused as a detection, not as a body
    assert response.json()["code"] == "bad_shape"
