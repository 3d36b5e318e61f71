"""The relational schema, written once with SQLAlchemy Core and migrated with Alembic.

Times are BIGINT epoch milliseconds (UTC) so both engines compare and bucket them the same way.
`readings` is keyed by (device_id, ts): that key makes ingest idempotent and, on SQLite, a
WITHOUT ROWID table stores each device's readings contiguously in time order.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import BYTEA, JSONB

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    }
)

Json = sa.JSON().with_variant(JSONB(), "postgresql")
Blob = sa.LargeBinary().with_variant(BYTEA(), "postgresql")

areas = sa.Table(
    "areas",
    metadata,
    sa.Column("code", sa.String(20), primary_key=True),
    sa.Column("level", sa.String(12), nullable=False),  # district | street | community | grid
    sa.Column("parent_code", sa.String(20), sa.ForeignKey("areas.code"), nullable=True),
    sa.Column("name_zh", sa.String(100), nullable=False),
    sa.Column("name_en", sa.String(200), nullable=False),
    sa.Column("geometry", Json, nullable=True),  # GeoJSON geometry, WGS84
    sa.Column("properties", Json, nullable=False),
    sa.Index("ix_areas_level_parent", "level", "parent_code"),
)

devices = sa.Table(
    "devices",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("model", sa.String(64), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("grid_code", sa.String(20), nullable=True, index=True),
    sa.Column("owner_unit", sa.String(100), nullable=False),
    sa.Column("tags", Json, nullable=False),
    sa.Column("install_date", sa.Date, nullable=True),
    sa.Column("maintenance_state", sa.String(20), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

device_shadows = sa.Table(
    "device_shadows",
    metadata,
    sa.Column("device_id", sa.String(64), primary_key=True),
    sa.Column("last_seen", sa.BigInteger, nullable=False),
    sa.Column("ts", sa.BigInteger, nullable=False),
    sa.Column("values", Json, nullable=False),
)

readings = sa.Table(
    "readings",
    metadata,
    sa.Column("device_id", sa.String(64), primary_key=True),
    sa.Column("ts", sa.BigInteger, primary_key=True),
    sa.Column("values", Json, nullable=False),
    sa.Column("received_at", sa.BigInteger, nullable=False),
    sqlite_with_rowid=False,
)

dead_letters = sa.Table(
    "dead_letters",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("received_at", sa.BigInteger, nullable=False, index=True),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("device_id", sa.String(64), nullable=True, index=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("raw", Blob, nullable=False),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("revoked_at", sa.BigInteger, nullable=True),
)
