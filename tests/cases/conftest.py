"""A case service over the sample district, on both stores, with a clock set to a Monday."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from cityops.bus.local import LocalBus
from cityops.cases.calendar import load_calendar, shipped_calendar_dir
from cityops.cases.deadlines import load_time_limits
from cityops.cases.model import Actor
from cityops.cases.routing import load_routing
from cityops.cases.service import CaseService, NewCase
from cityops.cases.units import load_units
from cityops.cases.workflow import load_workflow
from cityops.core.clock import FakeClock
from cityops.district.loader import load_district, sample_district_path
from cityops.events.model import Severity

MONDAY_10AM = 1_767_578_400_000  # 2026-01-05 10:00 Asia/Shanghai, a working day

INTAKE = Actor("key:intake", "intake_operator")
DISPATCHER = Actor("key:dispatch", "dispatcher")
CHIEF = Actor("key:chief", "duty_chief")
INSPECTOR = Actor("key:inspector", "inspector")
SUPERVISOR = Actor("key:supervisor", "supervisor")
DRAINAGE = Actor("key:drainage", "unit_handler", "dept-drainage")
CLEANING = Actor("key:cleaning", "service_company", "co-cleaning")


@pytest.fixture
def monday() -> FakeClock:
    return FakeClock(MONDAY_10AM)


@pytest.fixture
def cases(engine: sa.Engine, monday: FakeClock) -> CaseService:
    units = load_units(load_district(sample_district_path()))
    calendar = load_calendar([shipped_calendar_dir()])
    return CaseService(
        engine,
        LocalBus(),
        monday,
        workflow=load_workflow(),
        units=units,
        routing=load_routing(units),
        limits=load_time_limits(calendar),
        calendar=calendar,
        district_code="330199",
    )


def flood(**kw: object) -> NewCase:
    fields: dict[str, object] = {
        "class_code": "E1001",
        "severity": Severity.ORANGE,
        "title": "望湖路下穿通道积水 42 cm",
        "source": "rule",
        "lon": 120.30,
        "lat": 30.30,
        "grid_code": "330199002001001",
    }
    fields.update(kw)
    return NewCase(**fields)  # type: ignore[arg-type]
