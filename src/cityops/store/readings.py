"""The readings table: the batched write path and the time-series queries.

Writes take the fastest path each engine offers for many rows in one transaction: an
executemany on SQLite, COPY into a session-local staging table on PostgreSQL. Both end in
`ON CONFLICT DO NOTHING`, which is what makes a re-sent (device, ts) idempotent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
import sqlalchemy as sa

from cityops.core.types import DeadLetter, Reading
from cityops.store.schema import dead_letters, readings

_encode = msgspec.json.encode

_SQLITE_INSERT = (
    'INSERT INTO readings (device_id, ts, "values", received_at) VALUES (?, ?, ?, ?) '
    "ON CONFLICT DO NOTHING"
)
_PG_STAGE = (
    "CREATE TEMP TABLE IF NOT EXISTS readings_stage "
    '(device_id text, ts bigint, "values" jsonb, received_at bigint) ON COMMIT DELETE ROWS'
)
_PG_MERGE = (
    'INSERT INTO readings (device_id, ts, "values", received_at) '
    'SELECT device_id, ts, "values", received_at FROM readings_stage ON CONFLICT DO NOTHING'
)


def write_batch(
    conn: sa.Connection,
    batch: Sequence[tuple[Reading, int]],
    letters: Sequence[DeadLetter],
) -> int:
    """Insert readings (each with its received_at) and dead letters; returns rows inserted.

    The caller owns the transaction; nothing here commits.
    """
    inserted = 0
    if batch:
        if conn.dialect.name == "postgresql":
            inserted = _write_pg(conn, batch)
        else:
            rows = [(r.device_id, r.ts, _encode(r.values).decode(), at) for r, at in batch]
            inserted = conn.exec_driver_sql(_SQLITE_INSERT, rows).rowcount
    if letters:
        conn.execute(dead_letters.insert(), [_letter_row(d) for d in letters])
    return inserted


def _write_pg(conn: sa.Connection, batch: Sequence[tuple[Reading, int]]) -> int:
    driver: Any = conn.connection.driver_connection
    with driver.cursor() as cur:
        cur.execute(_PG_STAGE)
        with cur.copy(
            'COPY readings_stage (device_id, ts, "values", received_at) FROM STDIN'
        ) as cp:
            for reading, at in batch:
                cp.write_row((reading.device_id, reading.ts, _encode(reading.values).decode(), at))
        cur.execute(_PG_MERGE)
        count: int = cur.rowcount
        cur.execute("TRUNCATE readings_stage")
    return count


def _letter_row(letter: DeadLetter) -> dict[str, object]:
    return {
        "received_at": letter.received_at,
        "source": letter.source.value,
        "device_id": letter.device_id,
        "reason": letter.reason,
        "raw": letter.raw,
    }


IDS_PER_QUERY = 1000


def received_after(
    conn: sa.Connection, device_ids: Sequence[str], since_ts: int, after: int
) -> list[Reading]:
    """Readings committed after `after` (received_at) and stamped after `since_ts`, in commit
    order. Asked per batch of device ids so each query seeks the (device_id, ts) key; the
    table has no index on received_at (it would cost every write on the hot path)."""
    r = readings.c
    found: list[tuple[int, Reading]] = []
    for start in range(0, len(device_ids), IDS_PER_QUERY):
        ids = list(device_ids[start : start + IDS_PER_QUERY])
        stmt = sa.select(r.device_id, r.ts, r["values"], r.received_at).where(
            r.device_id.in_(ids), r.ts > since_ts, r.received_at > after
        )
        found.extend(
            (row.received_at, Reading(device_id=row.device_id, ts=row.ts, values=row.values))
            for row in conn.execute(stmt)
        )
    found.sort(key=lambda item: (item[0], item[1].ts))
    return [reading for _, reading in found]


def query_raw(
    conn: sa.Connection, device_id: str, start: int, end: int, limit: int
) -> list[tuple[int, dict[str, Any]]]:
    """Readings of one device in [start, end), oldest first."""
    stmt = (
        sa.select(readings.c.ts, readings.c["values"])
        .where(readings.c.device_id == device_id, readings.c.ts >= start, readings.c.ts < end)
        .order_by(readings.c.ts)
        .limit(limit)
    )
    return [(row.ts, row.values) for row in conn.execute(stmt)]


def query_buckets(
    conn: sa.Connection, device_id: str, prop: str, start: int, end: int, bucket_ms: int
) -> list[tuple[int, float, float, float, int]]:
    """(bucket start, min, avg, max, count) of a numeric property, one row per non-empty bucket."""
    value = readings.c["values"][prop].as_float()
    bucket = ((readings.c.ts // bucket_ms) * bucket_ms).label("bucket")
    stmt = (
        sa.select(
            bucket,
            sa.func.min(value),
            sa.func.avg(value),
            sa.func.max(value),
            sa.func.count(value),
        )
        .where(readings.c.device_id == device_id, readings.c.ts >= start, readings.c.ts < end)
        .group_by(bucket)
        .having(sa.func.count(value) > 0)
        .order_by(bucket)
    )
    return [
        (int(b), float(lo), float(avg), float(hi), int(n))
        for b, lo, avg, hi, n in conn.execute(stmt)
    ]
