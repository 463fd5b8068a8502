"""shared figures: the dashboards' book-wide figures computed once and read by every server
process (issue 23)

Revision ID: 5f3a9c2e7b10
Revises: 8a4c2b1d9e07
Create Date: 2026-12-06 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "5f3a9c2e7b10"
down_revision = "8a4c2b1d9e07"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shared_figure",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_shared_figure")),
    )


def downgrade() -> None:
    op.drop_table("shared_figure")
