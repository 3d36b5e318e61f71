"""The events API: filters, detail with its changes, acknowledge, and the live SSE stream."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
from fastapi.testclient import TestClient

from cityops.auth.tokens import Role
from cityops.events.model import Clear, EventSource, Severity, Signal
from cityops.runtime import Runtime


def raise_event(rt: Runtime, key: str, severity: Severity = Severity.YELLOW, **kw: Any) -> str:
    fields: dict[str, Any] = {
        "class_code": "E1001",
        "severity": severity,
        "source": EventSource.RULE,
        "ts": rt.clock.now_ms(),
        "title": f"积水 {key}",
        "key": key,
        "lon": 120.3,
        "lat": 30.3,
        "grid_code": "330199001001001",
    }
    fields.update(kw)
    (event,) = rt.events.apply([Signal(**fields)])
    return event.id


def test_list_filters_by_status_class_severity_grid_and_source(
    client: TestClient, runtime: Runtime
) -> None:
    raise_event(runtime, "a", Severity.YELLOW)
    raise_event(runtime, "b", Severity.RED, class_code="E1003", grid_code="330199002001001")
    raise_event(runtime, "c", Severity.BLUE)
    runtime.events.apply([Clear(key="c", ts=runtime.clock.now_ms(), reason="ok")])

    def ids(**params: Any) -> list[str]:
        items = client.get("/api/v1/events", params=params).json()["items"]
        return sorted(e["title"][-1] for e in items)

    assert ids() == ["a", "b", "c"]
    assert ids(status=["active"]) == ["a", "b"]
    assert ids(status=["cleared"]) == ["c"]
    assert ids(severity=["red", "yellow"]) == ["a", "b"]
    assert ids(**{"class": "E1003"}) == ["b"]
    assert ids(**{"class": "E10"}) == ["a", "b", "c"]
    assert ids(grid="330199002") == ["b"]
    assert ids(source="citizen") == []


def test_pages_follow_the_cursor_newest_first(client: TestClient, runtime: Runtime) -> None:
    for i in range(5):
        raise_event(runtime, f"k{i}")
        runtime.clock.advance(1)  # type: ignore[attr-defined]
    page = client.get("/api/v1/events", params={"limit": 2}).json()
    seen = [e["title"] for e in page["items"]]
    while page["next_cursor"]:
        page = client.get(
            "/api/v1/events", params={"limit": 2, "cursor": page["next_cursor"]}
        ).json()
        seen += [e["title"] for e in page["items"]]
    assert seen == [f"积水 k{i}" for i in reversed(range(5))]


def test_detail_names_the_class_and_severity_and_lists_changes(
    client: TestClient, runtime: Runtime
) -> None:
    event_id = raise_event(runtime, "a", Severity.ORANGE)
    detail = client.get(f"/api/v1/events/{event_id}").json()
    assert detail["severity_level"] == "II"
    assert detail["severity_name_zh"] == "严重"
    assert [c["kind"] for c in detail["changes"]] == ["opened"]
    assert client.get("/api/v1/events/nope").status_code == 404


def test_acknowledge_through_the_api(client: TestClient, runtime: Runtime) -> None:
    event_id = raise_event(runtime, "a")
    acked = client.post(f"/api/v1/events/{event_id}/ack", json={"note": "已派人查看"})
    assert acked.status_code == 200
    assert acked.json()["status"] == "acknowledged"
    assert client.post("/api/v1/events/nope/ack").status_code == 404
    viewer = runtime.api_keys.create("screen", Role.VIEWER)[1]
    refused = client.post(
        f"/api/v1/events/{event_id}/ack", headers={"Authorization": f"Bearer {viewer}"}
    )
    assert refused.status_code == 403


def test_the_stream_delivers_each_change_as_it_commits(
    live: str, runtime: Runtime, admin_key: str
) -> None:
    received: list[str] = []
    connected = threading.Event()

    def listen() -> None:
        headers = {"Authorization": f"Bearer {admin_key}"}
        params = {"severity": ["red"]}
        with httpx.stream(
            "GET", f"{live}/api/v1/events/stream", headers=headers, params=params, timeout=10
        ) as response:
            for line in response.iter_lines():
                connected.set()
                if line.startswith("data: "):
                    received.append(line)
                    if len(received) == 2:
                        return

    thread = threading.Thread(target=listen)
    thread.start()
    assert connected.wait(5)
    time.sleep(0.1)
    raise_event(runtime, "blue-one", Severity.BLUE)  # filtered out
    raise_event(runtime, "red-one", Severity.RED)
    runtime.events.apply([Clear(key="red-one", ts=runtime.clock.now_ms(), reason="ok")])
    thread.join(10)
    assert len(received) == 2
    assert '"status":"active"' in received[0]
    assert '"status":"cleared"' in received[1]
    assert "blue-one" not in "".join(received)


def test_the_stream_needs_a_credential(live: str) -> None:
    assert httpx.get(f"{live}/api/v1/events/stream").status_code == 401
