"""What follows a commit survives a crash right after it: the sense → event → case loop.

A reading, once stored, must still be judged by the rules; an event, once stored, must still
open the case its intake policy asks for. Each test kills a process (see crash_points.py) at
the exact point just after the commit and before the next step, restarts on the same store,
and looks for the step's result.

Both steps run from the in-process bus after the commit. At start the runtime judges again the
readings committed after the detector's last checkpoint (saved with the rule states), and
offers every open event to intake again.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from cityops.cases.store import case_for_event
from cityops.core.clock import SystemClock
from cityops.core.config import Settings
from cityops.runtime import Runtime
from tests.durability.crash_points import GAUGE, KILLED

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def die_at(point: str, data_dir: Path, database_url: str) -> None:
    cmd = [sys.executable, "-m", "tests.durability.crash_points", str(data_dir), database_url]
    done = subprocess.run(
        [*cmd, point], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == KILLED, f"did not die at {point}:\n{done.stderr[-3000:]}"


@contextmanager
def restarted(data_dir: Path, database_url: str) -> Iterator[Runtime]:
    rt = Runtime(Settings(data_dir=data_dir, database_url=database_url), SystemClock())
    rt.start()
    try:
        assert rt.detector.wait_idle(10)
        yield rt
    finally:
        rt.stop()


def stored_readings(rt: Runtime) -> int:
    query = sa.text("SELECT count(*) FROM readings WHERE device_id = :d")
    with rt.engine.connect() as conn:
        return int(conn.execute(query, {"d": GAUGE}).scalar_one())


def test_a_reading_stored_just_before_a_crash_still_raises_its_event(
    tmp_path: Path, database_url: str
) -> None:
    die_at("after-readings-commit", tmp_path, database_url)
    with restarted(tmp_path, database_url) as rt:
        assert stored_readings(rt) == 1, "the reading was committed before the crash"
        raised = [e for e in rt.events.open_events() if e.device_id == GAUGE]
        assert raised, "60 cm of water in the underpass, stored, and no event"


def test_an_event_stored_just_before_a_crash_still_opens_its_case(
    tmp_path: Path, database_url: str
) -> None:
    die_at("after-event-commit", tmp_path, database_url)
    with restarted(tmp_path, database_url) as rt:
        raised = [e for e in rt.events.open_events() if e.device_id == GAUGE]
        assert raised, "the event was committed before the crash"
        with rt.engine.connect() as conn:
            case = case_for_event(conn, raised[0].id)
        assert case is not None, "a red underpass event, stored, and no case dispatched"
