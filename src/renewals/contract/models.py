from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from renewals.db import Base


class Contract(Base):
    __tablename__ = "contract"

    contract_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.account_id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    # The renewal date.
    end_date: Mapped[date] = mapped_column(Date, index=True)
    arr: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    seats: Mapped[int | None] = mapped_column(Integer)
    term_months: Mapped[int] = mapped_column(Integer, default=12)
    auto_renew: Mapped[bool] = mapped_column(Boolean, default=False)
    payment_on_file: Mapped[bool] = mapped_column(Boolean, default=False)
    # Empty while open; renewed|expanded|downgraded|churned once closed.
    outcome: Mapped[str | None] = mapped_column(String(16), index=True)
    outcome_arr: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    closed_at: Mapped[date | None] = mapped_column(Date)
    close_reason: Mapped[str | None] = mapped_column(Text)
    competitor: Mapped[str | None] = mapped_column(String(200))


class BookSnapshot(Base):
    """Daily figures of the book (one row per as_of; re-running the day replaces it)."""

    __tablename__ = "book_snapshot"

    as_of: Mapped[date] = mapped_column(Date, primary_key=True)
    window_days: Mapped[int] = mapped_column(Integer)
    accounts: Mapped[int] = mapped_column(Integer)
    active_accounts: Mapped[int] = mapped_column(Integer)
    arr: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    renewals_in_window: Mapped[int] = mapped_column(Integer)
    arr_in_window: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    # {"enterprise": {"accounts": 3, "arr": "412000.00", ...}, ...} plus the rule IDs used.
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
