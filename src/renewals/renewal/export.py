"""Renewals out of the application: the export contract (JSON/CSV) and the .ics calendar.

The rows of `export_rows` are the contract other tools rely on (docs/export.md): add
fields, never rename or drop one.
"""

from __future__ import annotations

import io
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from renewals.account.models import Account
from renewals.errors import NotFound
from renewals.kit.i18n import Text
from renewals.kit.spreadsheet import SafeDictWriter
from renewals.kit.time import utc_now
from renewals.policy.domain import Policy
from renewals.renewal.calendar import RenewalEvent, TaskEvent, build_calendar
from renewals.renewal.domain import Stage
from renewals.renewal.models import Renewal
from renewals.task import domain as task_domain
from renewals.task.models import Task
from renewals.user.models import User

CLOSED_STAGES = tuple(stage.value for stage in Stage if stage.is_closed)
# Tasks still to do: an open task past its due date is shown as "overdue".
# One vocabulary for numeric and text signals in the export; the signal table says
# "single_threading" for SIG-9.
SIGNAL_EXPORT_NAMES = {"single_threading": "single_threaded"}
DECISIONS = ("segment", "opportunity", "touch", "motion", "owner")

CSV_COLUMNS = (
    "renewal_id",
    "account_id",
    "account_name",
    "contract_id",
    "renewal_date",
    "days_to_renewal",
    "arr",
    "target_arr",
    "currency",
    "segment",
    "segment_reason",
    "health_score",
    "health_category",
    "risk",
    "signals",
    "opportunity_type",
    "touch_model",
    "motion",
    "owner_role",
    "owner_email",
    "stage",
    "likelihood",
    "forecast_category",
    "expected_arr",
    "open_task_count",
    "overdue_task_count",
    "open_tasks",
    "reasons",
    "save_probability_band",
    "save_value_tier",
    "save_root_cause",
    "save_time_window",
    "save_effort",
    "save_expected_value_hours",
)


class UnknownOwner(NotFound):
    def __init__(self, email: str) -> None:
        super().__init__(
            Text(
                "no user {email}: the calendar is for a known user (users.csv), or leave out "
                "--owner for every owner's",
                email=repr(email),
            )
        )


def export_signals(kinds: list[str] | None) -> list[str]:
    """Signal kinds in the export's vocabulary, each once, in stored order."""
    names = (SIGNAL_EXPORT_NAMES.get(kind, kind) for kind in kinds or [])
    return list(dict.fromkeys(names))


def export_rows(session: Session, *, as_of: date, policy: Policy) -> list[dict[str, Any]]:
    """Every open renewal as a row of the export contract, by renewal date then id.

    `open_tasks` holds the renewal's own tasks and its account's tasks that belong to
    no renewal (a HEALTH-4 review, say), those still to do (open or snoozed), by due
    date. Tasks are loaded in one query and grouped here: 10,000 renewals with
    60,000 tasks take one round trip, not 10,000. `policy` is the policy in force,
    for fields that depend on it.
    """
    open_renewal = Renewal.stage.not_in(CLOSED_STAGES)
    renewals = session.execute(
        select(Renewal, Account.name)
        .join(Account, Account.account_id == Renewal.account_id)
        .where(open_renewal)
        .order_by(Renewal.renewal_date, Renewal.renewal_id)
    ).all()

    by_renewal: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_account: dict[str, list[dict[str, Any]]] = defaultdict(list)
    task_rows = session.execute(
        select(
            Task.task_id,
            Task.account_id,
            Task.renewal_id,
            Task.step,
            Task.title,
            Task.due_date,
            Task.owner_email,
            Task.status,
            Task.rule,
        )
        .where(
            Task.status.in_(task_domain.OUTSTANDING),
            Task.account_id.in_(select(Renewal.account_id).where(open_renewal)),
        )
        .order_by(Task.due_date, Task.task_id)
    )
    for t in task_rows:
        task = {
            "task_id": t.task_id,
            "step": t.step,
            "title": t.title,
            "due_date": t.due_date.isoformat(),
            "owner_email": t.owner_email,
            "status": task_domain.status_on(t.status, t.due_date, as_of),
            "rule": t.rule,
        }
        if t.renewal_id is None:
            by_account[t.account_id].append(task)
        else:
            by_renewal[t.renewal_id].append(task)

    from renewals.forecast import service as forecast_service
    from renewals.save_plan import service as save_service

    saves = save_service.save_fields(session)
    forecasts = forecast_service.export_fields(
        session, (renewal.renewal_id for renewal, _ in renewals), as_of=as_of
    )
    rows = []
    for renewal, account_name in renewals:
        decisions = renewal.decisions or {}
        tasks = by_renewal.get(renewal.renewal_id, []) + by_account.get(renewal.account_id, [])
        forecast = forecasts.get(renewal.renewal_id, {})
        if renewal.renewal_id in by_renewal and renewal.account_id in by_account:
            tasks.sort(key=lambda task: (task["due_date"], task["task_id"]))
        rows.append(
            {
                "renewal_id": renewal.renewal_id,
                "account_id": renewal.account_id,
                "account_name": account_name,
                "contract_id": renewal.contract_id,
                "renewal_date": renewal.renewal_date.isoformat(),
                "days_to_renewal": (renewal.renewal_date - as_of).days,
                "arr": float(renewal.current_arr),
                "target_arr": float(renewal.target_arr),
                "currency": renewal.currency,
                "segment": renewal.segment,
                "segment_reason": "; ".join(_reasons(decisions, "segment")),
                "health_score": renewal.health_score,
                "health_category": renewal.health_category,
                "risk": renewal.risk,
                "signals": export_signals(renewal.signals),
                "opportunity_type": renewal.opportunity_type,
                "touch_model": renewal.touch_model,
                "motion": renewal.motion,
                "owner_role": renewal.owner_role,
                "owner_email": renewal.owner_email,
                "stage": renewal.stage,
                "likelihood": renewal.likelihood,
                # TECH-1, TECH-5: the latest forecast on or before as_of; null without one
                "forecast_category": forecast.get("forecast_category"),
                "expected_arr": forecast.get("expected_arr"),
                # SAVE-2..7: the triage of an at-risk renewal; null for the others
                "save": saves.get(renewal.renewal_id),
                "open_tasks": tasks,
                "reasons": {
                    name: _reasons(decisions, name)
                    for name in dict.fromkeys([*DECISIONS, *decisions])
                },
            }
        )
    return rows


def _reasons(decisions: dict[str, Any], name: str) -> list[str]:
    decision = decisions.get(name) or {}
    return [str(reason) for reason in decision.get("reasons") or []]


def to_json(rows: list[dict[str, Any]]) -> str:
    """The rows as a pretty JSON list (dates are already ISO strings)."""
    return json.dumps(rows, indent=2, ensure_ascii=False, default=str) + "\n"


def to_csv(rows: list[dict[str, Any]]) -> str:
    """The rows as CSV: lists joined with ";", tasks and reasons as JSON in one column each."""
    out = io.StringIO()
    writer = SafeDictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                **{k: "" if v is None else v for k, v in row.items()},
                "signals": ";".join(row["signals"]),
                "open_task_count": len(row["open_tasks"]),
                "overdue_task_count": sum(t["status"] == "overdue" for t in row["open_tasks"]),
                "open_tasks": json.dumps(row["open_tasks"], ensure_ascii=False),
                "reasons": json.dumps(row["reasons"], ensure_ascii=False),
                **{
                    f"save_{k}": (row["save"] or {}).get(k, "")
                    for k in (
                        "probability_band",
                        "value_tier",
                        "root_cause",
                        "time_window",
                        "effort",
                        "expected_value_hours",
                    )
                },
            }
        )
    return out.getvalue()


@dataclass(frozen=True)
class CalendarEvents:
    owner: str
    renewals: list[RenewalEvent]
    tasks: list[TaskEvent]


def calendar_events(
    session: Session, *, owner_email: str | None, as_of: date, days: int
) -> CalendarEvents:
    """The owner's (or everyone's) open renewals dated in [as_of, as_of + days] and open
    tasks due by as_of + days, overdue ones included."""
    until = as_of + timedelta(days=days)
    renewal_query = (
        select(Renewal, Account.name)
        .join(Account, Account.account_id == Renewal.account_id)
        .where(
            Renewal.stage.not_in(CLOSED_STAGES),
            Renewal.renewal_date >= as_of,
            Renewal.renewal_date <= until,
        )
    )
    task_query = (
        select(Task, Account.name)
        .join(Account, Account.account_id == Task.account_id)
        .where(Task.status == "open", Task.due_date <= until)
    )
    if owner_email is None:
        owner: str = Text("all owners")
    else:
        email = owner_email.strip().lower()
        user = session.get(User, email)
        if user is None:
            raise UnknownOwner(owner_email)
        owner = user.name or email
        renewal_query = renewal_query.where(Renewal.owner_email == email)
        task_query = task_query.where(Task.owner_email == email)

    renewals = [
        RenewalEvent(
            renewal_id=r.renewal_id,
            account_name=name,
            renewal_date=r.renewal_date,
            arr=r.current_arr,
            currency=r.currency,
            stage=r.stage,
            segment=r.segment,
            opportunity_type=r.opportunity_type,
            health_score=r.health_score,
            health_category=r.health_category,
            owner_email=r.owner_email,
            owner_role=r.owner_role,
        )
        for r, name in session.execute(renewal_query)
    ]
    tasks = [
        TaskEvent(
            task_id=t.task_id,
            title=t.title,
            description=t.description,
            account_name=name,
            due_date=t.due_date,
            rule=t.rule,
            owner_email=t.owner_email,
            renewal_id=t.renewal_id,
            overdue=task_domain.is_overdue(t.status, t.due_date, as_of),
        )
        for t, name in session.execute(task_query)
    ]
    return CalendarEvents(owner=owner, renewals=renewals, tasks=tasks)


def calendar_for(
    session: Session,
    *,
    owner_email: str | None,
    as_of: date,
    days: int,
    generated_at: datetime | None = None,
) -> bytes:
    """The .ics calendar of the owner's (or everyone's) renewals and open tasks."""
    events = calendar_events(session, owner_email=owner_email, as_of=as_of, days=days)
    return build_calendar(
        events.renewals,
        events.tasks,
        owner=events.owner,
        generated_at=generated_at or utc_now(),
    )
