"""Signals: one row per (account, kind, source), seen first and last on given run dates."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from renewals.db import Base


class Signal(Base):
    """SIG-0..9: a risk signal with its evidence (the sentence or the numbers) and source.

    The key (account, kind, source, source_id) makes the daily run idempotent: a ticket's
    competitive remark is one signal however often it is scanned; a numeric signal that
    holds for weeks is one row whose `last_seen_on` moves.
    """

    __tablename__ = "signal"
    __table_args__ = (UniqueConstraint("account_id", "kind", "source", "source_id"),)

    signal_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.account_id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    rule: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(
        String(16)
    )  # health, usage, ticket, survey, interaction, ...
    source_id: Mapped[str] = mapped_column(String(64), default="")
    source_date: Mapped[date] = mapped_column(Date)
    first_seen_on: Mapped[date] = mapped_column(Date)
    last_seen_on: Mapped[date] = mapped_column(Date, index=True)
    language: Mapped[str | None] = mapped_column(String(8))
    evidence: Mapped[str] = mapped_column(Text)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
