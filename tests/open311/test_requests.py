"""POST requests: a valid report becomes, or joins, a citizen event; GET shows its status."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient

from cityops.core.clock import FakeClock
from cityops.events.model import Clear, EventSource, Severity, Signal
from cityops.runtime import Runtime
from cityops.store.schema import service_requests
from tests.open311.helpers import BASE, INSIDE, as_text, post, report, spark, valid_json, xml_root
from tests.open311.schemas import POST_RESPONSE, REQUESTS

CONTACT = {
    "email": "zhang.san@example.cn",
    "first_name": "晓岚",
    "last_name": "欧阳",
    "phone": "13800000000",
    "device_id": "phone-7f3a",
}


def test_a_report_creates_a_citizen_event(client: TestClient, app_key: str) -> None:
    answer = post(
        client,
        app_key,
        service_code="garbage",
        **INSIDE,
        account_id="u-1",
        description="小区门口一堆垃圾",
        **{"attribute[AMOUNT]": "heap"},
    )
    (receipt,) = valid_json(answer, POST_RESPONSE)
    assert receipt["account_id"] == "u-1"
    assert receipt["service_notice"].startswith("环卫部门")
    assert "token" not in receipt  # a realtime service answers with the id only
    events = client.get("/api/v1/events", params={"source": "citizen"}).json()["items"]
    (event,) = events
    assert (event["class_code"], event["class_name_zh"], event["count"]) == ("E0102", "暴露垃圾", 1)
    assert event["severity"] == "yellow"  # raised by the "heap" answer
    assert event["grid_code"] is not None
    assert event["evidence"]["open311_requests"] == [receipt["service_request_id"]]
    assert event["evidence"]["description"] == "小区门口一堆垃圾"


def test_the_answer_to_a_post_can_be_xml(client: TestClient, app_key: str) -> None:
    answer = post(client, app_key, "xml", service_code="shopfront", **INSIDE)
    root = xml_root(answer, "service_requests")
    (request,) = root
    assert request.tag == "request"
    assert [child.tag for child in request] == [
        "service_request_id",
        "service_notice",
        "account_id",
    ]
    assert request.findtext("service_request_id")
    assert request.findtext("account_id") == ""  # an empty element: null in JSON


def test_two_reports_at_the_same_spot_join_one_event(client: TestClient, app_key: str) -> None:
    first = report(client, app_key)
    second = report(client, app_key, long="120.3002", lat="30.3001")  # ~20 m away
    (event,) = client.get("/api/v1/events", params={"source": "citizen"}).json()["items"]
    assert event["count"] == 2
    assert event["evidence"]["open311_requests"] == [first, second]
    views = client.get(f"{BASE}/requests.json", params={"service_request_id": f"{first},{second}"})
    notes = {v["service_request_id"]: v["status_notes"] for v in valid_json(views, REQUESTS)}
    assert notes[first] is None
    assert notes[second] is not None
    assert "合并" in notes[second]


def test_reports_far_apart_or_of_another_class_make_separate_events(
    client: TestClient, app_key: str
) -> None:
    report(client, app_key)
    report(client, app_key, long="120.31", lat="30.30")  # ~1 km east
    report(client, app_key, service_code="shopfront")
    items = client.get("/api/v1/events", params={"source": "citizen"}).json()["items"]
    assert sorted(e["class_code"] for e in items) == ["E0102", "E0102", "E0502"]


def test_a_request_closes_when_its_event_is_cleared(
    client: TestClient, runtime: Runtime, clock: FakeClock, app_key: str
) -> None:
    patrol = Signal(
        class_code="E0102",
        severity=Severity.BLUE,
        source=EventSource.PATROL,
        ts=clock.now_ms(),
        title="巡查发现暴露垃圾",
        key="patrol:garbage-1",
        lon=120.30,
        lat=30.30,
    )
    runtime.events.apply([patrol])
    request_id = report(client, app_key)
    event = runtime.events.active_for_key("patrol:garbage-1")
    assert event is not None
    assert event.count == 2
    url = f"{BASE}/requests/{request_id}.json"
    assert client.get(url).json()[0]["status"] == "open"

    clock.advance(3600)
    runtime.events.apply([Clear(key="patrol:garbage-1", ts=clock.now_ms(), reason="已清理完毕")])
    (view,) = valid_json(client.get(url), REQUESTS)
    assert (view["status"], view["status_notes"]) == ("closed", "已清理完毕")
    assert view["requested_datetime"] == "2026-01-01T08:00:00+08:00"
    assert view["updated_datetime"] == "2026-01-01T09:00:00+08:00"
    closed = client.get(f"{BASE}/requests.json", params={"status": "closed"}).json()
    assert [v["service_request_id"] for v in closed] == [request_id]
    assert client.get(f"{BASE}/requests.json", params={"status": "open"}).json() == []


def test_contact_details_are_stored_but_never_shown(
    client: TestClient, runtime: Runtime, app_key: str
) -> None:
    request_id = report(client, app_key, **CONTACT, account_id="u-9", address_string="文三路 1 号")
    for path in (f"{BASE}/requests.json", f"{BASE}/requests/{request_id}.json"):
        (view,) = valid_json(client.get(path), REQUESTS)  # additionalProperties: false
        assert view["address"] == "文三路 1 号"
    for path in (f"{BASE}/requests.xml", f"{BASE}/requests/{request_id}.xml"):
        text = client.get(path).text
        assert not any(value in text for value in (*CONTACT.values(), "u-9"))
    with runtime.engine.connect() as conn:
        row = conn.execute(
            sa.select(service_requests.c.contact, service_requests.c.device_id)
        ).one()
    assert row.contact == {
        "email": CONTACT["email"],
        "first_name": "晓岚",
        "last_name": "欧阳",
        "phone": CONTACT["phone"],
        "account_id": "u-9",
    }
    assert row.device_id == "phone-7f3a"


def test_one_request_reads_the_same_in_json_and_xml(client: TestClient, app_key: str) -> None:
    request_id = report(
        client,
        app_key,
        service_code="parking",
        media_url="https://img.example.cn/1.jpg",
        **{"attribute[BLOCKING][]": ["fire_lane", "tactile"], "attribute[PLATE]": "浙A12345"},
    )
    (view,) = valid_json(client.get(f"{BASE}/requests/{request_id}.json"), REQUESTS)
    assert (view["service_name"], view["status"], view["lat"], view["long"]) == (
        "机动车乱停放",
        "open",
        30.30,
        120.30,
    )
    assert view["media_url"] == "https://img.example.cn/1.jpg"
    root = xml_root(client.get(f"{BASE}/requests/{request_id}.xml"), "service_requests")
    assert [child.tag for child in root[0]] == list(view)
    assert spark(root) == as_text([view])
    (event,) = client.get("/api/v1/events", params={"source": "citizen"}).json()["items"]
    assert event["severity"] == "yellow"  # blocking a fire lane raises the parking default


def test_an_address_alone_locates_a_request(client: TestClient, app_key: str) -> None:
    answer = post(client, app_key, service_code="streetlight", address_id="ADDR-330199-0042")
    valid_json(answer, POST_RESPONSE)
    (event,) = client.get("/api/v1/events", params={"source": "citizen"}).json()["items"]
    assert (event["lon"], event["grid_code"]) == (None, None)
    assert event["evidence"]["component_code"] == "C0111"
