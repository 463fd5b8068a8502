"""Forecast records: per-day likelihood snapshots, owners' overrides, trained models."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from renewals.db import Base, UTCDateTime


class ForecastSnapshot(Base):
    """TECH-1, FUND-1: one open renewal's likelihood and forecast on one day (re-running a
    day replaces it), with the engine that produced it and the drivers."""

    __tablename__ = "forecast_snapshot"
    __table_args__ = (UniqueConstraint("as_of", "renewal_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    as_of: Mapped[date] = mapped_column(Date, index=True)
    renewal_id: Mapped[str] = mapped_column(ForeignKey("renewal.renewal_id"), index=True)
    account_id: Mapped[str] = mapped_column(String(64), index=True)
    renewal_date: Mapped[date] = mapped_column(Date)
    segment: Mapped[str] = mapped_column(String(20))
    owner_email: Mapped[str | None] = mapped_column(String(254))
    arr: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    target_arr: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    likelihood: Mapped[float] = mapped_column(Float)
    engine: Mapped[str] = mapped_column(String(16))  # prior | learned
    model_id: Mapped[int | None] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(12))  # commit | probable | at_risk | lost
    expected_arr: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    drivers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # the owner's call in force that day, kept apart so its accuracy can be compared
    override_category: Mapped[str | None] = mapped_column(String(12))
    override_likelihood: Mapped[float | None] = mapped_column(Float)


class ForecastOverride(Base):
    """An owner's manual forecast call for a renewal, with the reason (append-only)."""

    __tablename__ = "forecast_override"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    renewal_id: Mapped[str] = mapped_column(ForeignKey("renewal.renewal_id"), index=True)
    category: Mapped[str] = mapped_column(String(12))
    likelihood: Mapped[float | None] = mapped_column(Float)
    reason: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(254))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    on: Mapped[date] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(default=True)


class ModelRun(Base):
    """A trained likelihood model: when, on what, how well (held out), where it is stored."""

    __tablename__ = "model_run"

    model_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    trained_at: Mapped[datetime] = mapped_column(UTCDateTime)
    as_of: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32))  # e.g. logistic
    lead_days: Mapped[int] = mapped_column(Integer)
    n_train: Mapped[int] = mapped_column(Integer)
    n_test: Mapped[int] = mapped_column(Integer)
    features: Mapped[list[str]] = mapped_column(JSON, default=list)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    path: Mapped[str] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), default="active")  # active | retired
