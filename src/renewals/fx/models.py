"""FX rates imported from fx_rates.csv (date, currency, rate)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from renewals.db import Base


class FxRate(Base):
    """Units of the reporting currency per unit of `currency` on `day`."""

    __tablename__ = "fx_rate"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    rate: Mapped[Decimal] = mapped_column(Numeric(20, 10))
