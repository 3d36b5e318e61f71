"""Accounts over HTTP: admins list, create and change people's accounts, each change audited,
no password ever echoed; units and areas must exist on the platform."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from cityops.auth.tokens import Role
from cityops.auth.users import UserInfo, UserService
from cityops.runtime import Runtime
from tests.auth.conftest import PASSWORD, AuditSpy, bearer, login

NEW = {
    "username": "zhang.wei",
    "display_name": "张伟",
    "password": "汛期值守-2026-pass",
    "role": "grid_worker",
    "unit": "grid-330199001001",
    "grids": ["330199001001"],
}


def test_an_admin_creates_an_account_that_can_log_in(
    client: TestClient, anon: TestClient, audit: AuditSpy
) -> None:
    created = client.post("/api/v1/users", json=NEW)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["username"] == "zhang.wei"
    assert (body["role"], body["unit"], body["grids"]) == (
        "grid_worker",
        "grid-330199001001",
        ["330199001001"],
    )
    assert body["disabled"] is False
    assert "password" not in body
    assert login(anon, "zhang.wei", NEW["password"]).status_code == 200
    actor, action, target, _ = audit.entries[0]
    assert (action, target) == ("user_created", "zhang.wei")
    assert actor.startswith("api_key:")


def test_the_list_shows_every_account_without_secrets(client: TestClient, alice: UserInfo) -> None:
    items = client.get("/api/v1/users").json()["items"]
    assert [u["username"] for u in items] == ["alice"]
    assert set(items[0]) == {
        "id",
        "username",
        "display_name",
        "role",
        "unit",
        "grids",
        "disabled",
        "locked_until",
        "created_at",
    }


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"unit": "dept-nowhere"}, "unknown unit"),
        ({"grids": ["330199009"]}, "not areas of the district"),
        ({"role": "ingest"}, "API key"),
        ({"password": "tooshort1"}, "at least 10"),
        ({"username": "a b"}, "username"),
    ],
)
def test_refusals_name_the_rule_and_never_the_password(
    client: TestClient, users: UserService, change: dict[str, object], reason: str
) -> None:
    sent = {**NEW, **change}
    answer = client.post("/api/v1/users", json=sent)
    assert answer.status_code == 422, answer.text
    assert reason in answer.json()["detail"]
    assert str(sent["password"]) not in answer.text


def test_a_malformed_body_is_refused_without_echoing_it(client: TestClient, users: object) -> None:
    wrong_type = client.post("/api/v1/users", json={**NEW, "password": 12345678901234})
    assert wrong_type.status_code == 400
    assert "12345678901234" not in wrong_type.text
    extra = client.post("/api/v1/users", json={**NEW, "is_admin": True})
    assert extra.status_code == 400
    assert NEW["password"] not in extra.text
    as_form = client.post("/api/v1/users", data=NEW)
    assert as_form.status_code == 415
    assert NEW["password"] not in as_form.text


def test_a_taken_name_conflicts(client: TestClient, alice: UserInfo) -> None:
    answer = client.post("/api/v1/users", json={**NEW, "username": "ALICE"})
    assert answer.status_code == 409


def test_patch_changes_only_what_is_sent(
    client: TestClient, alice: UserInfo, audit: AuditSpy
) -> None:
    answer = client.patch(
        "/api/v1/users/alice", json={"role": "unit_handler", "unit": "dept-drainage", "grids": []}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["role"], body["unit"], body["grids"]) == ("unit_handler", "dept-drainage", [])
    assert body["display_name"] == "王丽"
    assert audit.actions()[-1] == "user_updated"
    unit_lifted = client.patch("/api/v1/users/alice", json={"unit": None}).json()
    assert unit_lifted["unit"] is None
    assert unit_lifted["role"] == "unit_handler"


def test_disabling_ends_the_persons_sessions_at_once(
    client: TestClient, anon: TestClient, alice: UserInfo
) -> None:
    token = login(anon).json()["access_token"]
    assert anon.get("/api/v1/auth/me", headers=bearer(token)).status_code == 200
    assert client.patch("/api/v1/users/alice", json={"disabled": True}).json()["disabled"]
    assert anon.get("/api/v1/auth/me", headers=bearer(token)).status_code == 401
    assert login(anon).status_code == 401
    client.patch("/api/v1/users/alice", json={"disabled": False})
    assert login(anon).status_code == 200


def test_patching_someone_unknown_is_not_found(client: TestClient, users: object) -> None:
    assert client.patch("/api/v1/users/nobody", json={"disabled": True}).status_code == 404
    answer = client.post("/api/v1/users/nobody/password", json={"password": PASSWORD})
    assert answer.status_code == 404


def test_an_admin_cannot_lock_themselves_out(
    runtime: Runtime, users: UserService, anon: TestClient
) -> None:
    users.create("root", "管理员", PASSWORD, Role.ADMIN)
    me = bearer(login(anon, "root").json()["access_token"])
    for change in ({"disabled": True}, {"role": "viewer"}):
        answer = anon.patch("/api/v1/users/root", json=change, headers=me)
        assert answer.status_code == 409
    assert (
        anon.patch("/api/v1/users/root", json={"display_name": "老王"}, headers=me).status_code
        == 200
    )


def test_setting_a_password_ends_old_sessions_and_is_audited_without_it(
    client: TestClient, anon: TestClient, alice: UserInfo, audit: AuditSpy
) -> None:
    token = login(anon).json()["access_token"]
    fresh = "新的口令-2026-secure"
    answer = client.post("/api/v1/users/alice/password", json={"password": fresh})
    assert answer.status_code == 204
    assert anon.get("/api/v1/auth/me", headers=bearer(token)).status_code == 401
    assert login(anon, password=fresh).status_code == 200
    assert audit.actions()[-2] == "password_changed"  # then the login
    assert fresh not in repr(audit.entries)
    weak = client.post("/api/v1/users/alice/password", json={"password": "tooshort1"})
    assert weak.status_code == 422
    assert "tooshort1" not in weak.text


def test_only_admins_manage_accounts(runtime: Runtime, client: TestClient, alice: UserInfo) -> None:
    viewer = bearer(runtime.api_keys.create("wall", Role.VIEWER)[1])
    assert client.get("/api/v1/users", headers=viewer).status_code == 403
    assert client.post("/api/v1/users", json=NEW, headers=viewer).status_code == 403
    assert client.patch("/api/v1/users/alice", json={}, headers=viewer).status_code == 403
