"""Sources of data and what they know: write keys (hashed), user-to-account mappings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from renewals.db import Base, UTCDateTime


class Source(Base):
    """A named source: `events` (the /v1 tracking API, with a write key), `warehouse` or
    `csv` (synced by the worker). Only the write key's SHA-256 is stored."""

    __tablename__ = "source"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    key_hint: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(254))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # warehouse/csv: connection, tables, column mappings, sync interval (docs/sources.md)
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The high-water mark per entity after the last sync (updated-at or event time).
    high_water: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    last_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_event_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SourceUser(Base):
    """Which account a source's user belongs to: from `group` calls (or a groupId on an
    identify), so later calls without a groupId land on the right account."""

    __tablename__ = "source_user"
    __table_args__ = (UniqueConstraint("source_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id"), index=True)
    user_id: Mapped[str] = mapped_column(String(500))
    account_id: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
