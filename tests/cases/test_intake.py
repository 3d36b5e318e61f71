"""The intake policy as the shipped file has it: yellow sensor events are filed and wait for
the dispatcher; orange and red are dispatched at once — also when a yellow one grows."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from cityops.core.clock import FakeClock
from cityops.rules.service import shipped_rules_path
from cityops.runtime import Runtime
from tests.services import wait_for
from tests.web.helpers import register


def depth(client: TestClient, clock: FakeClock, cm: float) -> None:
    clock.advance(60)
    reading = {"device_id": "UWL-1", "ts": clock.now_ms(), "values": {"water_level_cm": cm}}
    assert client.post("/api/v1/telemetry", json=reading).json()["accepted"] == 1


def the_case(client: TestClient) -> dict[str, Any] | None:
    items: list[dict[str, Any]] = client.get("/api/v1/cases", params={"class": "E1001"}).json()[
        "items"
    ]
    assert len(items) <= 1
    return items[0] if items else None


def test_a_yellow_flood_waits_for_the_dispatcher_until_it_turns_orange(
    client: TestClient, runtime: Runtime, clock: FakeClock
) -> None:
    runtime.rules.seed(shipped_rules_path(), models=runtime.registry.models)
    register(client, "UWL-1")
    depth(client, clock, 30)  # yellow (≥27 cm)
    wait_for(lambda: the_case(client) is not None)
    case = the_case(client)
    assert case is not None
    assert case["state"] == "filed"
    assert case["suggested_unit"] == "dept-drainage"

    depth(client, clock, 45)  # orange (≥40 cm): no minute lost in a queue
    wait_for(lambda: (the_case(client) or {}).get("state") == "dispatched")
    detail = client.get(f"/api/v1/cases/{case['id']}").json()
    assert detail["unit"] == "dept-drainage"
    dispatch = [t for t in detail["timeline"] if t["action"] == "dispatch"]
    assert dispatch[0]["actor"]["role"] == "system"
    assert "自动派遣" in dispatch[0]["note"]


def test_an_orange_flood_is_dispatched_at_once(
    client: TestClient, runtime: Runtime, clock: FakeClock
) -> None:
    runtime.rules.seed(shipped_rules_path(), models=runtime.registry.models)
    register(client, "UWL-1")
    depth(client, clock, 45)
    wait_for(lambda: (the_case(client) or {}).get("state") == "dispatched")
