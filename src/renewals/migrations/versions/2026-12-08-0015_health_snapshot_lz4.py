"""health snapshot JSON compressed with lz4 on PostgreSQL (issue 20, PostgreSQL parity)

A health snapshot row is about 6 KB of JSON (components 2.9 KB, drivers, features, reasons),
so PostgreSQL compresses it on every insert and decompresses it on every read (the renewal
sync's relationship score, the save triage's components, the day's detection). With its
default, pglz, inserting the 10,000-account book's 8,985 snapshots a day cost the server
0.49-0.51 s of CPU; with lz4 0.28-0.30 s, and reading them back 0.20 -> 0.16 s (27 MB
against 23 MB on disk). Values written before keep their compression until rewritten.

A server built without lz4 (or before PostgreSQL 14) keeps pglz: nothing to do. SQLite
stores JSON as text: nothing to do.

Revision ID: 4c8e1f7a2d90
Revises: 9a1c4e7d2b58
Create Date: 2026-12-08 00:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "4c8e1f7a2d90"
down_revision = "9a1c4e7d2b58"
branch_labels = None
depends_on = None

COLUMNS = ("components", "drivers", "missing", "reasons", "features", "risk_reasons")


def _lz4_available() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    return bool(
        bind.scalar(
            sa.text(
                "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
                "WHERE name = 'default_toast_compression'"
            )
        )
    )


def _compress(method: str) -> None:
    if _lz4_available():
        for name in COLUMNS:
            op.execute(f"ALTER TABLE health_snapshot ALTER COLUMN {name} SET COMPRESSION {method}")


def upgrade() -> None:
    _compress("lz4")


def downgrade() -> None:
    _compress("default")
