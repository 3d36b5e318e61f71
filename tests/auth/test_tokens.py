"""Access and refresh tokens: stored hashed, expiring, rotating, revoked when they must be."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient

from cityops.auth.tokens import hash_token
from cityops.auth.users import UserInfo, UserService
from cityops.runtime import Runtime
from cityops.store.schema import user_tokens
from tests.auth.conftest import PASSWORD, bearer, database_text, login


def test_login_answers_a_bearer_pair_and_the_user(anon: TestClient, alice: UserInfo) -> None:
    answer = login(anon)
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "bearer"
    assert body["access_token"].startswith("coa_")
    assert body["refresh_token"].startswith("cor_")
    assert body["expires_in"] == 15 * 60
    assert body["user"] == {
        "id": alice.id,
        "username": "alice",
        "display_name": "王丽",
        "role": "grid_worker",
        "unit": "grid-330199003004",
        "grids": ["330199003004"],
    }
    assert answer.headers["Cache-Control"] == "no-store"


def test_no_token_or_password_is_stored_in_the_clear(
    runtime: Runtime, anon: TestClient, alice: UserInfo
) -> None:
    tokens = login(anon).json()
    session = login(anon, session=True)
    secrets = [
        PASSWORD,
        tokens["access_token"],
        tokens["refresh_token"],
        session.cookies["cityops_session"],
        session.json()["csrf_token"],
    ]
    stored = database_text(runtime)
    for secret in secrets:
        assert secret not in stored
    assert hash_token(tokens["access_token"]) in stored


def test_an_access_token_expires_after_fifteen_minutes(
    runtime: Runtime, anon: TestClient, alice: UserInfo
) -> None:
    access = login(anon).json()["access_token"]
    runtime.clock.advance(15 * 60 - 1)  # type: ignore[attr-defined]
    assert anon.get("/api/v1/auth/me", headers=bearer(access)).status_code == 200
    runtime.clock.advance(1)  # type: ignore[attr-defined]
    assert anon.get("/api/v1/auth/me", headers=bearer(access)).status_code == 401


def test_a_refresh_token_is_single_use(anon: TestClient, alice: UserInfo) -> None:
    first = login(anon).json()
    second = anon.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    fresh = second.json()
    assert fresh["refresh_token"] != first["refresh_token"]
    assert anon.get("/api/v1/auth/me", headers=bearer(fresh["access_token"])).status_code == 200
    again = anon.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert again.status_code == 401


def test_reusing_a_spent_refresh_token_revokes_every_token_of_the_user(
    anon: TestClient, alice: UserInfo
) -> None:
    first = login(anon).json()
    fresh = anon.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}).json()
    anon.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert anon.get("/api/v1/auth/me", headers=bearer(fresh["access_token"])).status_code == 401
    refreshed = anon.post("/api/v1/auth/refresh", json={"refresh_token": fresh["refresh_token"]})
    assert refreshed.status_code == 401


def test_a_refresh_token_expires_after_seven_days(
    runtime: Runtime, anon: TestClient, alice: UserInfo
) -> None:
    refresh = login(anon).json()["refresh_token"]
    runtime.clock.advance(7 * 24 * 3600)  # type: ignore[attr-defined]
    assert anon.post("/api/v1/auth/refresh", json={"refresh_token": refresh}).status_code == 401


def test_logout_revokes_the_access_and_the_refresh_token(anon: TestClient, alice: UserInfo) -> None:
    tokens = login(anon).json()
    answer = anon.post(
        "/api/v1/auth/logout",
        headers=bearer(tokens["access_token"]),
        json={"refresh_token": tokens["refresh_token"]},
    )
    assert answer.status_code == 204
    assert anon.get("/api/v1/auth/me", headers=bearer(tokens["access_token"])).status_code == 401
    refresh = anon.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refresh.status_code == 401


def test_disabling_a_user_refuses_its_tokens_at_once(
    users: UserService, anon: TestClient, alice: UserInfo
) -> None:
    tokens = login(anon).json()
    assert anon.get("/api/v1/auth/me", headers=bearer(tokens["access_token"])).status_code == 200
    users.disable("alice")
    assert anon.get("/api/v1/auth/me", headers=bearer(tokens["access_token"])).status_code == 401
    refresh = anon.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refresh.status_code == 401
    users.enable("alice")  # enabling again does not bring old tokens back
    assert anon.get("/api/v1/auth/me", headers=bearer(tokens["access_token"])).status_code == 401


def test_a_disabled_user_refused_by_another_process_is_refused_here_too(
    runtime: Runtime, anon: TestClient, alice: UserInfo
) -> None:
    """The CLI disables users from its own process; nothing may be cached in the server's."""
    access = login(anon).json()["access_token"]
    anon.get("/api/v1/auth/me", headers=bearer(access))
    other_process = UserService(runtime.engine, runtime.clock, runtime.audit)
    other_process.disable("alice")
    assert anon.get("/api/v1/auth/me", headers=bearer(access)).status_code == 401


def test_changing_the_password_ends_every_session(
    users: UserService, anon: TestClient, alice: UserInfo
) -> None:
    access = login(anon).json()["access_token"]
    users.set_password("alice", "a brand new passphrase")
    assert anon.get("/api/v1/auth/me", headers=bearer(access)).status_code == 401
    assert login(anon).status_code == 401
    assert login(anon, password="a brand new passphrase").status_code == 200


def test_expired_tokens_are_forgotten_at_the_next_login(
    runtime: Runtime, anon: TestClient, alice: UserInfo
) -> None:
    login(anon)
    runtime.clock.advance(7 * 24 * 3600)  # type: ignore[attr-defined]
    login(anon)
    with runtime.engine.connect() as conn:
        kinds = sorted(conn.execute(sa.select(user_tokens.c.kind)).scalars())
    assert kinds == ["access", "refresh"]


def test_a_principal_sees_what_lies_under_its_areas_and_all_without_any() -> None:
    from cityops.auth.tokens import Principal, PrincipalKind, Role

    everyone = Principal(PrincipalKind.USER, "u1", Role.VIEWER)
    jiangpan = Principal(PrincipalKind.USER, "u2", Role.GRID_WORKER, grids=("330199001001",))
    assert everyone.sees("330199003001001")
    assert everyone.sees(None)
    assert jiangpan.sees("330199001001004")
    assert not jiangpan.sees("330199001002001")
    assert not jiangpan.sees(None)  # a thing with no grid is outside every area
