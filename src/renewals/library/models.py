"""Playbook library (LEARN-3): scripts, talk tracks, objections with responses, email
templates and proposal formats, and every use of one on a renewal (for its outcome)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from renewals.db import Base


class LibraryItem(Base):
    """LEARN-3: one piece of the team's playbook, in one language; `source` says whether it
    comes from the seeds' own texts or the team wrote it (and who)."""

    __tablename__ = "library_item"
    __table_args__ = (UniqueConstraint("key", "language"),)

    item_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(80), index=True)
    language: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    rule: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    response: Mapped[str | None] = mapped_column(Text)  # objections: the answer
    source: Mapped[str] = mapped_column(String(300))
    created_by: Mapped[str | None] = mapped_column(String(254))
    created_on: Mapped[date] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class LibraryUse(Base):
    """LEARN-3: an item used on a renewal (an objection heard, a script used), by whom and
    when; the renewal's outcome later says how it went."""

    __tablename__ = "library_use"

    use_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("library_item.item_id"), index=True)
    renewal_id: Mapped[str] = mapped_column(ForeignKey("renewal.renewal_id"), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.account_id"), index=True)
    used_by: Mapped[str] = mapped_column(String(254))
    used_on: Mapped[date] = mapped_column(Date)
    heard: Mapped[str | None] = mapped_column(Text)  # an objection in the customer's words
    note: Mapped[str | None] = mapped_column(Text)
