"""The audit log: who did what, append-only and hash-chained so tampering shows.

Each entry carries the hash of the one before it (`canonical.py` defines the hash exactly), so
editing, deleting or reordering stored rows breaks the chain and `verify` names the first
broken entry. A chain cannot show that its newest entries were cut off or that the whole log
was rewritten: for that, keep the head hash `verify` reports somewhere else and pass it back
as `anchor` later.

Appends are serialised so that two writers never chain to the same predecessor:

1. the store's own lock, taken first inside the appending transaction and held until it ends:
   `pg_advisory_xact_lock` on PostgreSQL (across processes and hosts), the write lock on
   SQLite (a no-op UPDATE takes it). The last entry is read after it, in the same transaction.
2. a process-level lock around appends in their own transaction, so threads queue in Python
   rather than in SQLite's busy-wait. Appends in a caller's transaction do not take it: the
   caller holds the store lock until it commits, and waiting for the Python lock while holding
   the store lock (a second append in the same transaction) could deadlock.
3. `seq` (the primary key) is the predecessor's plus one and is part of the hash, so even a
   writer that bypassed both locks could not fork the chain: its insert would conflict.

PostgreSQL connections are assumed to be READ COMMITTED (the default), so the read of the last
entry sees everything committed before the lock was granted.
"""

from __future__ import annotations

import threading
from typing import Any

import msgspec
import sqlalchemy as sa

from cityops.audit.canonical import GENESIS, clean_details, clean_text, entry_hash
from cityops.core.clock import Clock
from cityops.store.schema import audit_log

LOCK_KEY = 0x6369_7479_6F70_7361  # "cityopsa": the advisory lock of the audit chain
STREAM_BATCH = 2000


class VerifyResult(msgspec.Struct, frozen=True):
    ok: bool
    entries: int
    """Entries checked: all of them when `ok`, else those before the first bad one."""
    first_bad_seq: int | None = None
    problem: str | None = None
    head_hash: str | None = None
    """The hash of the newest entry when `ok`: record it elsewhere to detect truncation."""


class Entry(msgspec.Struct, frozen=True):
    seq: int
    ts: int
    actor: str
    action: str
    target: str | None
    details: dict[str, Any]
    prev_hash: str
    hash: str


class AuditLog:
    def __init__(self, engine: sa.Engine, clock: Clock) -> None:
        self._engine = engine
        self._clock = clock
        self._lock = threading.Lock()

    # --- writing -------------------------------------------------------------------------

    def append(
        self,
        actor: str,
        action: str,
        target: str | None = None,
        details: dict[str, Any] | None = None,
        *,
        conn: sa.Connection | None = None,
    ) -> None:
        """Record one entry (in `conn`'s transaction when given, so it commits with the change).

        Detail keys that name secrets are stored as "[redacted]" (see `canonical.py`); an actor,
        action or target longer than its column raises `ValueError`.
        """
        if not action:
            raise ValueError("audit action must not be empty")
        actor = clean_text("actor", actor)
        action = clean_text("action", action)
        target = None if target is None else clean_text("target", target)
        cleaned = clean_details(action, details)
        if conn is not None:
            self._insert(conn, actor, action, target, cleaned)
            return
        with self._lock, self._engine.begin() as own:
            self._insert(own, actor, action, target, cleaned)

    def _insert(
        self,
        conn: sa.Connection,
        actor: str,
        action: str,
        target: str | None,
        details: dict[str, Any],
    ) -> None:
        _lock_chain(conn)
        last = conn.execute(
            sa.select(audit_log.c.seq, audit_log.c.hash).order_by(audit_log.c.seq.desc()).limit(1)
        ).first()
        seq, prev = (1, GENESIS) if last is None else (last.seq + 1, last.hash)
        ts = self._clock.now_ms()
        digest = entry_hash(prev, seq, ts, actor, action, target, details)
        conn.execute(
            audit_log.insert().values(
                seq=seq,
                ts=ts,
                actor=actor,
                action=action,
                target=target,
                details=details,
                prev_hash=prev,
                hash=digest,
            )
        )

    # --- checking ------------------------------------------------------------------------

    def verify(self, *, anchor: str | None = None) -> VerifyResult:
        """Walk the chain in seq order, recomputing every hash; stop at the first bad entry.

        With `anchor` (a head hash recorded earlier), the chain must still hold that entry.
        Rows are streamed (a server-side cursor on PostgreSQL), so memory stays flat.
        """
        count, prev, expected = 0, GENESIS, 1
        anchored = anchor is None
        bad: tuple[int, str | None, str] | None = None  # seq, problem, the row's prev_hash
        with self._engine.connect() as conn:
            with _stream(conn) as rows:
                for row in rows:
                    found = _check(row, expected, prev)
                    if found is not None:
                        bad = (*found, row.prev_hash)
                        break
                    anchored = anchored or row.hash == anchor
                    count, prev, expected = count + 1, row.hash, row.seq + 1
            if bad is not None:
                seq, problem, points_to = bad
                if problem is None:  # the link is broken: say where it points instead
                    problem = _describe_link(conn, seq, points_to)
                return VerifyResult(False, count, seq, problem)
        if not anchored:
            problem = f"no entry has the anchor hash {anchor}: the log was cut back or rewritten"
            return VerifyResult(False, count, expected, problem)
        return VerifyResult(True, count, head_hash=None if count == 0 else prev)

    # --- reading -------------------------------------------------------------------------

    def page(
        self,
        *,
        actor: str | None = None,
        action: str | None = None,
        target: str | None = None,
        since: int | None = None,
        until: int | None = None,
        before_seq: int | None = None,
        limit: int = 100,
    ) -> tuple[list[Entry], int | None]:
        """Entries newest first (`ts` in [since, until)), and the cursor of the next page."""
        t = audit_log.c
        stmt = sa.select(audit_log).order_by(t.seq.desc()).limit(limit + 1)
        for column, value in ((t.actor, actor), (t.action, action), (t.target, target)):
            if value is not None:
                stmt = stmt.where(column == value)
        if since is not None:
            stmt = stmt.where(t.ts >= since)
        if until is not None:
            stmt = stmt.where(t.ts < until)
        if before_seq is not None:
            stmt = stmt.where(t.seq < before_seq)
        with self._engine.connect() as conn:
            rows = conn.execute(stmt).all()
        entries = [_entry(r) for r in rows[:limit]]
        return entries, entries[-1].seq if len(rows) > limit else None

    def tail(self, n: int = 20) -> list[Entry]:
        """The newest `n` entries, oldest first."""
        entries, _ = self.page(limit=n)
        return entries[::-1]


def _lock_chain(conn: sa.Connection) -> None:
    """Take the store's lock for the rest of `conn`'s transaction (see the module docstring)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(LOCK_KEY)))
    elif conn.dialect.name == "sqlite":
        # Any write statement takes SQLite's single write lock, even one that changes nothing.
        conn.execute(audit_log.update().where(sa.false()).values(seq=audit_log.c.seq))


def _stream(conn: sa.Connection) -> sa.CursorResult[Any]:
    stmt = sa.select(audit_log).order_by(audit_log.c.seq)
    return conn.execution_options(stream_results=True, yield_per=STREAM_BATCH).execute(stmt)


def _check(row: sa.Row[Any], expected: int, prev: str) -> tuple[int, str | None] | None:
    """None if the row is sound; else its seq and the problem (None: describe the link)."""
    if row.seq != expected:
        missing = str(expected) if row.seq == expected + 1 else f"{expected}–{row.seq - 1}"
        return expected, f"entry {missing} missing (deleted): seq jumps to {row.seq}"
    if row.prev_hash != prev:
        return row.seq, None
    recomputed = entry_hash(
        row.prev_hash, row.seq, row.ts, row.actor, row.action, row.target, row.details
    )
    if recomputed != row.hash:
        return row.seq, f"entry {row.seq} was edited: its content does not match its hash"
    return None


def _describe_link(conn: sa.Connection, seq: int, prev_hash: str) -> str:
    """Entry `seq` does not chain to `seq - 1`; whose hash does it carry, if anyone's?"""
    points_to = conn.execute(
        sa.select(audit_log.c.seq).where(audit_log.c.hash == prev_hash)
    ).scalar_one_or_none()
    if points_to is not None:
        return f"entry {seq} follows entry {points_to}, not {seq - 1}: entries were reordered"
    if seq == 1:
        return "entry 1 does not start the chain: earlier entries were deleted"
    return (
        f"entry {seq} does not follow entry {seq - 1}: an entry between them was deleted"
        f" (and the rest renumbered), or entry {seq - 1} was rewritten"
    )


def _entry(row: sa.Row[Any]) -> Entry:
    return Entry(
        row.seq, row.ts, row.actor, row.action, row.target, row.details, row.prev_hash, row.hash
    )
