"""text scan: what the daily run's text scan last read of each account (issue 20)

Revision ID: 7d4b2e9a6c13
Revises: 3c9e5a7b1f22
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "7d4b2e9a6c13"
down_revision = "3c9e5a7b1f22"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "text_scan",
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_text_scan")),
    )


def downgrade() -> None:
    op.drop_table("text_scan")
