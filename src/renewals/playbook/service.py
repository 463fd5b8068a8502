"""Playbook use-cases: tasks that automation opens exactly once."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from renewals.playbook.models import Task


def ensure_task(
    session: Session,
    *,
    account_id: str,
    key: str,
    title: str,
    description: str,
    rule: str,
    due_date: date,
    owner_email: str | None,
    created_on: date,
) -> tuple[Task, bool]:
    """The task with this (account, key), created if it does not exist yet; (task, created)."""
    task = session.scalars(
        select(Task).where(Task.account_id == account_id, Task.key == key)
    ).first()
    if task is not None:
        return task, False
    task = Task(
        account_id=account_id,
        key=key,
        title=title,
        description=description,
        rule=rule,
        due_date=due_date,
        owner_email=owner_email,
        status="open",
        created_on=created_on,
    )
    session.add(task)
    return task, True


def open_tasks(session: Session, account_id: str) -> list[Task]:
    query = (
        select(Task)
        .where(Task.account_id == account_id, Task.status == "open")
        .order_by(Task.due_date)
    )
    return list(session.scalars(query))
