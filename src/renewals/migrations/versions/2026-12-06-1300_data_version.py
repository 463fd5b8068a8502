"""data version: one number that grows with every change to business data (web page cache)

Revision ID: 5c1d2e3f4a5b
Revises: b2a1907d7df7
Create Date: 2026-12-06 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "5c1d2e3f4a5b"
down_revision = "b2a1907d7df7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "data_version",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_data_version")),
    )
    op.bulk_insert(table, [{"name": "data", "version": 0, "changed_at": None}])


def downgrade() -> None:
    op.drop_table("data_version")
