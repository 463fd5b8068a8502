"""fx rates: units of the reporting currency per unit of a currency on a date (issue 19)

Revision ID: 4e2b7d91c0a3
Revises: 20a1d7c3e5f1
Create Date: 2026-12-06 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "4e2b7d91c0a3"
down_revision = "20a1d7c3e5f1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fx_rate",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("rate", sa.Numeric(precision=20, scale=10), nullable=False),
        sa.PrimaryKeyConstraint("day", "currency", name=op.f("pk_fx_rate")),
    )


def downgrade() -> None:
    op.drop_table("fx_rate")
