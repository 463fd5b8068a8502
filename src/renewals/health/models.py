"""Health snapshots: one per account and day, with everything needed to explain it."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from renewals.db import Base


class HealthSnapshot(Base):
    """HEALTH-1..5: the score of one account on one day, its components, drivers and facts."""

    __tablename__ = "health_snapshot"

    account_id: Mapped[str] = mapped_column(ForeignKey("account.account_id"), primary_key=True)
    as_of: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    segment: Mapped[str | None] = mapped_column(String(20))
    score: Mapped[float | None] = mapped_column(Float)  # None: too little data (HEALTH-1)
    category: Mapped[str | None] = mapped_column(String(16), index=True)
    warning: Mapped[bool] = mapped_column(Boolean, default=False)
    previous_score: Mapped[float | None] = mapped_column(Float)
    previous_as_of: Mapped[date | None] = mapped_column(Date)
    trend: Mapped[str] = mapped_column(String(8))
    components: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    drivers: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    missing: Mapped[list[str]] = mapped_column(JSON)
    reasons: Mapped[list[str]] = mapped_column(JSON)
    features: Mapped[dict[str, float | None]] = mapped_column(JSON)
    # SIG-0: what the account's signals add up to, set by the signal step of the same run
    risk: Mapped[str | None] = mapped_column(String(16), index=True)
    risk_reasons: Mapped[list[str] | None] = mapped_column(JSON)
