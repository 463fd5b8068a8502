"""Tables: the account's wins log (FUND-5), its ROI inputs (ROI-1) and proposals (TECH-3)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from renewals.db import Base, UTCDateTime


class ValueMoment(Base):
    """A dated win on the account (FUND-5: "remember when we migrated 10,000 records")."""

    __tablename__ = "value_moment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.account_id"), index=True)
    on: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str] = mapped_column(Text, default="")
    # Optional quantified value of the win (ROI-1: hours saved, revenue, losses prevented).
    hours_saved: Mapped[float | None]
    revenue: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    recorded_by: Mapped[str] = mapped_column(String(254))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RoiInputs(Base):
    """Per-account ROI inputs (ROI-1), editable; absent fields fall back to the policy."""

    __tablename__ = "roi_inputs"

    account_id: Mapped[str] = mapped_column(ForeignKey("account.account_id"), primary_key=True)
    hours_saved_per_week: Mapped[float | None]
    loaded_hourly_rate: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    revenue_generated: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    losses_prevented: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    qualitative: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")  # where the figures come from
    updated_by: Mapped[str] = mapped_column(String(254))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Proposal(Base):
    """A dated proposal for a renewal: the value summary and the priced options it offered."""

    __tablename__ = "proposal"

    proposal_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    renewal_id: Mapped[str] = mapped_column(ForeignKey("renewal.renewal_id"), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.account_id"), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(8))
    currency: Mapped[str] = mapped_column(String(3))
    # The option recommended/chosen: good | better | best.
    option: Mapped[str] = mapped_column(String(8))
    # Value summary (FUND-5, ROI-1): every figure with its facts and rule IDs.
    value_summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Priced options (BUN-2, MY-1..4) and the BUN-1 decision, each with reasons.
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    html: Mapped[str] = mapped_column(Text, default="")
    pdf_path: Mapped[str | None] = mapped_column(String(500))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    # draft | needs_approval | ready | superseded
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    concession_id: Mapped[int | None] = mapped_column(ForeignKey("concession.concession_id"))
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
