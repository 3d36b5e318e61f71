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
    sa.Column("unit", sa.String(64), nullable=True),  # the unit a case role acts for
)

# --- 智联 (detect): events, rules, evidence, detections, citizen requests ---------------------

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("class_code", sa.String(16), nullable=False),
    sa.Column("severity", sa.String(8), nullable=False),
    sa.Column("source", sa.String(12), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("title", sa.String(500), nullable=False),
    sa.Column("dedup_key", sa.String(200), nullable=True),
    sa.Column("rule_id", sa.String(64), nullable=True),
    sa.Column("device_id", sa.String(64), nullable=True),
    sa.Column("lon", sa.Float, nullable=True),
    sa.Column("lat", sa.Float, nullable=True),
    sa.Column("grid_code", sa.String(20), nullable=True),
    sa.Column("first_seen", sa.BigInteger, nullable=False),
    sa.Column("last_seen", sa.BigInteger, nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("evidence", Json, nullable=False),
    sa.Column("severity_history", Json, nullable=False),
    sa.Column("acknowledged_at", sa.BigInteger, nullable=True),
    sa.Column("acknowledged_by", sa.String(100), nullable=True),
    sa.Column("cleared_at", sa.BigInteger, nullable=True),
    sa.Column("clear_reason", sa.String(500), nullable=True),
    sa.Index("ix_events_status_class", "status", "class_code"),
    sa.Index("ix_events_grid_code", "grid_code"),
    sa.Index("ix_events_first_seen", "first_seen"),
    # The database itself guarantees one open event per de-duplication key.
    sa.Index(
        "uq_events_open_key",
        "dedup_key",
        unique=True,
        sqlite_where=sa.text("status != 'cleared'"),
        postgresql_where=sa.text("status != 'cleared'"),
    ),
)

event_changes = sa.Table(
    "event_changes",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("event_id", sa.String(32), sa.ForeignKey("events.id"), nullable=False, index=True),
    sa.Column("ts", sa.BigInteger, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # opened|severity|acknowledged|cleared
    sa.Column("severity_from", sa.String(8), nullable=True),
    sa.Column("severity_to", sa.String(8), nullable=True),
    sa.Column("actor", sa.String(100), nullable=True),
    sa.Column("note", sa.Text, nullable=True),
)

rules = sa.Table(
    "rules",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("definition", Json, nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
)

rule_state = sa.Table(
    "rule_state",
    metadata,
    sa.Column("rule_id", sa.String(64), primary_key=True),
    sa.Column("device_id", sa.String(64), primary_key=True),
    sa.Column("state", Json, nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
)

detector_checkpoint = sa.Table(
    "detector_checkpoint",
    metadata,
    # Written with each rule-state snapshot: every reading committed up to `evaluated_through`
    # (its received_at) is in that snapshot; later ones are judged again at start.
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("evaluated_through", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
)

evidence = sa.Table(
    "evidence",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("content_type", sa.String(100), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False, index=True),
    sa.Column("path", sa.String(300), nullable=True),  # under <data_dir>/evidence; None: reference
    sa.Column("url", sa.String(2000), nullable=True),  # an external reference instead of bytes
    sa.Column("source", sa.String(32), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

detections = sa.Table(
    "detections",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("vendor", sa.String(64), nullable=False),
    sa.Column("camera_id", sa.String(64), nullable=False, index=True),
    sa.Column("label", sa.String(100), nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("bbox", Json, nullable=True),
    sa.Column("ts", sa.BigInteger, nullable=False, index=True),
    sa.Column("class_code", sa.String(16), nullable=True),
    sa.Column("evidence_id", sa.String(32), sa.ForeignKey("evidence.id"), nullable=True),
    sa.Column("event_id", sa.String(32), sa.ForeignKey("events.id"), nullable=True),
    sa.Column("outcome", sa.String(32), nullable=False),  # event|below_confidence|unmapped
    sa.Column("received_at", sa.BigInteger, nullable=False),
)

service_requests = sa.Table(
    "service_requests",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),  # service_request_id
    sa.Column("token", sa.String(64), nullable=False, unique=True),
    sa.Column("service_code", sa.String(64), nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False, index=True),  # open|closed
    sa.Column("status_notes", sa.Text, nullable=True),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("lat", sa.Float, nullable=True),
    sa.Column("lon", sa.Float, nullable=True),
    sa.Column("address_string", sa.String(500), nullable=True),
    sa.Column("address_id", sa.String(100), nullable=True),
    sa.Column("device_id", sa.String(100), nullable=True),
    sa.Column("media_url", sa.String(2000), nullable=True),
    sa.Column("attributes", Json, nullable=False),
    sa.Column("contact", Json, nullable=False),  # email, names, phone: personal data, never listed
    sa.Column("agency_responsible", sa.String(200), nullable=True),
    sa.Column("service_notice", sa.String(500), nullable=True),
    sa.Column("requested_at", sa.BigInteger, nullable=False, index=True),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
    sa.Column("expected_at", sa.BigInteger, nullable=True),
    sa.Column("event_id", sa.String(32), sa.ForeignKey("events.id"), nullable=True),
    sa.Column("api_key_id", sa.String(32), nullable=True),
)

# --- 双中心联动 (dispatch): cases and their append-only audit trail ---------------------------

cases = sa.Table(
    "cases",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("number", sa.String(32), nullable=False, unique=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("class_code", sa.String(16), nullable=False),
    sa.Column("severity", sa.String(8), nullable=False),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("grid_code", sa.String(20), nullable=True),
    sa.Column("unit", sa.String(64), nullable=True),
    sa.Column("reported_at", sa.BigInteger, nullable=False),
    sa.Column("dispatched_at", sa.BigInteger, nullable=True),
    sa.Column("closed_at", sa.BigInteger, nullable=True),
    sa.Column("due_at", sa.BigInteger, nullable=True),  # cached from the clock, for queries
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("data", Json, nullable=False),  # the whole case, as folded from its trail
    sa.Index("ix_cases_state_unit", "state", "unit"),
    sa.Index("ix_cases_grid_code", "grid_code"),
    sa.Index("ix_cases_reported_at", "reported_at"),
)

case_transitions = sa.Table(
    "case_transitions",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("case_id", sa.String(32), sa.ForeignKey("cases.id"), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("ts", sa.BigInteger, nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("from_state", sa.String(16), nullable=True),
    sa.Column("to_state", sa.String(16), nullable=False),
    sa.Column("actor_id", sa.String(100), nullable=False),
    sa.Column("actor_role", sa.String(32), nullable=False),
    sa.Column("actor_unit", sa.String(64), nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("data", Json, nullable=False),
    sa.UniqueConstraint("case_id", "seq"),
    sa.Index("ix_case_transitions_ts", "ts"),
)

case_events = sa.Table(
    "case_events",
    metadata,
    sa.Column("case_id", sa.String(32), sa.ForeignKey("cases.id"), primary_key=True),
    sa.Column("event_id", sa.String(32), sa.ForeignKey("events.id"), primary_key=True),
    sa.Index("ix_case_events_event_id", "event_id"),
)

case_requests = sa.Table(
    "case_requests",
    metadata,
    # A reporter's Idempotency-Key: a phone that sends its report again after a dropped
    # answer gets the case it already made, not a second one.
    sa.Column("actor", sa.String(120), primary_key=True),
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("case_id", sa.String(32), sa.ForeignKey("cases.id"), nullable=False),
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

# --- trust: people, their sessions and tokens, and the tamper-evident audit log ---------------

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(100), nullable=False),
    sa.Column("password_hash", sa.String(200), nullable=False),  # argon2id, encoded
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("unit", sa.String(64), nullable=True),
    sa.Column("grids", Json, nullable=False),  # area-code prefixes the user may see and act in
    sa.Column("disabled", sa.Boolean, nullable=False),
    sa.Column("failed_logins", sa.Integer, nullable=False),
    sa.Column("locked_until", sa.BigInteger, nullable=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
)

user_tokens = sa.Table(
    "user_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),  # access | refresh | session
    sa.Column("csrf_hash", sa.String(64), nullable=True),  # web sessions only
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("expires_at", sa.BigInteger, nullable=False),
    sa.Column("revoked_at", sa.BigInteger, nullable=True),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True),
    sa.Column("ts", sa.BigInteger, nullable=False, index=True),
    sa.Column("actor", sa.String(120), nullable=False),
    sa.Column("action", sa.String(64), nullable=False, index=True),
    sa.Column("target", sa.String(200), nullable=True),
    sa.Column("details", Json, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False, unique=True),
)
