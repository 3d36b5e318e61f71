"""case requests (idempotency keys of case reports)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 22:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_requests",
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("case_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_requests_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("actor", "key", name=op.f("pk_case_requests")),
    )


def downgrade() -> None:
    op.drop_table("case_requests")
