"""Win/loss records (LEARN-1, FUND-3): one per closed contract."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from renewals.db import Base


class WinLossRecord(Base):
    """LEARN-1: why a renewal was won or lost, in categories and in the customer's words;
    when it was really lost versus when they told us; the signals we had before."""

    __tablename__ = "winloss_record"

    contract_id: Mapped[str] = mapped_column(ForeignKey("contract.contract_id"), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.account_id"), index=True)
    renewal_id: Mapped[str | None] = mapped_column(String(80), index=True)
    outcome: Mapped[str] = mapped_column(
        String(16), index=True
    )  # renewed|expanded|downgraded|churned
    won: Mapped[bool] = mapped_column()
    renewal_date: Mapped[date] = mapped_column(Date, index=True)
    closed_on: Mapped[date | None] = mapped_column(Date)
    segment: Mapped[str | None] = mapped_column(String(20))
    owner_email: Mapped[str | None] = mapped_column(String(254))
    arr: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    outcome_arr: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    reason_category: Mapped[str | None] = mapped_column(String(32), index=True)
    reason_confirmed: Mapped[bool] = mapped_column(default=False)
    customer_words: Mapped[str | None] = mapped_column(Text)
    competitor: Mapped[str | None] = mapped_column(String(200), index=True)
    told_on: Mapped[date | None] = mapped_column(Date)  # when they told us
    really_lost_on: Mapped[date | None] = mapped_column(Date)  # when it was really lost
    missed_signals: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    notes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # value cited, lessons...
    # FUND-7, FUND-8: retention at the decision (usage, health, NPS) and what it makes the
    # outcome: a fragile win, a loss despite strong usage; None until the step has read it.
    retention: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_on: Mapped[date] = mapped_column(Date)
    updated_on: Mapped[date] = mapped_column(Date)
