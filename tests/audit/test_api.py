"""GET /api/v1/audit and /api/v1/audit/verify: admins only, newest first, paged."""

from __future__ import annotations

from fastapi.testclient import TestClient

from cityops.auth.tokens import Role
from cityops.core.clock import FakeClock
from cityops.runtime import Runtime

START = 1_767_225_600_000  # the fake clock's start


def seed(rt: Runtime, clock: FakeClock) -> None:
    for i in range(5):
        rt.audit.append("user:alice" if i % 2 == 0 else "user:bob", "probe", f"t{i}", {"i": i})
        clock.advance(60)


def test_admins_page_through_entries_newest_first(
    client: TestClient, runtime: Runtime, clock: FakeClock
) -> None:
    seed(runtime, clock)
    first = client.get("/api/v1/audit", params={"action": "probe", "limit": 3}).json()
    assert [e["target"] for e in first["items"]] == ["t4", "t3", "t2"]
    assert set(first["items"][0]) == {
        "seq", "ts", "actor", "action", "target", "details", "prev_hash", "hash"
    }  # fmt: skip
    rest = client.get(
        "/api/v1/audit", params={"action": "probe", "cursor": first["next_cursor"]}
    ).json()
    assert [e["target"] for e in rest["items"]] == ["t1", "t0"]
    assert rest["next_cursor"] is None


def test_entries_filter_by_actor_target_and_time(
    client: TestClient, runtime: Runtime, clock: FakeClock
) -> None:
    seed(runtime, clock)

    def targets(**params: str | int) -> list[str]:
        items = client.get("/api/v1/audit", params=params).json()["items"]
        return [e["target"] for e in items]

    assert targets(actor="user:bob") == ["t3", "t1"]
    assert targets(target="t2") == ["t2"]
    assert targets(action="probe", **{"from": START + 60_000, "to": START + 180_000}) == [
        "t2",
        "t1",
    ]
    assert targets(action="probe", to="2026-01-01T08:01:00+08:00") == ["t0"]


def test_verify_reports_the_chain(client: TestClient, runtime: Runtime, clock: FakeClock) -> None:
    seed(runtime, clock)
    body = client.get("/api/v1/audit/verify").json()
    assert body["ok"] is True
    assert body["first_bad_seq"] is None
    assert body["head_hash"] == runtime.audit.tail(1)[0].hash


def test_only_admins_read_the_audit_log(client: TestClient, runtime: Runtime) -> None:
    viewer = runtime.api_keys.create("wall screen", Role.VIEWER)[1]
    auth = {"Authorization": f"Bearer {viewer}"}
    assert client.get("/api/v1/audit", headers=auth).status_code == 403
    assert client.get("/api/v1/audit/verify", headers=auth).status_code == 403
    assert client.get("/api/v1/audit", headers={"Authorization": ""}).status_code == 401
