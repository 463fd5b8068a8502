"""save problem words: a problem's summary (key and parameters) and the customer's words
apart, so that it reads in its reader's language (issue 22)

Rows from before keep summary and quote empty: they are read back from their English
description (renewals.save_plan.plan.problem_words).

Revision ID: 9a1c4e7d2b58
Revises: 7d4b2e9a6c13
Create Date: 2026-12-07 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "9a1c4e7d2b58"
down_revision = "7d4b2e9a6c13"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("save_problem") as batch:
        batch.add_column(sa.Column("summary", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("quote", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("save_problem") as batch:
        batch.drop_column("quote")
        batch.drop_column("summary")
