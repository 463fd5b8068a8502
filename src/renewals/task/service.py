"""The task queue every slice uses: ensure a task once per (account, key), complete it,
snooze it with a reason, reopen snoozed tasks on their day, list them (TIME-4)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from renewals.db import rows_changed
from renewals.errors import NotFound, RenewalsError
from renewals.kit.time import utc_now
from renewals.policy.domain import Policy
from renewals.task.domain import DONE, FINISHED, OPEN, OUTSTANDING, SNOOZED
from renewals.task.models import Task
from renewals.user import access


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
        status=OPEN,
        created_on=created_on,
    )
    session.add(task)
    return task, True


def _task_for(session: Session, task_id: int, by: str) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(f"no task {task_id}")
    access.require_active_user(session, by)
    if task.status in FINISHED:
        raise RenewalsError(f"task {task_id} is already {task.status}")
    return task


def complete_task(session: Session, task_id: int, *, by: str, note: str = "") -> Task:
    """Mark a task done (completion is tracked: who and when)."""
    task = _task_for(session, task_id, by)
    task.status = DONE
    task.completed_at = utc_now()
    task.completed_by = by
    task.status_reason = note or task.status_reason
    session.flush()
    return task


def snooze_task(session: Session, task_id: int, *, by: str, until: date, reason: str) -> Task:
    """Put a task off until a day, with a reason; the daily run reopens it on that day."""
    task = _task_for(session, task_id, by)
    if not reason.strip():
        raise RenewalsError("snoozing a task needs a reason")
    if until <= task.due_date and task.status == OPEN:
        raise RenewalsError(f"snooze until a day after its due date ({task.due_date})")
    task.status_reason = (
        f"snoozed by {by} until {until.isoformat()} (was due {task.due_date.isoformat()}): {reason}"
    )
    task.status = SNOOZED
    task.due_date = until
    session.flush()
    return task


def reopen_snoozed(session: Session, *, as_of: date) -> int:
    """Snoozed tasks whose day has come are open again."""
    result = session.execute(
        update(Task).where(Task.status == SNOOZED, Task.due_date <= as_of).values(status=OPEN)
    )
    return rows_changed(result)


def list_tasks(
    session: Session,
    *,
    as_of: date,
    owner: str | None = None,
    overdue_only: bool = False,
    include_done: bool = False,
    limit: int = 200,
) -> list[Task]:
    """The tasks to work, soonest due first: outstanding ones (open or snoozed), only the
    overdue ones, or all of them with `include_done`; `owner` narrows to one person's."""
    query = select(Task)
    if owner:
        query = query.where(Task.owner_email == owner)
    if overdue_only:
        query = query.where(Task.is_overdue(as_of))
    elif not include_done:
        query = query.where(Task.status.in_(OUTSTANDING))
    return list(session.scalars(query.order_by(Task.due_date, Task.task_id).limit(limit)))


def open_tasks(session: Session, account_id: str) -> list[Task]:
    """The account's open tasks, soonest due first."""
    query = (
        select(Task)
        .where(Task.account_id == account_id, Task.status == OPEN)
        .order_by(Task.due_date)
    )
    return list(session.scalars(query))


# --- review meetings (HEALTH-4, SEG-2): one per account, whichever rule asks first -------

REVIEW_RULES = ("HEALTH-4", "SEG-2")


def review_steps(policy: Policy) -> set[str]:
    """HEALTH-4, SEG-2: the red-path steps that are the review meeting (policy review_meeting)."""
    return {p.key for p in policy.paths.red if p.review_meeting}


def open_reviews(session: Session, account_ids: set[str], steps: set[str]) -> dict[str, Task]:
    """HEALTH-4 / SEG-2: each account's open review-meeting task, if any."""
    found: dict[str, Task] = {}
    ids = sorted(account_ids)
    for start in range(0, len(ids), 500):
        for task in session.scalars(
            select(Task).where(
                Task.account_id.in_(ids[start : start + 500]),
                Task.status.in_(OUTSTANDING),
                Task.rule.in_(REVIEW_RULES),
                or_(Task.key.like("health_review:%"), Task.step.in_(sorted(steps) or [""])),
            )
        ):
            found[task.account_id] = task
    return found


def ensure_review(
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
    policy: Policy,
) -> tuple[Task, bool]:
    """HEALTH-4 / SEG-2: the account's open review-meeting task, or a new one; (task, created).

    A red account gets one review meeting, whichever rule asks first: the other rule's
    reason is added to the task's description instead of a second, near-identical task.
    """
    with session.no_autoflush:
        found = open_reviews(session, {account_id}, review_steps(policy)).get(account_id)
    if found is not None and found.key != key:
        note = f" Also {rule} ({created_on.isoformat()}): {title}."
        if note.strip() not in (found.description or ""):
            found.description = (found.description or "") + note
        return found, False
    return ensure_task(
        session,
        account_id=account_id,
        key=key,
        title=title,
        description=description,
        rule=rule,
        due_date=due_date,
        owner_email=owner_email,
        created_on=created_on,
    )
