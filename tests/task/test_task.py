"""The task slice: one rule for "overdue" (TIME-4), the same in Python and in SQL."""

from __future__ import annotations

from datetime import date, timedelta

import factories
import pytest
from sqlalchemy import Engine, select

from renewals.db import session_scope
from renewals.task import domain
from renewals.task import service as task_service
from renewals.task.models import Task

DAY = date(2026, 11, 24)
STATUSES = ("open", "snoozed", "done", "cancelled", "automated")


@pytest.mark.parametrize(
    ("status", "due", "overdue"),
    [
        ("open", DAY - timedelta(days=1), True),
        ("open", DAY, False),  # due today is not late yet
        ("open", DAY + timedelta(days=3), False),
        ("snoozed", DAY - timedelta(days=1), False),  # waits for the day it was put off to
        ("done", DAY - timedelta(days=9), False),
        ("cancelled", DAY - timedelta(days=9), False),
    ],
)
def test_overdue_is_open_and_past_its_day(status: str, due: date, overdue: bool) -> None:
    assert domain.is_overdue(status, due, DAY) is overdue
    assert domain.status_on(status, due, DAY) == ("overdue" if overdue else status)
    assert domain.days_overdue(status, due, DAY) == ((DAY - due).days if overdue else 0)
    assert Task(status=status, due_date=due).is_overdue(DAY) is overdue


def test_the_sql_condition_picks_the_tasks_the_python_rule_does(engine: Engine) -> None:
    with session_scope(engine) as session:
        factories.add_renewal(session, "acme")
        session.flush()
        for n, status in enumerate(STATUSES):
            for offset in (-3, -1, 0, 1):
                session.add(
                    Task(
                        account_id="acme",
                        key=f"k{n}{offset}",
                        title="t",
                        rule="TIME-4",
                        status=status,
                        due_date=DAY + timedelta(days=offset),
                        created_on=DAY,
                    )
                )
    with session_scope(engine) as session:
        tasks = list(session.scalars(select(Task)))
        in_sql = set(session.scalars(select(Task.task_id).where(Task.is_overdue(DAY))))
        assert in_sql == {t.task_id for t in tasks if t.is_overdue(DAY)}
        assert len(in_sql) == 2  # open, 3 and 1 days late
        listed = task_service.list_tasks(session, as_of=DAY, overdue_only=True)
        assert {t.task_id for t in listed} == in_sql
