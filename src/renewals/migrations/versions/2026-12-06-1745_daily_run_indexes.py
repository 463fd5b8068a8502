"""daily-run indexes (issue 20)

Revision ID: 20a1d7c3e5f1
Revises: 9c3f61d0e8a2
Create Date: 2026-12-06 17:00:00

The daily run looks tasks up by key alone (playbook.timeline, save.aftercare: "is this
step's task there already?"); the unique (account_id, key) index cannot serve that, so
every chunk of keys scanned the whole task table (PostgreSQL 72 s / 69 s at 100,000
accounts).
"""

from __future__ import annotations

from alembic import op

revision = "20a1d7c3e5f1"
down_revision = "9c3f61d0e8a2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_task_key"), "task", ["key"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_task_key"), table_name="task")
