"""The map feed and a device's threshold lines, over HTTP and limited to the caller's areas."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from cityops.auth.tokens import Principal
from cityops.core.clock import FakeClock
from cityops.runtime import Runtime
from cityops.screen.feed import device_feed, grid_summary, parse_bbox
from tests.screen.conftest import BINJIANG, JIANGPAN, XINCHENG, add_devices, place, store_readings

BANDS_RULE: dict[str, Any] = {
    "id": "underpass-bands",
    "name_zh": "下穿通道积水分级预警",
    "name_en": "Underpass water depth",
    "scope": {"models": ["underpass_water_level"]},
    "condition": {
        "type": "bands",
        "property": "water_level_cm",
        "bands": [{"above": 15, "severity": "blue"}, {"above": 40, "severity": "orange"}],
        "clear": 5,
    },
    "class_code": "E1001",
}


def test_rows_carry_the_fields_named_once(
    client: TestClient, runtime: Runtime, clock: FakeClock
) -> None:
    add_devices(runtime, JIANGPAN, "W-1", "W-2")
    store_readings(runtime, "W-2", clock.now_ms(), water_level_cm=1.0)
    body = client.get("/api/v1/screen/devices").json()
    assert body["fields"] == ["id", "name", "model", "lon", "lat", "status", "grid"]
    lon, lat = place(runtime, JIANGPAN)
    assert body["rows"][0] == [
        "W-1",
        "设备 W-1",
        "underpass_water_level",
        lon,
        lat,
        "never_seen",
        body["rows"][0][6],
    ]
    assert body["rows"][0][6].startswith(JIANGPAN)
    assert body["rows"][1][5] == "online"


def test_a_bounding_box_keeps_the_devices_inside_it(client: TestClient, runtime: Runtime) -> None:
    add_devices(runtime, BINJIANG, "W-1")
    add_devices(runtime, XINCHENG, "W-9")
    lon, lat = place(runtime, XINCHENG)
    box = f"{lon - 0.001},{lat - 0.001},{lon + 0.001},{lat + 0.001}"
    rows = client.get("/api/v1/screen/devices", params={"bbox": box}).json()["rows"]
    assert [r[0] for r in rows] == ["W-9"]


def test_more_devices_than_the_limit_give_counts_not_points(
    client: TestClient, runtime: Runtime
) -> None:
    add_devices(runtime, BINJIANG, "W-1", "W-2", "W-3")
    body = client.get("/api/v1/screen/devices", params={"limit": 2}).json()
    assert body["rows"] == []
    assert body["truncated"] is True
    assert body["total"] == 3
    whole = client.get("/api/v1/screen/devices", params={"limit": 3}).json()
    assert (whole["total"], whole["truncated"], len(whole["rows"])) == (3, False, 3)


def test_grid_counts_by_status_for_the_callers_areas(
    client: TestClient, runtime: Runtime, clock: FakeClock, grid_worker: Principal
) -> None:
    add_devices(runtime, JIANGPAN, "W-1", "W-2")
    add_devices(runtime, XINCHENG, "W-9")
    store_readings(runtime, "W-2", clock.now_ms(), water_level_cm=1.0)
    body = client.get("/api/v1/screen/grids").json()
    assert body["fields"] == ["grid", "total", "online", "offline", "never_seen"]
    by_grid = {row[0]: row[1:] for row in body["rows"]}
    (jiangpan,) = [g for g in by_grid if g.startswith(JIANGPAN)]
    assert by_grid[jiangpan] == [2, 1, 0, 1]
    assert sum(row[0] for row in by_grid.values()) == 3
    mine = grid_summary(runtime, grid_worker)["rows"]
    assert [row[0] for row in mine] == [jiangpan]


@pytest.mark.parametrize("box", ["1,2,3", "a,b,c,d", "10,10,5,5", "0,-91,1,1"])
def test_a_malformed_bounding_box_is_refused(client: TestClient, box: str) -> None:
    answer = client.get("/api/v1/screen/devices", params={"bbox": box})
    assert answer.status_code == 400
    assert "bbox" in answer.json()["detail"] or "float" in answer.json()["detail"]


def test_parse_bbox_reads_four_numbers() -> None:
    assert parse_bbox("120.1,30.2,120.5,30.4") == (120.1, 30.2, 120.5, 30.4)


def test_the_feed_leaves_out_devices_outside_the_callers_areas(
    runtime: Runtime, grid_worker: Principal
) -> None:
    add_devices(runtime, JIANGPAN, "W-1")
    add_devices(runtime, XINCHENG, "W-9")
    assert [r[0] for r in device_feed(runtime, grid_worker)["rows"]] == ["W-1"]


def test_threshold_lines_of_the_rules_watching_a_device(
    client: TestClient, runtime: Runtime
) -> None:
    add_devices(runtime, JIANGPAN, "W-1")
    add_devices(runtime, JIANGPAN, "S-1", model="smoke_detector")
    assert client.post("/api/v1/rules", json=BANDS_RULE).status_code == 201
    lines = client.get("/api/v1/devices/W-1/thresholds").json()
    ours = [line for line in lines if line["rule_id"] == "underpass-bands"]
    assert ours == [
        {
            "rule_id": "underpass-bands",
            "rule_name": "下穿通道积水分级预警",
            "rule_name_en": "Underpass water depth",
            "property": "water_level_cm",
            "op": ">=",
            "value": 15,
            "severity": "blue",
            "clear": 5,
        },
        {
            "rule_id": "underpass-bands",
            "rule_name": "下穿通道积水分级预警",
            "rule_name_en": "Underpass water depth",
            "property": "water_level_cm",
            "op": ">=",
            "value": 40,
            "severity": "orange",
            "clear": 5,
        },
    ]
    smoke = client.get("/api/v1/devices/S-1/thresholds").json()
    assert all(line["rule_id"] != "underpass-bands" for line in smoke)


def test_a_disabled_rule_draws_no_line(client: TestClient, runtime: Runtime) -> None:
    add_devices(runtime, JIANGPAN, "W-1")
    assert client.post("/api/v1/rules", json={**BANDS_RULE, "enabled": False}).status_code == 201
    lines = client.get("/api/v1/devices/W-1/thresholds").json()
    assert all(line["rule_id"] != "underpass-bands" for line in lines)


def test_thresholds_of_an_unknown_or_unseen_device_are_not_found(
    client: TestClient, runtime: Runtime, worker_header: dict[str, str]
) -> None:
    add_devices(runtime, JIANGPAN, "W-1")
    add_devices(runtime, XINCHENG, "W-9")
    assert client.get("/api/v1/devices/NOPE/thresholds").status_code == 404
    mine = client.get("/api/v1/devices/W-1/thresholds", headers=worker_header)
    assert mine.status_code == 200
    elsewhere = client.get("/api/v1/devices/W-9/thresholds", headers=worker_header)
    assert elsewhere.status_code == 404


def test_the_screens_answer_a_grid_worker_for_their_community_only(
    client: TestClient, runtime: Runtime, worker_header: dict[str, str]
) -> None:
    add_devices(runtime, JIANGPAN, "W-1")
    add_devices(runtime, XINCHENG, "W-9")
    feed = client.get("/api/v1/screen/devices", headers=worker_header).json()
    assert [r[0] for r in feed["rows"]] == ["W-1"]
    summary = client.get("/api/v1/screen/overview", headers=worker_header).json()
    assert summary["devices"]["total"] == 1
