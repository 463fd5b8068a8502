"""user language: the language each person reads the product in (issue 22)

Revision ID: 3c9e5a7b1f22
Revises: 5f3a9c2e7b10
Create Date: 2026-12-06 23:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "3c9e5a7b1f22"
down_revision = "5f3a9c2e7b10"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("language")
