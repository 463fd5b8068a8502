"""The task queue every slice uses: ensure a task once per (account, key), complete it,
snooze it with a reason, reopen snoozed tasks on their day, list them (TIME-4)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import cast

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from renewals.db import rows_changed
from renewals.errors import Forbidden, NotFound, RenewalsError
from renewals.kit.i18n import Text
from renewals.kit.time import utc_now
from renewals.policy.domain import Policy
from renewals.task.domain import CANCELLED, DONE, FINISHED, OPEN, OUTSTANDING, SNOOZED
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
    return _add_open(
        session,
        account_id=account_id,
        key=key,
        title=title,
        description=description,
        rule=rule,
        due_date=due_date,
        owner_email=owner_email,
        created_on=created_on,
    ), True


def _add_open(session: Session, **fields: object) -> Task:
    """A new task, open (every slice's tasks start so), added to the session."""
    task = Task(**fields, status=OPEN)
    session.add(task)
    return task


def _task_for(session: Session, task_id: int, by: str) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(Text("no task {id}", id=task_id))
    access.require_active_user(session, by)
    if task.status in FINISHED:
        raise RenewalsError(Text("task {id} is already {status}", id=task_id, status=task.status))
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
        raise RenewalsError(Text("snoozing a task needs a reason"))
    if until <= task.due_date and task.status == OPEN:
        raise RenewalsError(
            Text("snooze until a day after its due date ({day})", day=task.due_date)
        )
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
    overdue ones, or all of them with `include_done`; `owner` narrows to one person's
    (the CLI's list: the conditions of every task list, `list_conditions`)."""
    owners = (
        access.Scope(False, frozenset({owner}), False)
        if owner
        else access.Scope(True, frozenset(), True)
    )
    conditions = list_conditions(
        owners,
        status="all" if overdue_only or include_done else "active",
        as_of=as_of,
        overdue=overdue_only,
    )
    query = select(Task).where(*conditions).order_by(Task.due_date, Task.task_id).limit(limit)
    return list(session.scalars(query))


# The statuses a list asks for: a task's own four, "active" (open or snoozed: the work
# ahead), or "all".
LIST_STATUSES = (OPEN, SNOOZED, DONE, CANCELLED, "active", "all")


def list_conditions(
    owners: access.Scope,
    *,
    status: str,
    as_of: date,
    overdue: bool = False,
    due_within: int | None = None,
    account_id: str | None = None,
) -> list[ColumnElement[bool]]:
    """TIME-4, TECH-5: the conditions of a task list, the same for the JSON API, the /tasks
    page and its CSV: tasks owned in `owners` (access.owned_by, the work queues' rule),
    of `status` (LIST_STATUSES), only the overdue ones (open and past due on `as_of`),
    due within `due_within` days of `as_of`, on one account."""
    if status not in LIST_STATUSES:
        raise RenewalsError(
            Text(
                "status must be one of {choices}, got {value}",
                choices=", ".join(LIST_STATUSES),
                value=repr(status),
            )
        )
    found: list[ColumnElement[bool]] = [access.owned_by(Task.owner_email, owners)]
    if status == "active":
        found.append(Task.status.in_(OUTSTANDING))
    elif status != "all":
        found.append(Task.status == status)
    if overdue:
        found.append(cast(ColumnElement[bool], Task.is_overdue(as_of)))  # the SQL side
    if due_within is not None:
        found.append(Task.due_date <= as_of + timedelta(days=due_within))
    if account_id:
        found.append(Task.account_id == account_id)
    return found


def list_owners(
    owner: str | None, *, me: str, role: str, scope: Callable[[], access.Scope]
) -> access.Scope:
    """Whose tasks a list shows (TECH-5): mine by default; "team" is everyone in my scope
    (`scope()`, the viewer's: a manager's team, the whole book for directors and above);
    one person only when they are in my scope. Anyone else is refused (403), never an
    empty list."""
    owner = (owner or "").strip().lower()
    if not owner or owner == me.lower():
        return access.Scope(False, frozenset({me}), False)
    mine = scope()
    if owner == "team":
        if not mine.everything and len(mine.owners) <= 1:
            raise Forbidden(
                Text("{me} ({role}) has no team: only your own tasks", me=me, role=role)
            )
        return mine
    if not mine.covers_owner(owner):
        raise Forbidden(
            Text(
                "{me} ({role}) may not see {owner}'s tasks (TECH-5)", me=me, role=role, owner=owner
            )
        )
    return access.Scope(False, frozenset({owner}), False)


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


@dataclass(frozen=True)
class TaskRequest:
    """A rule asking for an account's task with this key (what `ensure_task` takes)."""

    account_id: str
    key: str
    title: str
    description: str
    rule: str
    due_date: date
    owner_email: str | None
    created_on: date


@dataclass(frozen=True)
class ReviewRequest(TaskRequest):
    """A rule asking for an account's review meeting (HEALTH-4, SEG-2)."""


def _existing_tasks(
    session: Session, requests: Sequence[TaskRequest]
) -> dict[tuple[str, str], Task]:
    """The tasks already there for these requests, by (account, key): one query per 500
    accounts."""
    existing: dict[tuple[str, str], Task] = {}
    keys = sorted({r.key for r in requests})
    accounts = sorted({r.account_id for r in requests})
    for start in range(0, len(accounts), 500):
        for task in session.scalars(
            select(Task).where(
                Task.account_id.in_(accounts[start : start + 500]), Task.key.in_(keys)
            )
        ):
            existing[(task.account_id, task.key)] = task
    return existing


def ensure_tasks(session: Session, requests: Sequence[TaskRequest]) -> list[tuple[Task, bool]]:
    """`ensure_task` for each request, in the requests' order, with one query per 500
    accounts for the tasks already there instead of one query (and flush) per request
    (issue 20). New tasks are added to the session in that order."""
    existing = _existing_tasks(session, requests)
    return [_known_or_new(session, existing, r) for r in requests]


def _known_or_new(
    session: Session, existing: dict[tuple[str, str], Task], request: TaskRequest
) -> tuple[Task, bool]:
    """The request's task from `existing`, or a new open one (added to both)."""
    known = existing.get((request.account_id, request.key))
    if known is not None:
        return known, False
    task = _add_open(session, **{f.name: getattr(request, f.name) for f in fields(request)})
    existing[(request.account_id, request.key)] = task
    return task, True


def ensure_review(session: Session, request: ReviewRequest, *, policy: Policy) -> tuple[Task, bool]:
    """HEALTH-4 / SEG-2: the account's open review-meeting task, or a new one; (task, created)."""
    return ensure_reviews(session, [request], policy=policy)[0]


def ensure_reviews(
    session: Session, requests: Sequence[ReviewRequest], *, policy: Policy
) -> list[tuple[Task, bool]]:
    """HEALTH-4 / SEG-2: for each request, the account's open review-meeting task, or a new
    one; (task, created) in the requests' order. Two queries for all of them (the daily
    run's first day turns thousands of accounts red: one query per account was 4 s at
    10,000 accounts, issue 20).

    A red account gets one review meeting, whichever rule asks first: the other rule's
    reason is added to the task's description instead of a second, near-identical task.
    """
    if not requests:
        return []
    ids = {r.account_id for r in requests}
    with session.no_autoflush:
        reviews = open_reviews(session, ids, review_steps(policy))
    existing = _existing_tasks(session, requests)
    out: list[tuple[Task, bool]] = []
    for r in requests:
        found = reviews.get(r.account_id)
        if found is not None and found.key != r.key:
            note = f" Also {r.rule} ({r.created_on.isoformat()}): {r.title}."
            if note.strip() not in (found.description or ""):
                found.description = (found.description or "") + note
            out.append((found, False))
            continue
        task, new = _known_or_new(session, existing, r)
        if new:
            reviews[r.account_id] = task
        out.append((task, new))
    return out
