"""Tasks: dated work for a person, keyed so that automation never creates one twice."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from renewals.db import Base, UTCDateTime


class Task(Base):
    """A dated step (playbook step, HEALTH-4 review meeting, ...) with its rule ID.

    `key` is unique per account: the daily run looks tasks up by it and never adds a
    second one for the same step.
    """

    __tablename__ = "task"
    __table_args__ = (UniqueConstraint("account_id", "key"),)

    task_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("account.account_id"), index=True)
    key: Mapped[str] = mapped_column(String(120), index=True)
    # Set for renewal playbook tasks (TIME-1..5, SEG-2/3 paths): the renewal and the step key.
    renewal_id: Mapped[str | None] = mapped_column(ForeignKey("renewal.renewal_id"), index=True)
    step: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    rule: Mapped[str] = mapped_column(String(16))
    due_date: Mapped[date] = mapped_column(Date, index=True)
    owner_email: Mapped[str | None] = mapped_column(String(254), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    created_on: Mapped[date] = mapped_column(Date)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by: Mapped[str | None] = mapped_column(String(254))
    # open | done | snoozed | cancelled; "overdue" is open with due_date before the day asked.
    status_reason: Mapped[str | None] = mapped_column(Text)
