"""Renewal records: one per open contract, with every decision's reasons and a stage history."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Date,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    or_,
)
from sqlalchemy.orm import Mapped, mapped_column

from renewals.db import Base, UTCDateTime


class Renewal(Base):
    """FUND-1: the renewal as a dated decision (the contract's end date).

    `decisions` holds, per decision (segment, opportunity, touch, motion, owner), the
    value with its reasons and rule IDs, so `renewals renewal ID` can say why.
    """

    __tablename__ = "renewal"

    renewal_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    contract_id: Mapped[str] = mapped_column(ForeignKey("contract.contract_id"), unique=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.account_id"), index=True)
    renewal_date: Mapped[date] = mapped_column(Date, index=True)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    current_arr: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    target_arr: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    segment: Mapped[str] = mapped_column(String(20), index=True)
    opportunity_type: Mapped[str] = mapped_column(String(16), index=True)
    touch_model: Mapped[str] = mapped_column(String(16))
    motion: Mapped[str] = mapped_column(String(16))
    owner_role: Mapped[str] = mapped_column(String(16))
    owner_email: Mapped[str | None] = mapped_column(String(254), index=True)
    stage: Mapped[str] = mapped_column(String(16), index=True)
    stage_since: Mapped[date] = mapped_column(Date)
    # Filled by the forecasting work (TECH-1); empty until then.
    likelihood: Mapped[float | None] = mapped_column(Float)
    health_score: Mapped[float | None] = mapped_column(Float)
    health_category: Mapped[str | None] = mapped_column(String(16))
    risk: Mapped[str | None] = mapped_column(String(16))
    signals: Mapped[list[str]] = mapped_column(JSON, default=list)
    decisions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    outcome: Mapped[str | None] = mapped_column(String(16))
    created_on: Mapped[date] = mapped_column(Date)
    updated_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)


class StageChange(Base):
    """LEARN-2: every stage a renewal entered, when and why (to find where renewals stall)."""

    __tablename__ = "renewal_stage_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    renewal_id: Mapped[str] = mapped_column(ForeignKey("renewal.renewal_id"), index=True)
    from_stage: Mapped[str | None] = mapped_column(String(16))
    to_stage: Mapped[str] = mapped_column(String(16))
    on: Mapped[date] = mapped_column(Date)  # the business day (as_of) of the change
    at: Mapped[datetime] = mapped_column(UTCDateTime)  # wall-clock time it was recorded
    by: Mapped[str] = mapped_column(String(254))  # "system" or a person's email
    rule: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")


def stage_moves_only() -> ColumnElement[bool]:
    """History rows that change the stage (not OWN-1 hand-overs recorded within a stage)."""
    return or_(StageChange.from_stage.is_(None), StageChange.from_stage != StageChange.to_stage)
