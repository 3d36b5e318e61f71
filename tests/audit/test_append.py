"""Appending: inside the caller's transaction, one chain under concurrency, no secrets."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from cityops.audit.canonical import GENESIS
from cityops.audit.log import AuditLog
from cityops.core.clock import FakeClock
from cityops.store.engine import make_engine
from cityops.store.schema import audit_log, rules


def count(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar_one()


def test_an_entry_commits_with_the_change_it_records(audit: AuditLog, engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            rules.insert().values(
                id="r1", definition={}, enabled=True, version=1, created_at=0, updated_at=0
            )
        )
        audit.append("api_key:admin1", "rule_created", "r1", {"version": 1}, conn=conn)
    assert [(e.action, e.target) for e in audit.tail()] == [("rule_created", "r1")]


def test_an_entry_in_a_rolled_back_transaction_leaves_nothing(
    audit: AuditLog, engine: sa.Engine
) -> None:
    def change_that_fails() -> None:
        with engine.begin() as conn:
            audit.append("api_key:admin1", "rule_created", "r1", conn=conn)
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        change_that_fails()
    assert count(engine) == 0
    audit.append("api_key:admin1", "rule_created", "r2")
    (entry,) = audit.tail()
    assert (entry.seq, entry.prev_hash) == (1, GENESIS)
    assert audit.verify().ok


def test_an_append_waits_for_a_transaction_holding_an_unfinished_entry(
    audit: AuditLog, engine: sa.Engine
) -> None:
    """The first transaction holds the chain until it commits, so the second chains after it."""
    done = threading.Event()

    def second() -> None:
        audit.append("user:b", "second")
        done.set()

    with engine.begin() as conn:
        audit.append("user:a", "first", conn=conn)
        waiter = threading.Thread(target=second)
        waiter.start()
        assert not done.wait(0.3)
    waiter.join(15)
    assert [(e.seq, e.action) for e in audit.tail()] == [(1, "first"), (2, "second")]
    assert audit.verify().ok


def test_concurrent_appends_from_two_processes_form_one_chain(
    engine: sa.Engine, database_url: str, clock: FakeClock
) -> None:
    """Two AuditLogs on two engines stand for two processes: only the store's lock is shared."""
    other = make_engine(database_url)
    pairs = [(AuditLog(engine, clock), engine), (AuditLog(other, clock), other)]
    writers, each = 8, 20

    def write(w: int) -> None:
        audit, eng = pairs[w % 2]
        for i in range(each):
            if i % 2:
                audit.append(f"user:w{w}", "probe", f"{w}/{i}")
            else:
                with eng.begin() as conn:
                    audit.append(f"user:w{w}", "probe", f"{w}/{i}", conn=conn)

    try:
        with ThreadPoolExecutor(writers) as pool:
            for future in [pool.submit(write, w) for w in range(writers)]:
                future.result()
    finally:
        other.dispose()
    entries = AuditLog(engine, clock).tail(1000)
    assert [e.seq for e in entries] == list(range(1, writers * each + 1))
    assert len({e.target for e in entries}) == writers * each
    assert len({e.prev_hash for e in entries}) == writers * each
    result = AuditLog(engine, clock).verify()
    assert result.ok, result.problem


def test_secrets_in_details_are_redacted_and_named(
    audit: AuditLog, engine: sa.Engine, caplog: pytest.LogCaptureFixture
) -> None:
    details = {
        "password": "hunter2",
        "nested": {"apiKey": "cok_abc", "token_hash": "9f86d081"},
        "items": [{"client_secret": "s3cr3t"}],
        "password_changed": True,
        "name": "大屏 wall screen",
    }
    with caplog.at_level(logging.WARNING, logger="cityops.audit"):
        audit.append("user:admin", "user_updated", "u1", details)
    stored = audit.tail()[0].details
    assert stored == {
        "password": "[redacted]",
        "nested": {"apiKey": "[redacted]", "token_hash": "[redacted]"},
        "items": [{"client_secret": "[redacted]"}],
        "password_changed": True,
        "name": "大屏 wall screen",
    }
    with engine.connect() as conn:
        raw = str(conn.execute(sa.text("SELECT * FROM audit_log")).all())
    for secret in ("hunter2", "cok_abc", "9f86d081", "s3cr3t"):
        assert secret not in raw
        assert secret not in caplog.text
    assert "'nested.apiKey'" in caplog.text
    assert audit.verify().ok


def test_an_overlong_action_is_refused_and_nothing_is_written(
    audit: AuditLog, engine: sa.Engine
) -> None:
    with pytest.raises(ValueError, match="action"):
        audit.append("user:a", "x" * 65)
    with pytest.raises(ValueError, match="empty"):
        audit.append("user:a", "")
    assert count(engine) == 0
