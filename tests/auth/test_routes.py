"""The login routes: browser sessions, CSRF, who-am-I, and what never leaks."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from cityops.runtime import Runtime
from cityops.store.schema import audit_log
from cityops.web.app import create_app
from tests.auth.conftest import PASSWORD, bearer, database_text, login


def test_a_session_login_sets_a_strict_http_only_cookie(anon: TestClient, alice: object) -> None:
    answer = login(anon, session=True)
    assert answer.status_code == 200
    assert set(answer.json()) == {"csrf_token", "expires_in", "user"}
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("cityops_session=cos_")
    for flag in ("HttpOnly", "SameSite=strict", "Path=/", "Max-Age=28800"):
        assert flag.lower() in cookie.lower()
    assert "secure" not in cookie.lower()  # plain http, as in this test


def test_the_cookie_is_secure_over_https(runtime: Runtime, alice: object) -> None:
    with TestClient(create_app(runtime, manage_runtime=False), base_url="https://ops") as https:
        cookie = login(https, session=True).headers["set-cookie"]
    assert "; secure" in cookie.lower()


def test_the_cookie_is_secure_when_configured(
    anon: TestClient, alice: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CITYOPS_COOKIE_SECURE", "1")
    assert "; secure" in login(anon, session=True).headers["set-cookie"].lower()


def test_the_cookie_needs_the_csrf_token_on_unsafe_methods(anon: TestClient, alice: object) -> None:
    csrf = login(anon, session=True).json()["csrf_token"]
    assert anon.get("/api/v1/auth/me").status_code == 200  # reading needs no CSRF token
    refused = anon.post("/api/v1/auth/logout")
    assert refused.status_code == 403
    assert "X-CSRF-Token" in refused.json()["detail"]
    assert anon.post("/api/v1/auth/logout", headers={"X-CSRF-Token": "guess"}).status_code == 403
    assert anon.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert anon.get("/api/v1/auth/me").status_code == 401  # logged out


def test_a_bearer_token_needs_no_csrf_token(anon: TestClient, alice: object) -> None:
    access = login(anon).json()["access_token"]
    assert anon.post("/api/v1/auth/logout", headers=bearer(access)).status_code == 204


def test_a_session_token_is_not_accepted_as_a_bearer_token(anon: TestClient, alice: object) -> None:
    """Otherwise a stolen cookie could be replayed without the CSRF token."""
    session = login(anon, session=True).cookies["cityops_session"]
    anon.cookies.clear()
    assert anon.get("/api/v1/auth/me", headers=bearer(session)).status_code == 401


def test_me_says_who_is_calling(anon: TestClient, alice: object, client: TestClient) -> None:
    access = login(anon).json()["access_token"]
    me = anon.get("/api/v1/auth/me", headers=bearer(access)).json()
    assert me["kind"] == "user"
    assert me["display_name"] == "王丽"
    assert (me["role"], me["unit"], me["grids"]) == (
        "grid_worker",
        "grid-330199003004",
        ["330199003004"],
    )
    assert client.get("/api/v1/auth/me").json()["kind"] == "api_key"


def test_a_user_token_reads_like_an_api_key_of_the_same_role(
    anon: TestClient, alice: object
) -> None:
    access = login(anon).json()["access_token"]
    assert anon.get("/api/v1/models", headers=bearer(access)).status_code == 200
    assert anon.get("/api/v1/models").status_code == 401


def test_a_malformed_login_is_refused_without_echoing_it(anon: TestClient) -> None:
    missing_name = anon.post("/api/v1/auth/login", json={"password": PASSWORD})
    assert missing_name.status_code == 400
    assert PASSWORD not in missing_name.text
    as_form = anon.post("/api/v1/auth/login", data={"username": "alice", "password": PASSWORD})
    assert as_form.status_code == 415
    assert PASSWORD not in as_form.text


def test_api_keys_cannot_log_out(client: TestClient) -> None:
    assert client.post("/api/v1/auth/logout").status_code == 400


def test_no_password_or_token_reaches_the_logs_or_the_database(
    runtime: Runtime, anon: TestClient, alice: object, caplog: pytest.LogCaptureFixture
) -> None:
    """The audit log is in the database, so this covers it too (the real one, not a spy)."""
    caplog.set_level(logging.DEBUG)
    tokens = login(anon).json()
    session = login(anon, session=True)
    fresh = anon.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    login(anon, "nobody", "typed-my-password-as-name")
    login(anon, "typed-my-password-as-name", PASSWORD)
    for _ in range(5):
        login(anon, password="almost-the-password")
    secrets = [
        PASSWORD,
        "almost-the-password",
        "typed-my-password-as-name",
        tokens["access_token"],
        tokens["refresh_token"],
        fresh.json()["access_token"],
        session.cookies["cityops_session"],
        session.json()["csrf_token"],
    ]
    written = caplog.text + database_text(runtime)
    assert "account alice locked" in caplog.text
    for secret in secrets:
        assert secret not in written
    with runtime.engine.connect() as conn:
        actions = set(conn.execute(sa.select(audit_log.c.action)).scalars())
    assert {"login", "login_failed", "account_locked", "user_created"} <= actions
    assert runtime.audit.verify().ok
