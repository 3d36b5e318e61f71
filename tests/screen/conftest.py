"""Builders for the screen tests: devices, readings, events and cases in chosen areas."""

from __future__ import annotations

import pytest

from cityops.auth.tokens import Principal, PrincipalKind, Role
from cityops.cases.model import Actor, Case
from cityops.cases.service import SYSTEM, ActionInput, NewCase
from cityops.core.types import Reading
from cityops.devices.service import DeviceIn
from cityops.events.model import Event, EventSource, Severity, Signal
from cityops.runtime import Runtime
from cityops.store import readings as readings_store

# Points of the sample district: 滨江街道 (330199001…) and 新城街道 (330199003…).
BINJIANG = "330199001"
XINCHENG = "330199003"
JIANGPAN = "330199001001"
ADMIN = Principal(PrincipalKind.API_KEY, "admin", Role.ADMIN)


def person(role: Role, *grids: str, unit: str | None = None) -> Principal:
    return Principal(PrincipalKind.USER, f"u-{role.value}", role, unit, grids)


def place(runtime: Runtime, prefix: str) -> tuple[float, float]:
    """A point inside the first grid whose code starts with `prefix`."""
    import shapely.geometry

    area = next(
        a
        for a in runtime.district.areas
        if a.level.value == "grid" and a.code.startswith(prefix) and a.geometry
    )
    point = shapely.geometry.shape(area.geometry).representative_point()
    return point.x, point.y


def add_devices(
    runtime: Runtime, prefix: str, *ids: str, model: str = "underpass_water_level"
) -> None:
    lon, lat = place(runtime, prefix)
    runtime.devices.register(
        [
            DeviceIn(id=i, model=model, name=f"设备 {i}", lon=lon, lat=lat, owner_unit="u")
            for i in ids
        ]
    )


def store_readings(runtime: Runtime, device_id: str, *ts: int, **values: float) -> None:
    """Readings written and applied to the shadow, as the writer does after a commit."""
    batch = [(Reading(device_id=device_id, ts=t, values=values), t) for t in ts]
    with runtime.engine.begin() as conn:
        readings_store.write_batch(conn, batch, [])
    runtime.shadows.apply([r for r, _ in batch], max(ts))


def stored(runtime: Runtime, at: int, *device_ids: str) -> None:
    """One reading per id committed at `at`, as the writer announces it to the rate counter."""
    batch = [Reading(device_id=d, ts=at, values={"water_level_cm": 1.0}) for d in device_ids]
    runtime.stored_rate.on_stored((batch, at))


def open_event(runtime: Runtime, key: str, class_code: str, severity: Severity, grid: str) -> Event:
    (event,) = runtime.events.apply(
        [
            Signal(
                class_code=class_code,
                severity=severity,
                source=EventSource.RULE,
                ts=runtime.clock.now_ms(),
                title=key,
                key=key,
                grid_code=grid,
            )
        ]
    )
    return event


def new_case(runtime: Runtime, grid: str, severity: Severity = Severity.BLUE) -> Case:
    """A filed 下穿通道积水 case (blue: one working day to close; red: one hour)."""
    return runtime.cases.create(
        NewCase(
            class_code="E1001",
            severity=severity,
            title="积水",
            source="patrol",
            grid_code=grid,
        ),
        SYSTEM,
        file_now=True,
    )


def dispatch(runtime: Runtime, case: Case) -> Case:
    return runtime.cases.act(case.id, "dispatch", SYSTEM, ActionInput(unit="dept-drainage"))


def close_case(runtime: Runtime, case: Case) -> Case:
    """Dispatch to drainage, handle and verify: closed within its time limit."""
    drainage = Actor("key:drainage", "unit_handler", "dept-drainage")
    act = runtime.cases.act
    dispatch(runtime, case)
    act(case.id, "accept", drainage)
    act(case.id, "report_handled", drainage, ActionInput(note="已处置"))
    return act(case.id, "verify_pass", Actor("key:inspector", "inspector"))


@pytest.fixture
def grid_worker() -> Principal:
    return person(Role.GRID_WORKER, JIANGPAN, unit="grid-" + JIANGPAN)


@pytest.fixture
def worker_header(runtime: Runtime) -> dict[str, str]:
    """A grid worker of 江畔社区 logged in (an access token), as the field page calls."""
    user = runtime.users.create(
        "gw", "网格员", "雨季巡查-2026-ok", Role.GRID_WORKER, "grid-" + JIANGPAN, [JIANGPAN]
    )
    return {"Authorization": f"Bearer {runtime.users.sessions.issue_pair(user.id).access_token}"}
