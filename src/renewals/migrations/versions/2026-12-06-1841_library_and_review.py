"""library and review: playbook library items and their uses (LEARN-3), quarterly review
decisions linked to policy keys (LEARN-2)

Revision ID: 8a4c2b1d9e07
Revises: 7e21f0a9c3d4
Create Date: 2026-12-06 17:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "8a4c2b1d9e07"
down_revision = "7e21f0a9c3d4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "library_item",
        sa.Column("item_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("rule", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("created_by", sa.String(length=254), nullable=True),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_library_item")),
        sa.UniqueConstraint("key", "language", name=op.f("uq_library_item_key")),
    )
    op.create_index(op.f("ix_library_item_key"), "library_item", ["key"])
    op.create_index(op.f("ix_library_item_kind"), "library_item", ["kind"])
    op.create_table(
        "library_use",
        sa.Column("use_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("renewal_id", sa.String(length=80), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("used_by", sa.String(length=254), nullable=False),
        sa.Column("used_on", sa.Date(), nullable=False),
        sa.Column("heard", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["item_id"], ["library_item.item_id"], name=op.f("fk_library_use_item_id_library_item")
        ),
        sa.ForeignKeyConstraint(
            ["renewal_id"], ["renewal.renewal_id"], name=op.f("fk_library_use_renewal_id_renewal")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.account_id"], name=op.f("fk_library_use_account_id_account")
        ),
        sa.PrimaryKeyConstraint("use_id", name=op.f("pk_library_use")),
    )
    op.create_index(op.f("ix_library_use_item_id"), "library_use", ["item_id"])
    op.create_index(op.f("ix_library_use_renewal_id"), "library_use", ["renewal_id"])
    op.create_index(op.f("ix_library_use_account_id"), "library_use", ["account_id"])
    op.create_table(
        "review_decision",
        sa.Column("decision_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("quarter", sa.String(length=8), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("decided_by", sa.String(length=254), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("policy_key", sa.String(length=200), nullable=True),
        sa.Column("rule", sa.String(length=16), nullable=True),
        sa.Column("from_value", sa.JSON(), nullable=True),
        sa.Column("to_value", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("decision_id", name=op.f("pk_review_decision")),
    )
    op.create_index(op.f("ix_review_decision_quarter"), "review_decision", ["quarter"])


def downgrade() -> None:
    op.drop_table("review_decision")
    op.drop_table("library_use")
    op.drop_table("library_item")
