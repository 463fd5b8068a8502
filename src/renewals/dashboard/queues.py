"""Work queues (TECH-5): my tasks, the approvals inbox, one concession's full record.

The pages in playbook/, concession/ and outbox/ stay thin: they read their filters,
call these functions and the owning domain's service, and render. Deciding (completing
a task, approving a concession or a message) is always the owning domain's service,
which enforces authority on the server (CONC-3, TIME-5).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from renewals.account.models import Account
from renewals.concession import domain as concession_domain
from renewals.concession import service as concession_service
from renewals.concession.matrix import ApprovalMatrix
from renewals.concession.models import Concession, ConcessionStep
from renewals.dashboard.service import TASK_HEADER, TASK_SORTS, task_csv, task_stmt
from renewals.dashboard.tables import ListSpec, TableSpec
from renewals.errors import RenewalsError
from renewals.kit import validate
from renewals.kit.i18n import Text
from renewals.policy.domain import Policy
from renewals.renewal.models import Renewal
from renewals.task import service as task_service
from renewals.task.models import Task
from renewals.user.access import Scope, scope_for
from renewals.user.models import User

TASK_STATUSES = ("open", "snoozed", "done", "cancelled", "all")
DUE_WINDOWS = ("overdue", "0", "7", "30", "90")


# --- tasks -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskFilters:
    owner: str  # "" = me, "team" = everyone in my scope, or one person's email
    status: str
    due: str  # "" = any day, "overdue", or N = due within N days

    def describe(self, user: User) -> Text:
        """`your tasks (open), due within 7 days`: read in the team's language (issue 22)."""
        status = Text("every status") if self.status == "all" else self.status
        tasks = (
            Text("your tasks ({status})", status=status)
            if self.owner == ""
            else Text("your team's tasks ({status})", status=status)
            if self.owner == "team"
            else Text("{owner}'s tasks ({status})", owner=self.owner, status=status)
        )
        if self.due == "overdue":
            return Text("{tasks}, overdue", tasks=tasks)
        if self.due == "0":
            return Text("{tasks}, due today or before", tasks=tasks)
        if self.due:
            return Text("{tasks}, due within {days} days", tasks=tasks, days=self.due)
        return tasks


def task_filters(owner: str | None, status: str | None, due: str | None) -> TaskFilters:
    """Validate the /tasks filters (a bad value is a 400 naming the choices)."""
    status = status or "open"
    if status not in TASK_STATUSES:
        raise RenewalsError(
            Text(
                "status must be one of {choices}, got {value}",
                choices=", ".join(TASK_STATUSES),
                value=repr(status),
            )
        )
    due = (due or "").strip()
    if due and due not in DUE_WINDOWS and not due.isdigit():
        raise RenewalsError(
            Text(
                "due must be overdue or a number of days ({choices}), got {value}",
                choices=", ".join(DUE_WINDOWS[1:]),
                value=repr(due),
            )
        )
    if due.isdigit():  # within the bounds of renewals.kit.validate: never a date overflow
        due = str(validate.parse_int(due, "due", low=0, high=validate.MAX_DAYS))
    owner = validate.clean_text(owner, "owner", kind="email", one_line=True).lower()
    return TaskFilters(owner, status, due)


def task_owners(session: Session, user: User, policy: Policy, owner: str) -> Scope:
    """Whose tasks to list (task.service.list_owners, the same for the API)."""
    return task_service.list_owners(
        owner, me=user.email, role=user.role, scope=lambda: scope_for(session, user, policy.web)
    )


def tasks_spec(
    session: Session, user: User, policy: Policy, filters: TaskFilters, *, as_of: date
) -> TableSpec:
    """The task queue for these filters, sortable and paged in the database."""
    owners = task_owners(session, user, policy, filters.owner)
    stmt = task_stmt().where(
        *task_service.list_conditions(
            owners,
            status=filters.status,
            as_of=as_of,
            overdue=filters.due == "overdue",
            due_within=int(filters.due) if filters.due.isdigit() else None,
        )
    )
    return TableSpec(
        name="tasks",
        stmt=stmt.order_by(Task.due_date, Task.task_id),
        sortable=TASK_SORTS,
        header=TASK_HEADER,
        row=task_csv(as_of),
        default_sort="due",
        tiebreak=(Task.task_id,),
    )


def team_members(session: Session, user: User, policy: Policy) -> list[str]:
    """The people a manager may pick in the owner filter (empty for others)."""
    scope = scope_for(session, user, policy.web)
    if scope.everything:
        return sorted(e for e in session.scalars(select(Task.owner_email).distinct()) if e)
    return sorted(scope.owners) if len(scope.owners) > 1 else []


def task_row(session: Session, task_id: int) -> Any:
    """One task as the queue shows it (for the HTMX row fragment)."""
    row = session.execute(task_stmt().where(Task.task_id == task_id)).first()
    if row is None:
        raise RenewalsError(Text("no task {id}", id=str(task_id)), 404)
    return row


def task_account(session: Session, task_id: int) -> str:
    task = session.get(Task, task_id)
    if task is None:
        raise RenewalsError(Text("no task {id}", id=str(task_id)), 404)
    return task.account_id


# --- concessions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ConcessionView:
    concession: Concession
    steps: list[ConcessionStep]
    renewal: Renewal | None
    account_name: str
    needs: str
    next_approver: User | None
    routing_note: str | None
    viewer_authority: str
    can_approve: bool
    can_decide: bool
    is_next: bool
    matrix: list[dict[str, Any]]


def concession_view(
    session: Session, concession_id: int, user: User, policy: Policy
) -> ConcessionView:
    """CONC-6: a concession's full documentation, its approval chain, who must approve
    next and why, and what this viewer may do with it."""
    c = concession_service.get(session, concession_id)
    steps = concession_service.steps(session, concession_id)
    account = session.get(Account, c.account_id)
    renewal = session.get(Renewal, c.renewal_id)
    rules = policy.concessions
    next_user = (
        session.scalar(select(User).where(User.email == c.next_approver_email))
        if c.next_approver_email
        else None
    )
    routing = next(
        (s.note for s in reversed(steps) if s.action in ("requested", "forwarded")), None
    )
    is_next = (c.next_approver_email or "").lower() == user.email.lower()
    matrix = ApprovalMatrix.of(rules)
    covers = matrix.covers(user.role, c.discount_pct, c.kinds, c.sizes)
    pending = c.status == concession_service.PENDING
    return ConcessionView(
        concession=c,
        steps=steps,
        renewal=renewal,
        account_name=account.name if account else c.account_id,
        needs=matrix.explain(c.discount_pct, c.kinds, c.required_role, c.sizes),
        next_approver=next_user,
        routing_note=routing,
        viewer_authority=matrix.authority(user.role),
        can_approve=pending and covers,
        can_decide=pending and (covers or is_next),
        is_next=is_next,
        matrix=matrix.rows(c.required_role),
    )


def approvals_spec(session: Session, user: User, policy: Policy) -> ListSpec:
    """Concessions waiting for this user's decision (CONC-3), oldest first."""
    waiting = concession_service.waiting_for(session, user.email, limit=1000)
    names = dict(
        session.execute(
            select(Account.account_id, Account.name).where(
                Account.account_id.in_({c.account_id for c in waiting} or {""})
            )
        ).all()
    )
    matrix = ApprovalMatrix.of(policy.concessions)
    rows = [
        {
            "id": c.concession_id,
            "renewal_id": c.renewal_id,
            "account_id": c.account_id,
            "account": names.get(c.account_id, c.account_id),
            "discount_pct": c.discount_pct,
            "kinds": ", ".join(c.kinds),
            "requested_by": c.requested_by,
            "requested_at": c.requested_at,
            "required_role": c.required_role,
            "risk_severity": c.risk_severity,
            "arr": (c.rationale or {}).get("account_arr"),
            "currency": (c.rationale or {}).get("currency"),
            "needs": matrix.explain(c.discount_pct, c.kinds, c.required_role, c.sizes),
            "warnings": len((c.evaluation or {}).get("warnings", [])),
        }
        for c in waiting
    ]
    return ListSpec(
        name="approvals",
        rows=rows,
        sortable={
            "requested": lambda r: r["requested_at"],
            "account": lambda r: r["account"],
            "discount": lambda r: r["discount_pct"],
            "arr": lambda r: r["arr"],
            "role": lambda r: 99 if (k := matrix.rank(r["required_role"])) is None else k,
        },
        header=(
            "concession_id",
            "renewal_id",
            "account_id",
            "account",
            "discount_pct",
            "kinds",
            "requested_by",
            "requested_at",
            "required_role",
            "risk_severity",
            "arr",
            "currency",
            "needs",
        ),
        row=lambda r: [
            r["id"],
            r["renewal_id"],
            r["account_id"],
            r["account"],
            r["discount_pct"],
            r["kinds"],
            r["requested_by"],
            r["requested_at"].isoformat(),
            r["required_role"],
            r["risk_severity"],
            r["arr"],
            r["currency"],
            r["needs"],
        ],
        default_sort="requested",
    )


@dataclass(frozen=True)
class RequestForm:
    """What the concession form shows about the renewal (CONC-6 documents these)."""

    renewal: Renewal
    account_name: str
    kinds: list[str]
    give_backs: list[str]
    authority: str
    matrix: list[dict[str, Any]]
    days_left: int


def request_form(
    session: Session, renewal: Renewal, user: User, policy: Policy, *, as_of: date
) -> RequestForm:
    account = session.get(Account, renewal.account_id)
    matrix = ApprovalMatrix.of(policy.concessions)
    return RequestForm(
        renewal=renewal,
        account_name=account.name if account else renewal.account_id,
        kinds=[k.value for k in concession_domain.ConcessionKind if k != "discount"],
        give_backs=[g.value for g in concession_domain.GiveBack],
        authority=matrix.authority(user.role),
        matrix=matrix.rows(),
        days_left=(renewal.renewal_date - as_of).days,
    )
