"""sources: write keys (hashed) per source and user-to-account mappings (issue 19)

Revision ID: 9c3f61d0e8a2
Revises: 7a9e0c4d2b19
Create Date: 2026-12-06 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "9c3f61d0e8a2"
down_revision = "7a9e0c4d2b19"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "source",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=True),
        sa.Column("key_hint", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("config", sa.JSON(), nullable=False),
        sa.Column("high_water", sa.JSON(), nullable=False),
        sa.Column("last_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_source_key_hash")),
        sa.UniqueConstraint("name", name=op.f("uq_source_name")),
    )
    op.create_table(
        "source_user",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=500), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"], ["source.id"], name=op.f("fk_source_user_source_id_source")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_user")),
        sa.UniqueConstraint("source_id", "user_id", name=op.f("uq_source_user_source_id")),
    )
    with op.batch_alter_table("source_user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_source_user_source_id"), ["source_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("source_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_source_user_source_id"))
    op.drop_table("source_user")
    op.drop_table("source")
