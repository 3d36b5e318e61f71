"""Accounts: names, roles, scopes."""

from __future__ import annotations

import pytest

from cityops.auth.sessions import TokenKind
from cityops.auth.tokens import PrincipalKind, Role
from cityops.auth.users import UserChanges, UserInfo, UserService
from cityops.core.errors import CityOpsError, Conflict, NotFound
from tests.auth.conftest import PASSWORD, AuditSpy


def test_a_user_becomes_a_principal_scoped_to_unit_and_grids(
    users: UserService, alice: UserInfo
) -> None:
    who = users.authenticate("alice", PASSWORD).principal()
    assert who.kind is PrincipalKind.USER
    assert (who.id, who.role, who.unit) == (alice.id, Role.GRID_WORKER, "grid-330199003004")
    assert (who.grids, who.name) == (("330199003004",), "王丽")


def test_usernames_are_case_and_width_insensitive(users: UserService, alice: UserInfo) -> None:
    assert users.authenticate("ＡＬＩＣＥ ", PASSWORD).id == alice.id
    with pytest.raises(Conflict):
        users.create("Alice", "另一个", PASSWORD, Role.VIEWER)


def test_the_ingest_role_is_for_api_keys_not_people(users: UserService) -> None:
    with pytest.raises(CityOpsError, match="API key"):
        users.create("gateway", "Gateway", PASSWORD, Role.INGEST)


@pytest.mark.parametrize("grid", ["", "330199 003", "3301990030040050067890"])
def test_grid_scopes_are_area_code_prefixes(users: UserService, grid: str) -> None:
    with pytest.raises(CityOpsError, match="area codes"):
        users.create("bob", "Bob", PASSWORD, Role.GRID_WORKER, grids=[grid])


def test_changes_to_accounts_are_audited_without_secrets(
    audit: AuditSpy, users: UserService, alice: UserInfo
) -> None:
    users.disable("alice", actor="cli:root")
    users.enable("alice", actor="cli:root")
    users.set_password("alice", "another passphrase", actor="cli:root")
    assert audit.actions() == ["user_created", "user_disabled", "user_enabled", "password_changed"]
    assert all(entry[2] == "alice" for entry in audit.entries)
    assert "another passphrase" not in repr(audit.entries)
    assert PASSWORD not in repr(audit.entries)


def test_unknown_users_are_not_found(users: UserService) -> None:
    for change in (users.disable, users.enable):
        with pytest.raises(NotFound):
            change("nobody")


def test_an_admin_changes_role_unit_and_areas_in_one_audited_step(
    audit: AuditSpy, users: UserService, alice: UserInfo
) -> None:
    changed = users.update(
        "alice",
        UserChanges(role=Role.INSPECTOR, unit=None, grids=["330199003"], display_name="王丽丽"),
        actor="user:admin",
    )
    assert (changed.role, changed.unit, changed.grids) == (Role.INSPECTOR, None, ("330199003",))
    assert changed.display_name == "王丽丽"
    actor, action, target, details = audit.entries[-1]
    assert (actor, action, target) == ("user:admin", "user_updated", "alice")
    assert details == {
        "role": "inspector",
        "unit": None,
        "grids": ["330199003"],
        "display_name": "王丽丽",
    }
    assert users.authenticate("alice", PASSWORD).principal().role is Role.INSPECTOR


def test_fields_left_out_stay_and_an_empty_change_is_not_recorded(
    audit: AuditSpy, users: UserService, alice: UserInfo
) -> None:
    same = users.update("alice", UserChanges(role=Role.GRID_WORKER), actor="user:admin")
    assert same == alice
    assert audit.actions() == ["user_created"]


def test_disabling_by_update_ends_every_session_and_enabling_lifts_a_lock(
    audit: AuditSpy, users: UserService, alice: UserInfo
) -> None:
    pair = users.sessions.issue_pair(alice.id)
    users.update("alice", UserChanges(disabled=True))
    assert users.principal_for(pair.access_token, TokenKind.ACCESS) is None
    users.update("alice", UserChanges(disabled=False))
    assert users.get("alice").disabled is False
    assert audit.actions()[-2:] == ["user_disabled", "user_enabled"]


def test_an_update_meets_the_same_rules_as_creation(users: UserService, alice: UserInfo) -> None:
    with pytest.raises(CityOpsError, match="API key"):
        users.update("alice", UserChanges(role=Role.INGEST))
    with pytest.raises(CityOpsError, match="area codes"):
        users.update("alice", UserChanges(grids=["3301 99"]))
    with pytest.raises(CityOpsError, match="empty"):
        users.update("alice", UserChanges(display_name=" "))
    with pytest.raises(NotFound):
        users.update("nobody", UserChanges(disabled=True))
    assert users.get("alice") == alice
