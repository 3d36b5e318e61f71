"""The hash chain: how entries link, and how verify names the first tampered entry."""

from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa

from cityops.audit.canonical import GENESIS, entry_hash
from cityops.audit.log import AuditLog
from cityops.core.clock import FakeClock
from cityops.store.schema import audit_log
from tests.audit.conftest import fill, row, tamper


def test_an_empty_log_verifies(audit: AuditLog) -> None:
    assert audit.verify().ok
    assert audit.verify().entries == 0


def test_entries_link_each_to_the_one_before(audit: AuditLog, clock: FakeClock) -> None:
    fill(audit, clock, 3)
    entries = audit.tail(10)
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == GENESIS
    assert entries[1].prev_hash == entries[0].hash
    assert entries[2].prev_hash == entries[1].hash
    result = audit.verify()
    assert result.ok, result.problem
    assert result.entries == 3
    assert result.head_hash == entries[2].hash


def test_an_auditor_can_recheck_every_hash_with_the_standard_library(
    audit: AuditLog, clock: FakeClock, engine: sa.Engine
) -> None:
    """The recipe of the canonical.py docstring, applied to rows read with plain SQL."""
    audit.append("user:张三", "case_dispatch", "c1", {"unit": "城管局", "share": 0.25, "b": [1]})
    audit.append("system", "login_failed", None, {"ip": "10.0.0.1", "n": 1e-7})
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT * FROM audit_log ORDER BY seq")).mappings().all()
    prev = "0" * 64
    for r in rows:
        details = r["details"] if isinstance(r["details"], dict) else json.loads(r["details"])
        entry = {k: r[k] for k in ("seq", "ts", "actor", "action", "target")}
        entry["details"] = details
        body = json.dumps(
            entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
        assert r["prev_hash"] == prev
        assert hashlib.sha256(prev.encode() + body.encode()).hexdigest() == r["hash"]
        prev = r["hash"]


def test_numbers_survive_either_store_unchanged(audit: AuditLog) -> None:
    """PostgreSQL's JSONB rewrites 1e16 and -0.0; normalising first keeps hashes stable."""
    details = {"big": 1e16, "neg0": -0.0, "tenth": 0.1, "huge": 1e300, "nan": float("nan")}
    audit.append("system", "probe", None, {**details, "tuple": (1, 2), "keys": {3: "x"}})
    stored = audit.tail(1)[0].details
    assert stored["big"] == 10**16
    assert isinstance(stored["big"], int)
    assert stored["neg0"] == 0
    assert stored["tenth"] == 0.1
    assert stored["nan"] == "nan"
    assert stored["tuple"] == [1, 2]
    assert stored["keys"] == {"3": "x"}
    assert audit.verify().ok


def test_an_edited_entry_is_named(audit: AuditLog, clock: FakeClock, engine: sa.Engine) -> None:
    fill(audit, clock, 5)
    tamper(engine, audit_log.update().where(row(3)).values(details={"version": 99, "n": 3}))
    result = audit.verify()
    assert not result.ok
    assert result.first_bad_seq == 3
    assert result.entries == 2
    assert "edited" in (result.problem or "")


def test_an_edited_and_rehashed_entry_shows_at_the_next_one(
    audit: AuditLog, clock: FakeClock, engine: sa.Engine
) -> None:
    """An intruder who also recomputes the edited entry's hash breaks the next link."""
    fill(audit, clock, 5)
    third = audit.tail(5)[2]
    forged = {"version": 99, "n": 3}
    digest = entry_hash(
        third.prev_hash, 3, third.ts, third.actor, third.action, third.target, forged
    )
    tamper(engine, audit_log.update().where(row(3)).values(details=forged, hash=digest))
    result = audit.verify()
    assert result.first_bad_seq == 4
    assert "entry 3 was rewritten" in (result.problem or "")


def test_a_deleted_middle_entry_is_named(
    audit: AuditLog, clock: FakeClock, engine: sa.Engine
) -> None:
    fill(audit, clock, 5)
    tamper(engine, audit_log.delete().where(row(3)))
    result = audit.verify()
    assert (result.ok, result.first_bad_seq) == (False, 3)
    assert "missing (deleted)" in (result.problem or "")


def test_a_deletion_hidden_by_renumbering_is_named(
    audit: AuditLog, clock: FakeClock, engine: sa.Engine
) -> None:
    fill(audit, clock, 5)
    tamper(
        engine,
        audit_log.delete().where(row(3)),
        audit_log.update().where(audit_log.c.seq > 3).values(seq=audit_log.c.seq - 1),
    )
    result = audit.verify()
    assert result.first_bad_seq == 3
    assert "does not follow entry 2" in (result.problem or "")


def test_a_deleted_first_entry_is_named(
    audit: AuditLog, clock: FakeClock, engine: sa.Engine
) -> None:
    fill(audit, clock, 3)
    tamper(engine, audit_log.delete().where(row(1)))
    result = audit.verify()
    assert result.first_bad_seq == 1
    assert "entry 1 missing" in (result.problem or "")


def test_swapped_entries_are_named_as_reordered(
    audit: AuditLog, clock: FakeClock, engine: sa.Engine
) -> None:
    fill(audit, clock, 6)
    tamper(
        engine,
        audit_log.update().where(row(3)).values(seq=-3),
        audit_log.update().where(row(5)).values(seq=3),
        audit_log.update().where(row(-3)).values(seq=5),
    )
    result = audit.verify()
    assert result.first_bad_seq == 3
    assert "reordered" in (result.problem or "")


def test_a_cut_back_log_fails_against_an_anchor(
    audit: AuditLog, clock: FakeClock, engine: sa.Engine
) -> None:
    fill(audit, clock, 4)
    anchor = audit.verify().head_hash
    assert audit.verify(anchor=anchor).ok
    tamper(engine, audit_log.delete().where(row(4)))
    assert audit.verify().ok  # a chain alone cannot see that its newest entry is gone
    result = audit.verify(anchor=anchor)
    assert (result.ok, result.first_bad_seq) == (False, 4)
    assert "anchor" in (result.problem or "")
