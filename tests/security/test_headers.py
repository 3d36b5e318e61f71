"""Security headers: on every response, a policy with no inline script, no framing, no caching
of the API, and streamed answers still streamed."""

from __future__ import annotations

import re
from collections.abc import Mapping

import httpx
import pytest
from fastapi.testclient import TestClient

from cityops.runtime import Runtime
from cityops.web.app import create_app
from tests.evidence.images import png

PAGES = ["/", "/docs", "/static/home.js", "/static/swagger/swagger-ui.css", "/openapi.json"]
API = ["/api/v1/health", "/api/v1/devices", "/api/v1/events", "/open311/v2/services.json"]


def directives(policy: str) -> dict[str, list[str]]:
    parts = (d.split() for d in policy.split(";") if d.strip())
    return {p[0]: p[1:] for p in parts}


def assert_secured(h: Mapping[str, str]) -> None:
    assert "content-security-policy" in h
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "no-referrer"
    assert h["x-frame-options"] == "DENY"
    assert h["cross-origin-opener-policy"] == "same-origin"
    assert "camera=(self)" in h["permissions-policy"]


@pytest.mark.parametrize("path", [*PAGES, *API, "/nowhere", "/api/v1/devices/NOPE"])
def test_every_response_carries_the_security_headers(client: TestClient, path: str) -> None:
    assert_secured(client.get(path).headers)


def test_a_refused_credential_is_answered_with_the_headers_too(client: TestClient) -> None:
    response = client.get("/api/v1/devices", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert_secured(response.headers)


def test_the_policy_allows_no_inline_script_and_no_framing(client: TestClient) -> None:
    for path in ["/", "/docs", "/api/v1/health"]:
        policy = directives(client.get(path).headers["content-security-policy"])
        assert policy["script-src"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["base-uri"] == ["'none'"]
        assert not any("unsafe" in v for values in policy.values() for v in values), path


def test_pages_load_their_scripts_from_static_and_inline_none(client: TestClient) -> None:
    """What makes the policy above livable: a script inline would be blocked by the browser."""
    for path in ["/", "/docs"]:
        html = client.get(path).text
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
        assert scripts, path
        for attrs, body in scripts:
            assert re.search(r'src="/static/[^"]+"', attrs), (path, attrs)
            assert not body.strip(), path
        assert not re.search(r"\s(on[a-z]+|style)=", html), path  # handlers and styles inline


def test_camera_and_location_are_for_this_site_only_and_the_rest_is_off(
    client: TestClient,
) -> None:
    features = dict(
        f.strip().split("=", 1) for f in client.get("/").headers["permissions-policy"].split(",")
    )
    assert features.pop("camera") == "(self)"
    assert features.pop("geolocation") == "(self)"
    assert features["microphone"] == "()"
    assert set(features.values()) == {"()"}


@pytest.mark.parametrize("path", API)
def test_api_answers_are_kept_out_of_caches(client: TestClient, path: str) -> None:
    assert client.get(path).headers["cache-control"] == "no-store"


def test_pages_and_static_files_may_be_cached(client: TestClient) -> None:
    for path in PAGES[:3]:
        assert "no-store" not in client.get(path).headers.get("cache-control", ""), path


def test_a_route_keeps_the_headers_it_chose_itself(client: TestClient, runtime: Runtime) -> None:
    """Evidence images are sandboxed and cached privately by their route: left alone."""
    info = runtime.evidence.save(png(), "image/png", "detection")
    response = client.get(f"/api/v1/evidence/{info.id}")
    assert response.headers["content-security-policy"] == "sandbox"
    assert response.headers["cache-control"].startswith("private, max-age=")
    assert response.headers["x-frame-options"] == "DENY"


def test_a_server_error_is_json_with_the_headers(runtime: Runtime) -> None:
    app = create_app(runtime, manage_runtime=False)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("kaboom")

    with TestClient(app, raise_server_exceptions=False) as c:
        response = c.get("/boom")
    assert response.status_code == 500
    assert response.json() == {"detail": "internal server error"}
    assert_secured(response.headers)


def test_the_event_stream_still_streams_and_carries_the_headers(live: str, admin_key: str) -> None:
    """The stream never ends: its first line arrives only if nothing buffers the response."""
    headers = {"Authorization": f"Bearer {admin_key}"}
    with httpx.stream("GET", f"{live}/api/v1/events/stream", headers=headers, timeout=5) as r:
        first = next(r.iter_lines())
        assert_secured(r.headers)
        assert r.headers["cache-control"] == "no-cache"  # the route's own choice, kept
    assert first == "retry: 3000"
