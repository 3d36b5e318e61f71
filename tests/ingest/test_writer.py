"""The writer commits groups, then acknowledges, then tells listeners; it survives failures."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import psycopg
import pytest
import sqlalchemy as sa

from cityops.core.clock import FakeClock
from cityops.core.errors import Overloaded
from cityops.core.types import Reading
from cityops.ingest.writer import Writer
from cityops.store.schema import readings

T0 = 1_767_225_600_000


@pytest.fixture
def writer(engine: sa.Engine) -> Iterator[Writer]:
    w = Writer(engine, max_queued=1000, now_ms=FakeClock().now_ms)
    w.start()
    yield w
    w.stop()


def count(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(readings)).scalar_one())


def test_a_resolved_future_means_the_rows_are_committed(engine: sa.Engine, writer: Writer) -> None:
    future = writer.submit([Reading("d1", T0 + i, {"v": 1.0}) for i in range(100)])
    assert future.result(10) == 100
    fresh = sa.create_engine(engine.url)  # another connection sees them: they are committed
    assert count(fresh) == 100
    fresh.dispose()


def test_listeners_hear_committed_readings_after_the_commit(
    engine: sa.Engine, writer: Writer
) -> None:
    heard: list[int] = []

    def listener(batch: Sequence[Reading], _at: int) -> None:
        heard.append(count(engine))  # already visible when the listener runs

    writer.add_listener(listener)
    writer.submit([Reading("d1", T0, {"v": 1.0})]).result(10)
    writer.stop()
    assert heard == [1]


def test_a_failing_listener_does_not_stop_the_writer(engine: sa.Engine, writer: Writer) -> None:
    def broken(_b: Sequence[Reading], _at: int) -> None:
        raise RuntimeError("boom")

    writer.add_listener(broken)
    writer.submit([Reading("d1", T0, {"v": 1.0})]).result(10)
    assert writer.submit([Reading("d1", T0 + 1, {"v": 1.0})]).result(10) == 1


def test_a_failed_commit_fails_the_future_and_the_writer_goes_on(
    engine: sa.Engine, writer: Writer
) -> None:
    bad = Reading("x" * 300, T0, {"v": 1.0}) if engine.dialect.name == "postgresql" else None
    if bad is None:  # SQLite has no length limit; make the insert fail another way
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "CREATE TRIGGER no_bad BEFORE INSERT ON readings "
                    "WHEN NEW.device_id = 'bad' BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
        bad = Reading("bad", T0, {"v": 1.0})
    with pytest.raises((sa.exc.SQLAlchemyError, psycopg.Error)):
        writer.submit([bad]).result(10)
    assert writer.submit([Reading("good", T0, {"v": 1.0})]).result(10) == 1


def test_beyond_the_queue_bound_submit_refuses(engine: sa.Engine) -> None:
    idle = Writer(engine, max_queued=10, now_ms=FakeClock().now_ms)  # not started: nothing drains
    idle.submit([Reading("d1", T0 + i, {"v": 1.0}) for i in range(10)])
    with pytest.raises(Overloaded):
        idle.submit([Reading("d1", T0 + 99, {"v": 1.0})])


def test_listeners_have_run_when_the_caller_is_acknowledged(
    engine: sa.Engine, writer: Writer
) -> None:
    heard: list[Reading] = []
    writer.add_listener(lambda batch, _at: heard.extend(batch))
    reading = Reading("d1", T0, {"v": 1.0})
    writer.submit([reading]).result(10)
    assert heard == [reading]  # not "eventually": already, at the acknowledgement
