"""The readings table behaves the same on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa

from cityops.core.types import DeadLetter, Reading, Source
from cityops.store.readings import query_buckets, query_raw, write_batch
from cityops.store.schema import dead_letters, readings

T0 = 1_767_225_600_000


def write(engine: sa.Engine, batch: list[Reading], letters: list[DeadLetter] | None = None) -> int:
    with engine.begin() as conn:
        return write_batch(conn, [(r, T0) for r in batch], letters or [])


def test_the_same_device_and_ts_is_stored_once(engine: sa.Engine) -> None:
    first = Reading("d1", T0, {"level": 1.0})
    assert write(engine, [first, first]) == 1
    assert write(engine, [Reading("d1", T0, {"level": 9.0})]) == 0
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(readings)).scalar_one() == 1
        assert query_raw(conn, "d1", T0, T0 + 1, 10) == [(T0, {"level": 1.0})]


def test_late_readings_come_back_in_time_order(engine: sa.Engine) -> None:
    write(
        engine, [Reading("d1", T0 + 2000, {"level": 3.0}), Reading("d1", T0 + 1000, {"level": 2.0})]
    )
    write(engine, [Reading("d1", T0, {"level": 1.0})])
    with engine.connect() as conn:
        rows = query_raw(conn, "d1", T0, T0 + 10_000, 100)
    assert [ts for ts, _ in rows] == [T0, T0 + 1000, T0 + 2000]


def test_buckets_give_min_avg_max_count_per_interval(engine: sa.Engine) -> None:
    batch = [Reading("d1", T0 + i * 60_000, {"level": float(i)}) for i in range(10)]
    batch.append(Reading("d1", T0 + 30_000, {"battery": 90.0}))  # no level: not counted
    write(engine, batch)
    with engine.connect() as conn:
        buckets = query_buckets(conn, "d1", "level", T0, T0 + 600_000, 300_000)
    assert buckets == [(T0, 0.0, 2.0, 4.0, 5), (T0 + 300_000, 5.0, 7.0, 9.0, 5)]


def test_values_of_every_type_round_trip(engine: sa.Engine) -> None:
    values = {"f": 1.5, "i": -85, "b": True, "s": "阴雨 rain"}
    write(engine, [Reading("d1", T0, values)])
    with engine.connect() as conn:
        assert query_raw(conn, "d1", T0, T0 + 1, 1) == [(T0, values)]


def test_dead_letters_keep_raw_bytes_and_reason(engine: sa.Engine) -> None:
    letter = DeadLetter(T0, Source.MQTT, "malformed_json: bad", b"\xff\x00{", "d9")
    write(engine, [], [letter])
    with engine.connect() as conn:
        row = conn.execute(sa.select(dead_letters)).one()
    assert bytes(row.raw) == b"\xff\x00{"
    assert (row.source, row.reason, row.device_id) == ("mqtt", "malformed_json: bad", "d9")
