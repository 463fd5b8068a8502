"""Tasks as the JSON API shows them, and the two things a person does with one."""

from __future__ import annotations

from datetime import date, datetime

from renewals.web.api_common import IsoDate, Out, RequiredText, StrictIn, Text


class TaskRead(Out):
    task_id: int
    account_id: str
    renewal_id: str | None
    step: str | None
    title: str
    description: str
    rule: str
    due_date: date
    owner_email: str | None
    status: str
    overdue: bool
    status_reason: str | None
    created_on: date
    completed_at: datetime | None
    completed_by: str | None


class TaskDone(StrictIn):
    note: Text = ""


class TaskSnooze(StrictIn):
    """Put a task off to a later day, saying why (the daily run reopens it that day)."""

    until: IsoDate
    reason: RequiredText
