"""Concession requests and each approval decision (the audit log keeps the full trail)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from renewals.db import Base, UTCDateTime


class Concession(Base):
    """CONC-1..7: one request (discount, term change, service, contract terms, ...).

    `version` guards decisions: an approver's UPDATE only applies to the version they
    read, so two approvers acting at once cannot both decide it.
    """

    __tablename__ = "concession"

    concession_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    renewal_id: Mapped[str] = mapped_column(ForeignKey("renewal.renewal_id"), index=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.account_id"), index=True)
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)  # discount, payment_terms, ...
    discount_pct: Mapped[float] = mapped_column(Float, default=0)
    requested_by: Mapped[str] = mapped_column(String(254))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    give_back: Mapped[str | None] = mapped_column(
        String(32)
    )  # multi_year | case_study | value_plan
    sunset_clause: Mapped[str | None] = mapped_column(Text)
    # CONC-6: business rationale, expected outcome, alternatives considered, risk factors...
    rationale: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    risk_severity: Mapped[str] = mapped_column(String(8))
    required_role: Mapped[str] = mapped_column(String(16))
    evaluation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # band, warnings
    # pending | approved | declined | withdrawn
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    next_approver_email: Mapped[str | None] = mapped_column(String(254), index=True)
    decided_by: Mapped[str | None] = mapped_column(String(254))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    @property
    def sizes(self) -> dict[str, float]:
        """CONC-8: each catalogued non-price kind's size (net days, months, ...), as asked."""
        return {k: float(v) for k, v in ((self.evaluation or {}).get("sizes") or {}).items()}


class ConcessionStep(Base):
    """One step of the approval chain: forwarded, approved or declined, by whom and why."""

    __tablename__ = "concession_step"

    step_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    concession_id: Mapped[int] = mapped_column(ForeignKey("concession.concession_id"), index=True)
    actor_email: Mapped[str] = mapped_column(String(254))
    actor_role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))  # requested | forwarded | approved | declined
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(Text, default="")
