"""The permission matrix: for every endpoint and every role, allowed calls get past the guard
and all others get 403 (401 without a credential). An allowed call may still fail for other
reasons (409 wrong state, 422 bad body): what this checks is who gets in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.evidence.images import png

from cityops.auth.tokens import Role
from cityops.events.model import EventSource, Severity, Signal
from cityops.runtime import Runtime

READERS = frozenset(Role) - {Role.INGEST}
UNIT_OF = {
    Role.UNIT_HANDLER: "dept-drainage",
    Role.SERVICE_COMPANY: "co-cleaning",
    Role.VOLUNTEER: "vol-330199001001",
    Role.GRID_WORKER: "330199001001",
}
CASE_CREATORS = frozenset(
    {Role.INTAKE_OPERATOR, Role.DUTY_CHIEF, Role.INSPECTOR, Role.GRID_WORKER, Role.ADMIN}
)
FILERS = frozenset({Role.INTAKE_OPERATOR, Role.DUTY_CHIEF})
ACKNOWLEDGERS = frozenset({Role.ADMIN, Role.DUTY_CHIEF, Role.INTAKE_OPERATOR, Role.DISPATCHER})
ADMIN = frozenset({Role.ADMIN})
WRITERS = frozenset({Role.ADMIN, Role.INGEST})

Call = Callable[[TestClient, dict[str, str]], Any]


@pytest.fixture
def keys(runtime: Runtime) -> dict[Role, dict[str, str]]:
    def key(role: Role) -> str:
        return runtime.api_keys.create(role.value, role, UNIT_OF.get(role))[1]

    return {role: {"Authorization": f"Bearer {key(role)}"} for role in Role}


@pytest.fixture
def world(runtime: Runtime) -> dict[str, str]:
    """One event and one reported case for the calls that need them."""
    (event,) = runtime.events.apply(
        [
            Signal(
                class_code="E1001",
                severity=Severity.BLUE,
                source=EventSource.RULE,
                ts=runtime.clock.now_ms(),
                title="t",
                key="k",
                grid_code="330199001001001",
            )
        ]
    )
    from cityops.cases.service import SYSTEM, NewCase

    case = runtime.cases.create(
        NewCase(
            class_code="E1001",
            severity=Severity.BLUE,
            title="t",
            source="patrol",
            grid_code="330199001001001",
        ),
        SYSTEM,
    )
    return {"event": event.id, "case": case.id}


READS = [
    "/api/v1/devices",
    "/api/v1/grids",
    "/api/v1/models",
    "/api/v1/taxonomy",
    "/api/v1/events",
    "/api/v1/cases",
    "/api/v1/units",
    "/api/v1/routing",
    "/api/v1/workflow",
    "/api/v1/stats/cases",
    "/api/v1/stats/ingest",
    "/api/v1/rules",
    "/api/v1/detections",
    "/api/v1/screen/config",
    "/api/v1/screen/overview",
    "/api/v1/screen/devices",
    "/api/v1/screen/grids",
]


def check(
    client: TestClient, keys: dict[Role, dict[str, str]], allowed: frozenset[Role], call: Call
) -> None:
    assert call(client, {"Authorization": ""}).status_code == 401
    for role, header in keys.items():
        status = call(client, header).status_code
        if role in allowed:
            assert status not in (401, 403), (role, status)
        else:
            assert status == 403, (role, status)


@pytest.mark.parametrize("path", READS)
def test_reads_are_open_to_every_person_but_not_to_gateways(
    client: TestClient, keys: dict[Role, dict[str, str]], path: str
) -> None:
    check(client, keys, READERS, lambda c, h: c.get(path, headers=h))


@pytest.mark.parametrize("path", ["/api/v1/dead-letters", "/api/v1/audit", "/api/v1/users"])
def test_admin_only_reads(client: TestClient, keys: dict[Role, dict[str, str]], path: str) -> None:
    check(client, keys, ADMIN, lambda c, h: c.get(path, headers=h))


def test_registering_devices_and_changing_rules_is_for_admins(
    client: TestClient, keys: dict[Role, dict[str, str]]
) -> None:
    device = {
        "id": "X-1",
        "model": "camera",
        "name": "x",
        "lon": 120.3,
        "lat": 30.3,
        "owner_unit": "u",
    }
    check(
        client,
        keys,
        ADMIN,
        lambda c, h: c.post(
            "/api/v1/devices", json=device, headers=h, params={"skip_existing": "true"}
        ),
    )
    check(client, keys, ADMIN, lambda c, h: c.post("/api/v1/rules", json={"id": "bad"}, headers=h))


def test_telemetry_and_detections_are_written_by_gateways_and_admins(
    client: TestClient, keys: dict[Role, dict[str, str]]
) -> None:
    check(client, keys, WRITERS, lambda c, h: c.post("/api/v1/telemetry", json=[], headers=h))
    check(client, keys, WRITERS, lambda c, h: c.post("/api/v1/detections", json={}, headers=h))


def test_the_centre_acknowledges_events(
    client: TestClient, keys: dict[Role, dict[str, str]], world: dict[str, str]
) -> None:
    check(
        client,
        keys,
        ACKNOWLEDGERS,
        lambda c, h: c.post(f"/api/v1/events/{world['event']}/ack", headers=h),
    )


def test_who_may_report_and_file_cases(
    client: TestClient, keys: dict[Role, dict[str, str]], world: dict[str, str]
) -> None:
    body = {"class_code": "E0102", "title": "暴露垃圾", "lon": 120.3, "lat": 30.3}
    check(client, keys, CASE_CREATORS, lambda c, h: c.post("/api/v1/cases", json=body, headers=h))
    act = f"/api/v1/cases/{world['case']}/actions"
    check(client, keys, FILERS, lambda c, h: c.post(act, json={"action": "file"}, headers=h))
    # Reading a case outside a unit role's unit: it does not exist for them (no leak).
    case_url = f"/api/v1/cases/{world['case']}"
    for role in (Role.UNIT_HANDLER, Role.SERVICE_COMPANY, Role.VOLUNTEER, Role.GRID_WORKER):
        assert client.get(case_url, headers=keys[role]).status_code == 404
    assert client.get(case_url, headers=keys[Role.VIEWER]).status_code == 200


def test_every_person_but_a_viewer_uploads_a_photo(
    client: TestClient, keys: dict[Role, dict[str, str]]
) -> None:
    def upload(c: TestClient, h: dict[str, str]) -> Any:
        return c.post("/api/v1/evidence", files={"file": ("p.png", png(), "image/png")}, headers=h)

    check(client, keys, READERS - {Role.VIEWER}, upload)


def test_every_person_reads_a_devices_threshold_lines(
    client: TestClient, keys: dict[Role, dict[str, str]]
) -> None:
    device = {
        "id": "W-1",
        "model": "underpass_water_level",
        "name": "w",
        "lon": 120.3,
        "lat": 30.3,
        "owner_unit": "u",
    }
    assert client.post("/api/v1/devices", json=device).status_code == 201
    check(client, keys, READERS, lambda c, h: c.get("/api/v1/devices/W-1/thresholds", headers=h))


def test_accounts_are_managed_by_admins(
    client: TestClient, keys: dict[Role, dict[str, str]]
) -> None:
    body = {"username": "x", "password": "", "role": "viewer"}
    check(client, keys, ADMIN, lambda c, h: c.post("/api/v1/users", json=body, headers=h))
    check(
        client,
        keys,
        ADMIN,
        lambda c, h: c.patch("/api/v1/users/nobody", json={"disabled": True}, headers=h),
    )
    check(
        client,
        keys,
        ADMIN,
        lambda c, h: c.post("/api/v1/users/nobody/password", json={"password": ""}, headers=h),
    )
