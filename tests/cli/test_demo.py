"""`cityops demo` sets up one person for each screen, with one password kept per data dir."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from cityops.auth.tokens import Role
from cityops.cli.demo import _write_demo_file, ensure_demo_accounts
from cityops.runtime import Runtime
from cityops.web.app import create_app

ROLES = {
    "admin": "admin",
    "dispatcher": "dispatcher",
    "chief": "duty_chief",
    "intake": "intake_operator",
    "inspector": "inspector",
    "drainage": "unit_handler",
    "gridworker": "grid_worker",
}


def test_every_screen_has_a_person_who_can_log_in(runtime: Runtime, tmp_path: Path) -> None:
    accounts, password = ensure_demo_accounts(runtime, tmp_path)
    assert {a["username"]: a["role"] for a in accounts} == ROLES
    assert len(password) >= 10
    with TestClient(create_app(runtime, manage_runtime=False)) as client:
        answer = client.post(
            "/api/v1/auth/login", json={"username": "gridworker", "password": password}
        )
    assert answer.status_code == 200, answer.text
    user = answer.json()["user"]
    assert (user["role"], user["unit"], user["grids"]) == (
        "grid_worker",
        "grid-330199001001",
        ["330199001001"],
    )
    drainage = runtime.users.get("drainage")
    assert (drainage.role, drainage.unit) == (Role.UNIT_HANDLER, "dept-drainage")


def test_the_password_is_kept_in_demo_json_and_reused(runtime: Runtime, tmp_path: Path) -> None:
    accounts, password = ensure_demo_accounts(runtime, tmp_path)
    _write_demo_file(tmp_path, {"accounts": accounts, "password": password})
    kept = tmp_path / "demo.json"
    assert json.loads(kept.read_text())["password"] == password
    assert kept.stat().st_mode & 0o777 == 0o600
    again_accounts, again = ensure_demo_accounts(runtime, tmp_path)
    assert (again_accounts, again) == (accounts, password)
    assert len(runtime.users.list()) == len(ROLES)


def test_an_existing_account_is_left_as_it_is(runtime: Runtime, tmp_path: Path) -> None:
    runtime.users.create("chief", "已有值班长", "自己的口令-2026-ok", Role.DUTY_CHIEF)
    ensure_demo_accounts(runtime, tmp_path)
    assert runtime.users.get("chief").display_name == "已有值班长"
    assert runtime.users.authenticate("chief", "自己的口令-2026-ok").username == "chief"
