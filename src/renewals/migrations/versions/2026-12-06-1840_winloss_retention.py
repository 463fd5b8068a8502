"""winloss retention: FUND-7/8 facts of each closed renewal (fragile win, strong-usage loss)

Revision ID: 7e21f0a9c3d4
Revises: 4e2b7d91c0a3
Create Date: 2026-12-06 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "7e21f0a9c3d4"
down_revision = "4e2b7d91c0a3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("winloss_record") as batch:
        batch.add_column(sa.Column("retention", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("winloss_record") as batch:
        batch.drop_column("retention")
