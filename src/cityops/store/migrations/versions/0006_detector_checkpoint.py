"""detector checkpoint (what the saved rule states have seen)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 22:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "detector_checkpoint",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("evaluated_through", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_detector_checkpoint")),
    )


def downgrade() -> None:
    op.drop_table("detector_checkpoint")
