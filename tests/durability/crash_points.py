"""A CityOps process that dies, as under SIGKILL, at a chosen point right after a commit.

    python -m tests.durability.crash_points DATA_DIR DATABASE_URL POINT

It prepares the store (the sample district, the demo rules, one underpass gauge), arms the
crash point, and stores one reading of 60 cm of water: red, so the demo rules open an event and
the intake policy opens, files and dispatches a case for it. At the point, `os._exit` ends the
process without running any shutdown code, as SIGKILL would; it exits 3 if never got there.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec

from cityops.auth.tokens import Principal, PrincipalKind, Role
from cityops.cases.intake import Intake
from cityops.cli.data import demo_rules_path
from cityops.core.clock import SystemClock
from cityops.core.config import Settings
from cityops.core.types import Source
from cityops.devices.service import DeviceIn
from cityops.district.loader import sample_district_path
from cityops.district.service import import_district_file
from cityops.events.detector import Detector
from cityops.runtime import Runtime
from cityops.store.migrate import upgrade

GAUGE = "UWL-CRASH-POINT"
KILLED = 137
NEVER_REACHED = 3

POINTS: dict[str, tuple[type, str]] = {
    # committed readings, acknowledged, handed to the detector's in-memory queue
    "after-readings-commit": (Detector, "on_stored"),
    # a committed event handed to the intake, which would open its case
    "after-event-commit": (Intake, "on_events_changed"),
}

armed = threading.Event()


def die_when_armed(original: Callable[..., Any]) -> Callable[..., Any]:
    def handler(*args: Any) -> Any:
        if armed.is_set():
            os._exit(KILLED)
        return original(*args)

    return handler


def main(data_dir: str, database_url: str, point: str) -> None:
    owner, name = POINTS[point]
    setattr(owner, name, die_when_armed(getattr(owner, name)))  # before the runtime binds it
    rt = Runtime(Settings(data_dir=Path(data_dir), database_url=database_url), SystemClock())
    upgrade(rt.engine)
    import_district_file(rt.engine, sample_district_path())
    rt.start()
    rt.rules.seed(demo_rules_path(), models=rt.registry.models)
    gauge = DeviceIn(
        id=GAUGE,
        model="underpass_water_level",
        name="下穿通道水位计",
        lon=120.30,
        lat=30.30,
        owner_unit="dept-drainage",
    )
    rt.devices.register([gauge])
    armed.set()
    reading = {"device_id": GAUGE, "ts": int(time.time() * 1000) - 1000}
    body = msgspec.json.encode({**reading, "values": {"water_level_cm": 60.0}})
    gateway = Principal(PrincipalKind.API_KEY, "crash-points", Role.INGEST)
    prepared = rt.ingest.prepare(body, source=Source.HTTP, principal=gateway)
    assert prepared.accepted == 1, prepared.errors
    rt.ingest.submit(prepared).result(10)
    time.sleep(10)
    os._exit(NEVER_REACHED)


if __name__ == "__main__":
    main(*sys.argv[1:])
