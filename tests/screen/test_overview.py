"""The overview: what the wall screen shows, counted as the lists count, for the caller only."""

from __future__ import annotations

from fastapi.testclient import TestClient

from cityops.auth.tokens import Principal, Role
from cityops.core.clock import FakeClock
from cityops.events.model import Severity
from cityops.runtime import Runtime
from cityops.screen.overview import day_of, overview
from tests.screen.conftest import (
    ADMIN,
    BINJIANG,
    JIANGPAN,
    XINCHENG,
    add_devices,
    close_case,
    dispatch,
    new_case,
    open_event,
    person,
    store_readings,
    stored,
)


def test_an_empty_platform_answers_with_zeros_and_no_rates(client: TestClient) -> None:
    body = client.get("/api/v1/screen/overview").json()
    assert set(body) == {"generated_at", "devices", "readings", "events", "cases", "today"}
    assert body["devices"] == {
        "total": 0,
        "online": 0,
        "offline": 0,
        "never_seen": 0,
        "online_rate": None,
    }
    assert body["readings"] == {"last_minute": 0, "last_hour": 0}
    assert body["events"] == {
        "active": 0,
        "by_severity": {"blue": 0, "yellow": 0, "orange": 0, "red": 0},
        "by_class": [],
    }
    assert body["cases"]["open"] == 0
    assert body["cases"]["overdue"] == 0
    assert set(body["cases"]["by_state"]) >= {"reported", "filed", "closed", "void"}
    assert body["today"] == {
        "date": "2026-01-01",
        "reported": 0,
        "closed": 0,
        "closed_on_time": 0,
        "on_time_rate": None,
    }


def test_device_status_is_counted_as_the_device_list_computes_it(
    runtime: Runtime, clock: FakeClock
) -> None:
    add_devices(runtime, BINJIANG, "W-1", "W-2", "W-3", "W-4")
    now = clock.now_ms()
    store_readings(runtime, "W-1", now - 1000, water_level_cm=3.0)
    store_readings(runtime, "W-2", now - 1000, water_level_cm=3.0)
    store_readings(runtime, "W-3", now - 86_400_000, water_level_cm=3.0)  # silent since
    devices = overview(runtime, ADMIN)["devices"]
    assert devices == {
        "total": 4,
        "online": 2,
        "offline": 1,
        "never_seen": 1,
        "online_rate": 0.5,
    }


def test_readings_are_counted_as_they_are_stored_in_the_last_minute_and_hour(
    runtime: Runtime, clock: FakeClock
) -> None:
    add_devices(runtime, BINJIANG, "W-1")
    add_devices(runtime, XINCHENG, "W-9")
    stored(runtime, clock.now_ms() - 2 * 3_600_000, "W-1")  # before the hour: not counted
    stored(runtime, clock.now_ms() - 30 * 60_000, "W-1")
    stored(runtime, clock.now_ms() - 20_000, "W-1", "W-1")
    stored(runtime, clock.now_ms(), "W-9")
    assert overview(runtime, ADMIN)["readings"] == {"last_minute": 3, "last_hour": 4}
    binjiang_only = overview(runtime, person(Role.VIEWER, BINJIANG))["readings"]
    assert binjiang_only == {"last_minute": 2, "last_hour": 3}


def test_stored_readings_reach_the_count_through_the_writer(
    client: TestClient, runtime: Runtime, clock: FakeClock
) -> None:
    add_devices(runtime, BINJIANG, "W-1")
    reading = {"device_id": "W-1", "ts": clock.now_ms(), "values": {"water_level_cm": 2.0}}
    assert client.post("/api/v1/telemetry", json=[reading]).json()["accepted"] == 1
    assert overview(runtime, ADMIN)["readings"] == {"last_minute": 1, "last_hour": 1}


def test_open_events_by_severity_and_by_class_most_first(runtime: Runtime) -> None:
    open_event(runtime, "a", "E1001", Severity.RED, JIANGPAN + "01")
    open_event(runtime, "b", "E1001", Severity.BLUE, JIANGPAN + "02")
    open_event(runtime, "c", "E1003", Severity.ORANGE, XINCHENG + "00101")
    events = overview(runtime, ADMIN)["events"]
    assert events["active"] == 3
    assert events["by_severity"] == {"blue": 1, "yellow": 0, "orange": 1, "red": 1}
    first, second = events["by_class"]
    assert (first["code"], first["count"], first["name_zh"]) == ("E1001", 2, "下穿通道积水")
    assert first["by_severity"] == {"blue": 1, "yellow": 0, "orange": 0, "red": 1}
    assert (second["code"], second["count"]) == ("E1003", 1)


def test_cases_by_state_open_and_overdue_and_today_only_today(
    runtime: Runtime, clock: FakeClock
) -> None:
    clock.set(day_of(clock.now_ms())[0] + 9 * 3_600_000)  # 09:00 in Asia/Shanghai
    close_case(runtime, new_case(runtime, JIANGPAN + "01"))
    new_case(runtime, JIANGPAN + "02")
    dispatch(runtime, new_case(runtime, XINCHENG + "00101", Severity.RED))  # one hour to close
    clock.advance(86_400)  # the next day: the red case is overdue
    new_case(runtime, JIANGPAN + "03")
    body = overview(runtime, ADMIN)
    by_state = body["cases"]["by_state"]
    assert (by_state["closed"], by_state["filed"], by_state["dispatched"]) == (1, 2, 1)
    assert body["cases"]["open"] == 3
    assert body["cases"]["overdue"] == 1
    assert body["today"]["date"] == "2026-01-02"
    assert (body["today"]["reported"], body["today"]["closed"]) == (1, 0)
    assert body["today"]["on_time_rate"] is None


def test_today_counts_cases_closed_today_and_their_on_time_rate(
    runtime: Runtime, clock: FakeClock
) -> None:
    clock.set(day_of(clock.now_ms())[0] + 9 * 3_600_000)
    close_case(runtime, new_case(runtime, JIANGPAN + "01"))
    close_case(runtime, new_case(runtime, JIANGPAN + "02"))
    new_case(runtime, JIANGPAN + "03")
    today = overview(runtime, ADMIN)["today"]
    assert today["reported"] == 3
    assert (today["closed"], today["closed_on_time"], today["on_time_rate"]) == (2, 2, 1.0)


def test_a_grid_worker_sees_only_their_community(
    runtime: Runtime, clock: FakeClock, grid_worker: Principal
) -> None:
    add_devices(runtime, JIANGPAN, "W-1")
    add_devices(runtime, XINCHENG, "W-9", "W-8")
    open_event(runtime, "a", "E1001", Severity.RED, JIANGPAN + "01")
    open_event(runtime, "c", "E1003", Severity.ORANGE, XINCHENG + "00101")
    new_case(runtime, JIANGPAN + "01")
    new_case(runtime, XINCHENG + "00101")
    body = overview(runtime, grid_worker)
    assert body["devices"]["total"] == 1
    assert body["events"]["active"] == 1
    assert [c["code"] for c in body["events"]["by_class"]] == ["E1001"]
    assert body["cases"]["by_state"]["filed"] == 1
    # The red event opened a case of its own (intake policy): in their community too.
    everyone = overview(runtime, ADMIN)["today"]["reported"]
    assert body["today"]["reported"] == sum(body["cases"]["by_state"].values()) < everyone


def test_a_unit_handler_sees_the_cases_of_their_unit(runtime: Runtime) -> None:
    close_case(runtime, new_case(runtime, JIANGPAN + "01"))
    new_case(runtime, JIANGPAN + "02")
    drainage = person(Role.UNIT_HANDLER, unit="dept-drainage")
    cleaning = person(Role.UNIT_HANDLER, unit="dept-sanitation")
    assert overview(runtime, drainage)["cases"]["by_state"]["closed"] == 1
    assert overview(runtime, drainage)["cases"]["by_state"]["filed"] == 0
    assert sum(overview(runtime, cleaning)["cases"]["by_state"].values()) == 0


def test_the_day_is_the_district_day_not_utc() -> None:
    # 2026-01-01 17:00 UTC is already 2 January, 01:00, in Asia/Shanghai.
    start, end = day_of(1_767_286_800_000)
    assert start == 1_767_283_200_000  # 2026-01-01T16:00Z = 2 January 00:00 +08:00
    assert end - start == 86_400_000
