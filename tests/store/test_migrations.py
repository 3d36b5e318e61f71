"""`cityops db upgrade` brings a fresh store to the latest schema, and it matches schema.py."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from cityops.store.migrate import current_revision, head_revision, upgrade
from cityops.store.schema import metadata


def test_a_fresh_store_reaches_the_latest_revision(engine: sa.Engine) -> None:
    assert current_revision(engine) == head_revision()
    assert {t.name for t in metadata.sorted_tables} <= set(sa.inspect(engine).get_table_names())


def test_upgrading_twice_changes_nothing(engine: sa.Engine) -> None:
    upgrade(engine)
    assert current_revision(engine) == head_revision()


def test_the_migrations_build_exactly_the_declared_schema(engine: sa.Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
