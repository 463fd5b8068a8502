"""Quarterly review decisions (LEARN-2): what the team decided, linked to the policy key
it changes, so the next review can see whether the change was made and what followed."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from renewals.db import Base


class ReviewDecision(Base):
    __tablename__ = "review_decision"

    decision_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    quarter: Mapped[str] = mapped_column(String(8), index=True)  # 2026-Q3
    decided_on: Mapped[date] = mapped_column(Date)
    decided_by: Mapped[str] = mapped_column(String(254))
    decision: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text)  # what in the review led to it
    # The policy change it asks for: dotted key, its rule ID, the value then, the new value.
    policy_key: Mapped[str | None] = mapped_column(String(200))
    rule: Mapped[str | None] = mapped_column(String(16))
    from_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    to_value: Mapped[Any] = mapped_column(JSON, nullable=True)
