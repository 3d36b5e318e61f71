"""Rows of the `rules` and `rule_state` tables; the state upsert speaks both dialects."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from cityops.store.schema import detector_checkpoint, rule_state, rules

STATE_BATCH = 1000


def select_rules(conn: sa.Connection) -> list[sa.Row[Any]]:
    return list(conn.execute(sa.select(rules).order_by(rules.c.id)).all())


def select_rule(conn: sa.Connection, rule_id: str) -> sa.Row[Any] | None:
    return conn.execute(sa.select(rules).where(rules.c.id == rule_id)).first()


def existing_ids(conn: sa.Connection) -> set[str]:
    return set(conn.execute(sa.select(rules.c.id)).scalars())


def insert_rules(conn: sa.Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(rules.insert(), list(rows))


def update_rule(conn: sa.Connection, rule_id: str, values: dict[str, Any]) -> None:
    conn.execute(rules.update().where(rules.c.id == rule_id).values(**values))


def delete_rule(conn: sa.Connection, rule_id: str) -> None:
    conn.execute(rules.delete().where(rules.c.id == rule_id))
    delete_state(conn, rule_id)


def delete_state(conn: sa.Connection, rule_id: str) -> None:
    conn.execute(rule_state.delete().where(rule_state.c.rule_id == rule_id))


def select_state(conn: sa.Connection, rule_ids: Sequence[str]) -> list[sa.Row[Any]]:
    if not rule_ids:
        return []
    query = sa.select(rule_state).where(rule_state.c.rule_id.in_(list(rule_ids)))
    return list(conn.execute(query).all())


def upsert_state(conn: sa.Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert or replace state rows, `STATE_BATCH` at a time (one executemany each)."""
    statement = _state_upsert(conn.engine)
    for start in range(0, len(rows), STATE_BATCH):
        conn.execute(statement, list(rows[start : start + STATE_BATCH]))


def _state_upsert(engine: sa.Engine) -> sa.Insert:
    changed = ("state", "updated_at")
    keys = ["rule_id", "device_id"]
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        pg = pg_insert(rule_state)
        return pg.on_conflict_do_update(
            index_elements=keys, set_={c: pg.excluded[c] for c in changed}
        )
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    lite = sqlite_insert(rule_state)
    return lite.on_conflict_do_update(
        index_elements=keys, set_={c: lite.excluded[c] for c in changed}
    )


CHECKPOINT = "rules"


def select_checkpoint(conn: sa.Connection) -> int | None:
    c = detector_checkpoint.c
    value = conn.execute(
        sa.select(c.evaluated_through).where(c.name == CHECKPOINT)
    ).scalar_one_or_none()
    return None if value is None else int(value)


def write_checkpoint(conn: sa.Connection, through: int, now: int) -> None:
    """One row, replaced (a delete and an insert work the same on both dialects)."""
    conn.execute(detector_checkpoint.delete().where(detector_checkpoint.c.name == CHECKPOINT))
    conn.execute(
        detector_checkpoint.insert().values(
            name=CHECKPOINT, evaluated_through=through, updated_at=now
        )
    )
