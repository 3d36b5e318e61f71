"""`cityops audit verify` exit codes and `cityops audit tail`, against the test store."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from cityops.audit.log import AuditLog
from cityops.cli.main import app
from cityops.core.clock import FakeClock
from cityops.store.schema import audit_log
from tests.audit.conftest import fill, row, tamper


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"CITYOPS_DATABASE_URL": database_url, "CITYOPS_DATA_DIR": str(tmp_path)}


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["audit", *args], env=env)
    return result.exit_code, result.output


def test_verify_exits_0_when_intact(env: dict[str, str], audit: AuditLog, clock: FakeClock) -> None:
    fill(audit, clock, 3)
    code, out = run(env, "verify")
    assert code == 0, out
    assert f"ok: 3 entries intact; head {audit.tail(1)[0].hash}" in out


def test_verify_exits_1_naming_the_first_broken_seq(
    env: dict[str, str], audit: AuditLog, clock: FakeClock, engine: sa.Engine
) -> None:
    fill(audit, clock, 3)
    tamper(engine, audit_log.update().where(row(2)).values(actor="api_key:someone_else"))
    code, out = run(env, "verify")
    assert code == 1
    assert "BROKEN at seq 2: entry 2 was edited" in out


def test_verify_exits_2_when_the_store_cannot_be_read(tmp_path: Path) -> None:
    env = {"CITYOPS_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    assert run(env, "verify")[0] == 2


def test_tail_shows_the_newest_entries_oldest_first(
    env: dict[str, str], audit: AuditLog, clock: FakeClock
) -> None:
    fill(audit, clock, 5)
    code, out = run(env, "tail", "-n", "2")
    assert code == 0, out
    lines = out.strip().splitlines()
    assert [line.split()[0] for line in lines] == ["4", "5"]
    assert "2026-01-01T08:00:03+08:00" in lines[0]
    assert '"n": 4' in lines[0]
