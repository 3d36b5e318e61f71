"""What the platform records: key changes, rule changes and every case transition, chained."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient

from cityops.auth.tokens import Role
from cityops.runtime import Runtime
from cityops.store.schema import audit_log

RULE = {
    "id": "deep-water",
    "name_zh": "积水",
    "name_en": "Water",
    "scope": {"models": ["underpass_water_level"]},
    "condition": {"type": "threshold", "property": "water_level_cm", "op": ">=", "value": 30},
    "class_code": "E1001",
    "severity": "yellow",
    "message": "积水 {value}",
}


def actions(runtime: Runtime) -> list[tuple[str, str | None]]:
    with runtime.engine.connect() as conn:
        rows = conn.execute(
            sa.select(audit_log.c.action, audit_log.c.target).order_by(audit_log.c.seq)
        )
        return [(r.action, r.target) for r in rows]


def test_keys_rules_and_case_transitions_are_audited_and_the_chain_holds(
    client: TestClient, runtime: Runtime
) -> None:
    info, _ = runtime.api_keys.create("dispatch desk", Role.DISPATCHER, actor="cli:ops")
    assert client.post("/api/v1/rules", json=RULE).status_code == 201
    assert (
        client.put("/api/v1/rules/deep-water", json={**RULE, "severity": "orange"}).status_code
        == 200
    )
    intake = {
        "Authorization": f"Bearer {runtime.api_keys.create('intake', Role.INTAKE_OPERATOR)[1]}"
    }
    case = client.post(
        "/api/v1/cases", json={"class_code": "E0102", "title": "垃圾"}, headers=intake
    ).json()
    client.post(f"/api/v1/cases/{case['id']}/actions", json={"action": "file"}, headers=intake)
    runtime.api_keys.revoke(info.id, actor="cli:ops")

    recorded = actions(runtime)
    assert ("api_key_created", info.id) in recorded
    assert ("rule_created", "deep-water") in recorded
    assert ("rule_updated", "deep-water") in recorded
    assert ("case_create", case["id"]) in recorded
    assert ("case_file", case["id"]) in recorded
    assert recorded[-1] == ("api_key_revoked", info.id)
    assert runtime.audit.verify().ok
