"""Tasks: dated work for a person, keyed so that automation never creates one twice."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    ColumnElement,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy.ext.hybrid import hybrid_method
from sqlalchemy.orm import Mapped, mapped_column

from renewals.db import Base, UTCDateTime
from renewals.task import domain


def _is_overdue_sql(cls: type[Task], as_of: date) -> ColumnElement[bool]:
    return and_(cls.status == domain.OPEN, cls.due_date < as_of)


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
    # open | done | snoozed | cancelled | automated; "overdue" is not a status: see is_overdue.
    status_reason: Mapped[str | None] = mapped_column(Text)

    def _is_overdue(self, as_of: date) -> bool:
        return domain.is_overdue(self.status, self.due_date, as_of)

    # TIME-4 (task.domain.is_overdue): open and due before `as_of`. `task.is_overdue(day)`
    # answers for a task, `Task.is_overdue(day)` is the same rule as a SQL condition.
    is_overdue = hybrid_method(_is_overdue, _is_overdue_sql)

    def status_on(self, as_of: date) -> str:
        """The status a person sees on `as_of` ("overdue" for an overdue task)."""
        return domain.status_on(self.status, self.due_date, as_of)
