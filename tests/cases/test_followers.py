"""The loop closes for citizens: their request follows the case, and its event clears."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from cityops.auth.tokens import Role
from cityops.cases.service import CASES_CHANGED
from cityops.runtime import Runtime


def keys(runtime: Runtime, role: Role, unit: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {runtime.api_keys.create(role.value, role, unit)[1]}"}


def citizen_report(client: TestClient, runtime: Runtime) -> str:
    app_key = runtime.api_keys.create("residents app", Role.INGEST)[1]
    posted = client.post(
        "/open311/v2/requests.json",
        data={
            "api_key": app_key,
            "service_code": "garbage",
            "lat": "30.30",
            "long": "120.30",
            "description": "小区门口垃圾堆放三天了",
        },
    )
    assert posted.status_code in (200, 201), posted.text
    request_id: str = posted.json()[0]["service_request_id"]
    return request_id


def handled_case(client: TestClient, runtime: Runtime) -> tuple[dict[str, Any], dict[str, Any]]:
    """The report's case walked to 处置反馈 (handled); returns it and the dispatch answer."""
    chief = keys(runtime, Role.DUTY_CHIEF)
    (case,) = client.get("/api/v1/cases", headers=chief).json()["items"]
    assert case["state"] == "reported"  # citizen reports wait for intake review
    act = f"/api/v1/cases/{case['id']}/actions"
    filed = client.post(act, json={"action": "file"}, headers=keys(runtime, Role.INTAKE_OPERATOR))
    assert filed.status_code == 200
    dispatched: dict[str, Any] = client.post(
        act, json={"action": "dispatch"}, headers=keys(runtime, Role.DISPATCHER)
    ).json()
    handler = keys(runtime, Role.SERVICE_COMPANY, dispatched["unit"])
    client.post(act, json={"action": "accept"}, headers=handler)
    client.post(act, json={"action": "report_handled", "note": "已清运"}, headers=handler)
    return case, dispatched


def close(client: TestClient, runtime: Runtime, case: dict[str, Any]) -> None:
    done = client.post(
        f"/api/v1/cases/{case['id']}/actions",
        json={"action": "verify_pass", "note": "现场已清理干净"},
        headers=keys(runtime, Role.INSPECTOR),
    )
    assert done.json()["state"] == "closed"


def assert_followed(client: TestClient, request_id: str, case: dict[str, Any]) -> None:
    after = client.get(f"/open311/v2/requests/{request_id}.json").json()[0]
    assert after["status"] == "closed"
    assert after["status_notes"] == "现场已清理干净"
    (event_id,) = case["event_ids"]
    event = client.get(f"/api/v1/events/{event_id}").json()
    assert event["status"] == "cleared"
    assert case["number"] in event["clear_reason"]


def test_a_citizen_report_follows_its_case_to_closure(client: TestClient, runtime: Runtime) -> None:
    request_id = citizen_report(client, runtime)
    case, dispatched = handled_case(client, runtime)
    mid = client.get(f"/open311/v2/requests/{request_id}.json").json()[0]
    assert mid["status"] == "open"
    assert mid["agency_responsible"] == dispatched["unit_name_zh"]
    close(client, runtime, case)
    assert_followed(client, request_id, case)


def test_a_closure_whose_followers_a_crash_cut_off_is_followed_at_the_next_start(
    client: TestClient, runtime: Runtime
) -> None:
    request_id = citizen_report(client, runtime)
    case, _ = handled_case(client, runtime)
    # The process dies between the case's commit and its followers: none of them runs.
    followers = runtime.bus._handlers[CASES_CHANGED]
    followers.remove(runtime.case_followers.on_case_changed)
    close(client, runtime, case)
    (event_id,) = case["event_ids"]
    assert client.get(f"/api/v1/events/{event_id}").json()["status"] == "active"

    assert runtime.case_followers.resume() == 1  # what start-up does
    assert_followed(client, request_id, case)
    assert runtime.case_followers.resume() == 0


def test_a_citizen_report_never_lowers_a_sensor_events_severity(runtime: Runtime) -> None:
    from cityops.events.model import EventSource, Severity, Signal

    now = runtime.clock.now_ms()
    base = {
        "class_code": "E0102",
        "ts": now,
        "lon": 120.3,
        "lat": 30.3,
        "title": "巡查发现暴露垃圾",
    }
    first = runtime.events.report(
        Signal(severity=Severity.ORANGE, source=EventSource.PATROL, **base),
        dedup_radius_m=50,
        dedup_window_s=3600,
    )  # type: ignore[arg-type]
    joined = runtime.events.report(
        Signal(
            severity=Severity.BLUE, source=EventSource.CITIZEN, **{**base, "title": "市民反映垃圾"}
        ),  # type: ignore[arg-type]
        dedup_radius_m=50,
        dedup_window_s=3600,
    )
    assert joined.id == first.id
    assert (joined.severity, joined.title, joined.count) == (Severity.ORANGE, "巡查发现暴露垃圾", 2)
