"""An audit log over the test store, and ways to tamper with its rows as an intruder would."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from cityops.audit.log import AuditLog
from cityops.core.clock import FakeClock
from cityops.store.schema import audit_log


@pytest.fixture
def audit(engine: sa.Engine, clock: FakeClock) -> AuditLog:
    return AuditLog(engine, clock)


def fill(audit: AuditLog, clock: FakeClock, n: int) -> None:
    """n entries, one second apart, about rules r1..rn."""
    for i in range(1, n + 1):
        audit.append("api_key:admin1", "rule_created", f"r{i}", {"version": 1, "n": i})
        clock.advance(1)


def tamper(engine: sa.Engine, *statements: sa.Executable) -> None:
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(statement)


def row(seq: int) -> sa.ColumnElement[bool]:
    return audit_log.c.seq == seq
