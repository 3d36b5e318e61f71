"""/api/v1/rules on SQLite and PostgreSQL: CRUD, precise 422s, and changes that apply at once."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from cityops.auth.tokens import Role
from cityops.core.clock import FakeClock
from cityops.runtime import Runtime
from tests.web.helpers import reading, register

RULE: dict[str, Any] = {
    "id": "deep-water",
    "name_zh": "深积水",
    "name_en": "Deep water",
    "scope": {"models": ["underpass_water_level"]},
    "condition": {
        "type": "threshold",
        "property": "water_level_cm",
        "op": ">",
        "value": 50,
        "clear": 45,
    },
    "class_code": "E1001",
    "severity": "orange",
    "message": "{device_name}积水{value}{unit}",
}


def send(client: TestClient, runtime: Runtime, device_id: str, level: float) -> None:
    """Post one reading, wait for the detector, then let a minute pass."""
    clock = runtime.clock
    assert isinstance(clock, FakeClock)
    response = client.post(
        "/api/v1/telemetry", json=reading(device_id, clock.now_ms(), water_level_cm=level)
    )
    assert response.status_code == 200, response.text
    assert runtime.detector.wait_idle()
    clock.advance(60)


def events(client: TestClient, **params: str) -> list[dict[str, Any]]:
    response = client.get("/api/v1/events", params={"source": "rule", **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_create_then_read_back(client: TestClient) -> None:
    response = client.post("/api/v1/rules", json=RULE)
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["id"], created["version"], created["enabled"]) == ("deep-water", 1, True)
    assert created["definition"]["condition"]["value"] == 50
    assert client.get("/api/v1/rules/deep-water").json() == created
    assert [r["id"] for r in client.get("/api/v1/rules").json()["items"]] == ["deep-water"]


def test_an_existing_id_is_a_conflict(client: TestClient) -> None:
    assert client.post("/api/v1/rules", json=RULE).status_code == 201
    assert client.post("/api/v1/rules", json=RULE).status_code == 409


def test_an_invalid_rule_gets_a_422_naming_each_field(client: TestClient) -> None:
    bad = {
        **RULE,
        "severity": None,
        "condition": {
            "type": "bands",
            "property": "water_level",
            "bands": [{"above": 15, "severity": "blue"}, {"above": 15, "severity": "red"}],
            "clear": 5,
        },
    }
    response = client.post("/api/v1/rules", json=bad)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"path": "condition.bands.1.above", "message": "must be greater than the previous band"},
        {
            "path": "condition.property",
            "message": "'water_level' is not a property of underpass_water_level",
        },
    ]
    assert client.get("/api/v1/rules").json()["items"] == []


def test_validate_is_a_dry_run(client: TestClient) -> None:
    ok = client.post("/api/v1/rules/validate", json=RULE).json()
    assert ok["valid"] is True
    assert ok["definition"]["id"] == "deep-water"
    wrong = client.post("/api/v1/rules/validate", json={**RULE, "class_code": "E9999"}).json()
    assert wrong == {
        "valid": False,
        "errors": [{"path": "class_code", "message": "unknown event class 'E9999'"}],
    }
    assert client.get("/api/v1/rules").json()["items"] == []


def test_viewers_read_and_only_admins_write(client: TestClient, runtime: Runtime) -> None:
    client.post("/api/v1/rules", json=RULE)
    viewer = {"Authorization": f"Bearer {runtime.api_keys.create('v', Role.VIEWER)[1]}"}
    assert client.get("/api/v1/rules", headers=viewer).status_code == 200
    assert client.post("/api/v1/rules", json=RULE, headers=viewer).status_code == 403
    assert client.delete("/api/v1/rules/deep-water", headers=viewer).status_code == 403
    assert client.get("/api/v1/rules", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_unknown_rules_are_404(client: TestClient) -> None:
    assert client.get("/api/v1/rules/ghost").status_code == 404
    assert client.put("/api/v1/rules/ghost", json=RULE | {"id": "ghost"}).status_code == 404
    assert client.delete("/api/v1/rules/ghost").status_code == 404


def test_a_rule_raises_an_event_from_telemetry(client: TestClient, runtime: Runtime) -> None:
    register(client, "UWL-T1")
    client.post("/api/v1/rules", json=RULE)
    send(client, runtime, "UWL-T1", 55)
    send(client, runtime, "UWL-T1", 58)
    (event,) = events(client, status="active")
    assert (event["class_code"], event["severity"], event["count"]) == ("E1001", "orange", 2)
    assert event["title"] == "测试 UWL-T1积水58cm"
    assert event["rule_id"] == "deep-water"
    assert event["device_id"] == "UWL-T1"
    send(client, runtime, "UWL-T1", 40)
    assert events(client, status="active") == []


def test_an_update_takes_effect_at_once(client: TestClient, runtime: Runtime) -> None:
    register(client, "UWL-T2")
    client.post("/api/v1/rules", json=RULE)
    send(client, runtime, "UWL-T2", 60)
    assert len(events(client, status="active")) == 1

    higher = {**RULE, "condition": {**RULE["condition"], "value": 70, "clear": 65}}
    response = client.put("/api/v1/rules/deep-water", json=higher)
    assert response.status_code == 200
    assert response.json()["version"] == 2
    (cleared,) = events(client, status="cleared")
    assert cleared["clear_reason"] == "规则已修改 rule changed"

    send(client, runtime, "UWL-T2", 60)  # below the new threshold
    assert events(client, status="active") == []
    send(client, runtime, "UWL-T2", 75)
    (event,) = events(client, status="active")
    assert event["id"] != cleared["id"]
    assert event["count"] == 1


def test_an_invalid_update_changes_nothing(client: TestClient) -> None:
    client.post("/api/v1/rules", json=RULE)
    bad = {**RULE, "condition": {**RULE["condition"], "clear": 55}}
    response = client.put("/api/v1/rules/deep-water", json=bad)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"path": "condition.clear", "message": "must not be above value (50) for op '>'"}
    ]
    assert client.get("/api/v1/rules/deep-water").json()["version"] == 1


def test_delete_clears_the_rules_open_events(client: TestClient, runtime: Runtime) -> None:
    register(client, "UWL-T3")
    client.post("/api/v1/rules", json=RULE)
    send(client, runtime, "UWL-T3", 60)
    assert client.delete("/api/v1/rules/deep-water").status_code == 204
    assert events(client, status="active") == []
    (cleared,) = events(client, status="cleared")
    assert cleared["clear_reason"] == "规则已删除 rule deleted"
    send(client, runtime, "UWL-T3", 90)
    assert events(client, status="active") == []
    assert client.get("/api/v1/rules/deep-water").status_code == 404
