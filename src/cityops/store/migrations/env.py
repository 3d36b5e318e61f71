"""Alembic environment: the engine is handed over by `cityops.store.migrate`."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from cityops.store.schema import metadata

engine = context.config.attributes.get("engine")
if engine is None:  # invoked by the alembic CLI for autogenerate
    engine = sa.create_engine(context.config.get_main_option("sqlalchemy.url") or "sqlite://")

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
