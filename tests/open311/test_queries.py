"""GET requests: ids override everything; otherwise service, status and a window of at most
90 days (the last 90 by default), newest first, at most 1000."""

from __future__ import annotations

from fastapi.testclient import TestClient

from cityops.core.clock import FakeClock
from cityops.runtime import Runtime
from cityops.store.schema import service_requests
from tests.open311.helpers import BASE, errors_of, report, valid_json
from tests.open311.schemas import REQUESTS

DAY_S = 86_400


def ids(client: TestClient, **params: str) -> list[str]:
    answer = client.get(f"{BASE}/requests.json", params=params)
    return [v["service_request_id"] for v in valid_json(answer, REQUESTS)]


def test_newest_requests_come_first(client: TestClient, clock: FakeClock, app_key: str) -> None:
    first = report(client, app_key)
    clock.advance(60)
    second = report(client, app_key, service_code="noise", **{"attribute[SOURCE]": "dance"})
    assert ids(client) == [second, first]


def test_service_code_and_status_take_comma_lists(client: TestClient, app_key: str) -> None:
    garbage = report(client, app_key)
    noise = report(client, app_key, service_code="noise", **{"attribute[SOURCE]": "shop"})
    report(client, app_key, service_code="shopfront")
    assert set(ids(client, service_code="garbage,noise")) == {garbage, noise}
    assert ids(client, service_code="noise", status="open,closed") == [noise]
    assert ids(client, status="closed") == []


def test_service_request_ids_override_every_other_argument(
    client: TestClient, clock: FakeClock, app_key: str
) -> None:
    garbage = report(client, app_key)
    clock.advance(200 * DAY_S)
    shop = report(client, app_key, service_code="shopfront")
    found = ids(
        client, service_request_id=f"{garbage}, {shop},nope", service_code="noise", status="closed"
    )
    assert set(found) == {garbage, shop}


def test_by_default_only_the_last_90_days_are_listed(
    client: TestClient, clock: FakeClock, app_key: str
) -> None:
    old = report(client, app_key)
    clock.advance(91 * DAY_S)
    new = report(client, app_key, service_code="shopfront")
    assert ids(client) == [new]
    assert ids(client, start_date="2026-01-01") == [old]  # start + 90 days
    assert ids(client, end_date="2026-02-01T00:00:00Z") == [old]  # end - 90 days


def test_dates_select_by_requested_time_in_w3c_format(
    client: TestClient, clock: FakeClock, app_key: str
) -> None:
    first = report(client, app_key)  # 2026-01-01T08:00:00+08:00
    clock.advance(DAY_S)
    second = report(client, app_key, service_code="shopfront")
    assert ids(client, start_date="2026-01-02") == [second]  # midnight in the district
    assert ids(client, start_date="2026-01-01T00:00:00Z", end_date="2026-01-01T00:00Z") == [first]
    assert (
        ids(client, start_date="2026-01-01T08:00:01+08:00", end_date="2026-01-02T07:59+08:00") == []
    )


def test_at_most_1000_requests_are_returned(
    client: TestClient, runtime: Runtime, clock: FakeClock
) -> None:
    now = clock.now_ms()
    rows = [
        {
            "id": f"bulk-{i:04d}",
            "token": f"token-{i:04d}",
            "service_code": "garbage",
            "status": "open",
            "attributes": {},
            "contact": {},
            "requested_at": now - i * 1000,
            "updated_at": now - i * 1000,
        }
        for i in range(1001)
    ]
    with runtime.engine.begin() as conn:
        conn.execute(service_requests.insert(), rows)
    listed = ids(client)
    assert len(listed) == 1000
    assert listed[0] == "bulk-0000"
    assert "bulk-1000" not in listed


def test_bad_arguments_are_all_named_in_one_answer(client: TestClient) -> None:
    problems = errors_of(
        client.get(
            f"{BASE}/requests.json",
            params={"start_date": "yesterday", "end_date": "2026-02-30", "status": "pending"},
        ),
        400,
    )
    assert problems[0] == "status 'pending' is not one of open, closed"
    assert problems[1].startswith("start_date: expected a W3C datetime")
    assert problems[2].startswith("end_date: '2026-02-30' is not a valid datetime")


def test_a_range_is_at_most_90_days_and_runs_forward(client: TestClient) -> None:
    wide = {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-02T00:00:00Z"}
    assert errors_of(client.get(f"{BASE}/requests.json", params=wide), 400) == [
        "start_date and end_date may not span more than 90 days"
    ]
    backwards = {"start_date": "2026-01-02", "end_date": "2026-01-01"}
    assert errors_of(client.get(f"{BASE}/requests.json", params=backwards), 400) == [
        "end_date is earlier than start_date"
    ]


def test_a_date_without_an_offset_is_refused(client: TestClient) -> None:
    (problem,) = errors_of(
        client.get(f"{BASE}/requests.json", params={"start_date": "2026-01-01T08:00:00"}), 400
    )
    assert problem.startswith("start_date: expected a W3C datetime")
