"""Playbook use-cases: renewal timelines as tasks and the triggered campaign, each
step created exactly once (keyed by renewal and step)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from renewals.account.domain import Segment
from renewals.account.models import Account, Stakeholder
from renewals.contract.models import Contract
from renewals.db import insert_rows, update_rows
from renewals.health.models import HealthSnapshot
from renewals.kit.batches import Batch, Progress, account_batches, each
from renewals.kit.i18n import Text
from renewals.playbook.timeline import (
    CATCH_UP,
    OwnerLoad,
    PlannedTask,
    RenewalView,
    guard_value,
    needs_person,
    planned_messages,
    planned_tasks,
    upcoming,
    workflow_id,
)
from renewals.playbook.timeline import team_load as timeline_team_load
from renewals.policy.domain import PathStep, Policy, Step
from renewals.renewal.models import Renewal
from renewals.task import service as task_service
from renewals.task.models import Task
from renewals.user.models import User


def steps_done_by(policy: Policy, event: str) -> set[str]:
    """TIME-4: the playbook and path steps whose task the event completes (done_when)."""
    steps: list[Step | PathStep] = [s for seg in Segment for s in policy.timelines.for_segment(seg)]
    steps += [*policy.paths.red, *policy.paths.at_risk]
    return {s.key for s in steps if event in s.done_when}


def close_for_event(
    session: Session,
    policy: Policy,
    *,
    renewal_id: str,
    event: str,
    on: date,
    by: str,
    detail: str,
) -> list[Task]:
    """TIME-4: the action a task asks for happened: close the renewal's open tasks whose
    step lists this event in `done_when`, keeping the event on the task (and in the audit
    log). Called by the domain where the action happens (save plan, contract), or by the
    daily run for messages the outbox sent; returns the tasks it closed."""
    from renewals.audit import service as audit_service
    from renewals.kit.time import utc_now

    steps = steps_done_by(policy, event)
    if not steps:
        return []
    tasks = list(
        session.scalars(
            select(Task).where(
                Task.renewal_id == renewal_id,
                Task.step.in_(sorted(steps)),
                Task.status.in_(("open", "snoozed")),
            )
        )
    )
    now = utc_now()
    for task in tasks:
        task.status = "done"
        task.completed_at = now
        task.completed_by = by
        task.status_reason = f"TIME-4: closed by itself: {event} on {on.isoformat()}: {detail}"
        audit_service.record(
            session,
            actor=by,
            action="task.closed_by_event",
            entity="task",
            entity_id=str(task.task_id),
            detail={
                "event": event,
                "on": on.isoformat(),
                "renewal_id": renewal_id,
                "detail": detail,
            },
        )
    session.flush()
    return tasks


def close_for_sent_messages(session: Session, policy: Policy, *, as_of: date) -> int:
    """TIME-4, TIME-5: open tasks whose customer message the outbox has sent are done.

    The outbox sits below the playbook and knows nothing of tasks, so the daily run asks
    it which campaign messages left, and closes the tasks that waited for them. Set-based
    (issue 16): one query for the waiting tasks, one for the sent messages (per chunk of
    renewals), one bulk UPDATE and one multi-row audit INSERT, whatever the book's size;
    the same tasks close, with the same reasons, as `close_for_event` one by one would."""
    from renewals.audit import service as audit_service
    from renewals.kit.time import utc_now
    from renewals.outbox import service as outbox_service

    by_event = {
        event: steps_done_by(policy, event)
        for event in (
            "message:heads_up",
            "message:formal_notice",
            "message:follow_up",
            "message:final_reminder",
        )
    }
    waiting = {s for steps in by_event.values() for s in steps}
    if not waiting:
        return 0
    tasks = session.execute(
        select(Task.task_id, Task.renewal_id, Task.step).where(
            Task.step.in_(sorted(waiting)),
            Task.status.in_(("open", "snoozed")),
            Task.renewal_id.is_not(None),
        )
    ).all()
    if not tasks:
        return 0
    # Each renewal's sent messages in the outbox's order: a task closes on the first one
    # its step waits for (a later one would find it closed already).
    sent: dict[str, list[tuple[str, date, str]]] = {}
    for renewal_id, step, sent_at, message_id in outbox_service.sent_customer_messages(
        session, {renewal_id for _, renewal_id, _ in tasks if renewal_id is not None}
    ):
        event = f"message:{step}"
        if event in by_event:
            on = sent_at.date() if sent_at else as_of
            detail = f"outbox message {message_id} ({step}) was sent"
            sent.setdefault(renewal_id, []).append((event, on, detail))
    now = utc_now()
    updates: list[dict[str, Any]] = []
    audits: list[dict[str, Any]] = []
    for task_id, task_renewal, task_step in tasks:
        match = next(
            (m for m in sent.get(task_renewal or "", []) if task_step in by_event[m[0]]), None
        )
        if match is None:
            continue
        event, on, detail = match
        updates.append(
            {
                "task_id": task_id,
                "status": "done",
                "completed_at": now,
                "completed_by": SYSTEM,
                "status_reason": f"TIME-4: closed by itself: {event} on {on.isoformat()}: {detail}",
            }
        )
        audits.append(
            audit_service.event_row(
                actor=SYSTEM,
                action="task.closed_by_event",
                entity="task",
                entity_id=str(task_id),
                detail={
                    "event": event,
                    "on": on.isoformat(),
                    "renewal_id": task_renewal,
                    "detail": detail,
                },
            )
        )
    if updates:
        session.flush()  # pending changes first: the bulk UPDATE goes straight to the rows
        update_rows(session, Task, updates)
        closed = {u["task_id"] for u in updates}
        for obj in list(session.identity_map.values()):
            if isinstance(obj, Task) and obj.task_id in closed:
                session.expire(obj)
        audit_service.record_many(session, audits)
    return len(updates)


# --- renewal playbooks (TIME-1..5) -----------------------------------------------------


@dataclass
class PlaybookReport:
    created: int = 0
    late: int = 0
    reopened: int = 0
    catch_up: int = 0
    automated: int = 0
    shared_reviews: int = 0
    closed_by_events: int = 0
    subscriptions: int = 0  # SEG-4: open renewals run at the account level (short terms)
    by_rule: Counter[str] = field(default_factory=Counter)


_OPEN = Renewal.stage.not_in(("closed_won", "closed_lost"))


def _batches(session: Session, policy: Policy) -> list[Batch]:
    """TECH-1: the open renewals in batches of `policy.run.batch_accounts` (bounded memory)."""
    return account_batches(
        session, policy.run.batch_accounts, select(Renewal.renewal_id).where(_OPEN)
    )


def _views(session: Session, batch: Batch | None = None) -> list[tuple[Renewal, RenewalView]]:
    query = (
        select(Renewal, Account.fiscal_year_start_month, Contract.term_months)
        # the decisions' JSON is never read here: decoding it was most of this query's time
        .options(defer(Renewal.decisions, raiseload=True))
        .join(Account, Account.account_id == Renewal.account_id)
        .outerjoin(Contract, Contract.contract_id == Renewal.contract_id)
        .where(_OPEN)
    )
    if batch is not None:
        query = query.where(batch.where(Renewal.renewal_id))
    # In renewal order: new tasks and messages are numbered in the order they are made, so
    # the same on both databases (SQLite already read them so; PostgreSQL's plan decided).
    query = query.order_by(Renewal.renewal_id)
    return [(r, view_of(r, fiscal_month, term)) for r, fiscal_month, term in session.execute(query)]


def view_of(
    r: Renewal, fiscal_year_start_month: int | None, term_months: int | None = None
) -> RenewalView:
    """The timeline's view of a renewal row (FUND-4: with its account's fiscal-year start;
    SEG-4: with its contract's term, which makes short terms subscriptions)."""
    return RenewalView(
        r.renewal_id,
        Segment(r.segment),
        r.current_arr,
        r.renewal_date,
        r.stage,
        r.health_category,
        r.opportunity_type,
        r.motion,
        r.created_on,
        fiscal_year_start_month or 1,
        term_months=term_months,
        account_id=r.account_id,
    )


def _existing_keys(session: Session, model: Any, column: Any, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found.update(session.scalars(select(column).where(column.in_(chunk))))
    return found


def materialize(
    session: Session, policy: Policy, *, as_of: date, progress: Progress | None = None
) -> PlaybookReport:
    """TIME-1..4 and the SEG-2/SEG-3 paths: the tasks of every open renewal that came due
    within the look-ahead window, each created once (keyed by renewal and step); worked
    through in batches of open renewals (TECH-1)."""
    report = PlaybookReport()
    report.reopened = task_service.reopen_snoozed(session, as_of=as_of)
    report.closed_by_events = close_for_sent_messages(session, policy, as_of=as_of)
    shared = task_service.review_steps(policy)
    for batch in each(_batches(session, policy), "playbook.timeline", progress):
        planned = []
        for renewal, view in _views(session, batch):
            # SEG-4: a subscription's tasks are keyed by its account: one workflow per account
            workflow = workflow_id(view, policy)
            report.subscriptions += workflow != renewal.renewal_id
            for task in planned_tasks(view, as_of=as_of, policy=policy):
                planned.append((renewal, task, workflow))
        keys = [t.key(w) for _, t, w in planned]
        existing = _existing_keys(session, Task, Task.key, keys)
        reviews = task_service.open_reviews(session, {r.account_id for r, _, _ in planned}, shared)
        rows = []
        for renewal, task, workflow in planned:
            key = task.key(workflow)
            if key in existing:
                continue
            existing.add(key)
            if task.step in shared and renewal.account_id in reviews:
                # HEALTH-4 and the SEG-2 red path ask for the same meeting: one task.
                _share_review(reviews[renewal.account_id], task, as_of)
                report.shared_reviews += 1
                continue
            automated = task.automated
            rows.append(
                {
                    "account_id": renewal.account_id,
                    "key": key,
                    "renewal_id": renewal.renewal_id,
                    "step": task.step,
                    "title": task.title,
                    "description": task.description,
                    "rule": task.rule,
                    "due_date": task.due_date,
                    "owner_email": renewal.owner_email,
                    # TIME-3: a record of what automation did, never a person's open task.
                    "status": AUTOMATED if automated else "open",
                    "status_reason": (
                        f"TIME-3: carried out by the system on {as_of.isoformat()}: "
                        f"{task.automation}"
                        if automated
                        else None
                    ),
                    "completed_by": SYSTEM if automated else None,
                    "created_on": as_of,
                }
            )
            report.created += not automated
            report.automated += automated
            report.late += task.late
            report.catch_up += task.step == CATCH_UP
            report.by_rule[task.rule] += 1
        if rows:
            insert_rows(session, Task, rows)
        session.flush()
    return report


# Task statuses: open | snoozed | done | cancelled, and `automated`: a step the system
# carried out (TIME-3), kept as a record; never counted as a person's work.
AUTOMATED = "automated"
SYSTEM = "system"


def _share_review(task: Task, planned: PlannedTask, as_of: date) -> None:
    # a paragraph of its own, so that each reads in the team's language (renewals.kit.i18n.tr)
    note = "\n\n" + Text(
        "Also the {rule} red path's review ({day}): {title}.",
        rule=planned.rule,
        day=as_of.isoformat(),
        title=planned.title,
    )
    if note.strip() not in task.description:
        task.description = (task.description or "") + note


def team_load(session: Session, policy: Policy, *, as_of: date) -> list[OwnerLoad]:
    """SEG-1: every owner's planned renewal hours per week (see timeline.team_load)."""
    rows = session.execute(
        select(Renewal.owner_email, Renewal.segment, Renewal.renewal_date).where(_OPEN)
    )
    return timeline_team_load([(o, Segment(s), d) for o, s, d in rows], as_of=as_of, policy=policy)


@dataclass
class CampaignReport:
    queued: Counter[str] = field(default_factory=Counter)
    superseded: int = 0
    withdrawn: int = 0
    held: int = 0


def run_campaign(
    session: Session,
    policy: Policy,
    *,
    as_of: date,
    templates_dir: Path | None = None,
    progress: Progress | None = None,
) -> CampaignReport:
    """TIME-5: write the day's campaign messages into the outbox, each once per renewal and
    step; customer messages wait for permission there (outbox.service.enqueue). Worked
    through in batches of open renewals (TECH-1)."""
    from renewals.outbox import service as outbox_service
    from renewals.playbook import messages

    report = CampaignReport()
    for batch in each(_batches(session, policy), "playbook.campaign", progress):
        planned = []
        at_risk: dict[str, str] = {}
        for renewal, view in _views(session, batch):
            why = needs_person(view)
            if why is not None:
                at_risk[renewal.renewal_id] = why
            for message in planned_messages(view, as_of=as_of, policy=policy):
                planned.append((renewal, view, message))
        # TIME-5: a renewal that turned at-risk or red since its messages were allowed:
        # they wait for a person's approval of each one again.
        report.held += len(outbox_service.hold_for_fresh_approval(session, at_risk))
        keys = [m.key(r.renewal_id) for r, _, m in planned]
        existing = outbox_service.existing_keys(session, keys)
        todo = [(r, v, m) for r, v, m in planned if m.key(r.renewal_id) not in existing]
        if not todo:
            continue
        facts = _campaign_facts(session, {r.account_id for r, _, _ in todo}, as_of=as_of)
        # One query per fact for the batch (issue 20): the accounts' allowances and the
        # campaign's messages still queued; nothing is flushed until the batch ends.
        outbox_service.remember_permissions(session, {r.account_id for r, _, _ in todo})
        queued = outbox_service.open_campaign_messages(
            session,
            {r.renewal_id for r, _, m in todo if m.audience == "customer"},
            steps=messages.CUSTOMER_STEPS,
        )
        for renewal, view, message in todo:
            key = message.key(renewal.renewal_id)
            account = facts.accounts[renewal.account_id]
            contact = facts.contacts.get(renewal.account_id)
            owner = facts.people.get(renewal.owner_email or "")
            manager = facts.people.get(owner.manager_email or "") if owner else None
            to_address, to_name = _recipient(message.recipients, contact, owner, manager)
            language = (
                (account.language or "en")
                if message.audience == "customer"
                else _reader_language(message.recipients, owner, manager, policy)
            )
            context = _context(
                renewal, view, account, contact, owner, manager, facts, as_of, policy
            )
            if message.audience == "customer":
                # Issue 16 content guard: favourable facts and upcoming dates only; the
                # rest is kept for the reviewer as the internal brief.
                guarded = guard_value(context["value"], policy)
                context["value"] = guarded.shown
                context["timeline"] = upcoming(context["timeline"])
                context["account_state"] = "at_risk" if view.renewal_id in at_risk else "ok"
            rendered = messages.render(message.step, language, context, templates_dir=templates_dir)
            record: dict[str, Any] = {
                "trigger_date": message.trigger_date.isoformat(),
                "condition": message.condition,
                "template": rendered.template,
            }
            if message.audience == "customer":
                record["drew_on"] = {k: guarded.shown[k] for k in guarded.drew_on}
                record["internal_brief"] = guarded.internal
                record["timeline"] = [
                    {"date": str(t["date"]), "milestone": t["milestone"]}
                    for t in context["timeline"]
                ]
            superseded = (
                None
                if message.superseded_by is None
                else Text(
                    "TIME-5: superseded by {step}: the renewal reached the campaign on {day}, "
                    "after this message's day ({trigger}); one message, not a burst",
                    step=message.superseded_by,
                    day=as_of.isoformat(),
                    trigger=message.trigger_date.isoformat(),
                )
            )
            msg, _ = outbox_service.enqueue(
                session,
                key=key,
                renewal_id=renewal.renewal_id,
                account_id=renewal.account_id,
                step=message.step,
                rule=message.rule,
                audience=message.audience,
                channel="email",
                to_address=to_address,
                to_name=to_name,
                language=rendered.language,
                subject=rendered.subject,
                body=rendered.body,
                created_on=as_of,
                facts=record,
                segment=renewal.segment,
                policy=policy,
                cancelled_because=superseded,
                fresh_approval=at_risk.get(renewal.renewal_id),
            )
            if superseded:
                report.superseded += 1
            else:
                report.queued[message.audience] += 1
                if message.audience == "customer":
                    report.withdrawn += len(
                        outbox_service.withdraw_superseded(
                            session,
                            renewal.renewal_id,
                            newer=msg,
                            on=as_of,
                            steps=messages.CUSTOMER_STEPS,
                            older=queued.get(renewal.renewal_id, []),
                        )
                    )
        session.flush()
    return report


@dataclass(frozen=True)
class _Account:
    name: str
    language: str | None


@dataclass(frozen=True)
class _Person:
    email: str
    name: str
    manager_email: str | None
    language: str | None = None  # the pages' and internal messages' language (issue 22)


@dataclass(frozen=True)
class _Contact:
    name: str
    email: str
    role: str


@dataclass(frozen=True)
class _Facts:
    accounts: dict[str, _Account]
    contacts: dict[str, _Contact]
    people: dict[str, _Person]
    features: dict[str, dict[str, Any]]


CONTACT_ORDER = ("champion", "decision_maker", "economic_buyer", "user")


def _campaign_facts(session: Session, account_ids: set[str], *, as_of: date) -> _Facts:
    ids = sorted(account_ids)
    accounts: dict[str, _Account] = {}
    contacts: dict[str, _Contact] = {}
    features: dict[str, dict[str, Any]] = {}
    candidates: dict[str, list[tuple[Any, ...]]] = {}
    day = session.scalar(
        select(func.max(HealthSnapshot.as_of)).where(HealthSnapshot.as_of <= as_of)
    )
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for account_id, name, language in session.execute(
            select(Account.account_id, Account.name, Account.language).where(
                Account.account_id.in_(chunk)
            )
        ):
            accounts[account_id] = _Account(name, language)
        for row in session.execute(
            select(
                Stakeholder.account_id,
                Stakeholder.name,
                Stakeholder.email,
                Stakeholder.role,
                Stakeholder.last_engaged_at,
            ).where(
                Stakeholder.account_id.in_(chunk),
                Stakeholder.email.is_not(None),
                (Stakeholder.left_at.is_(None)) | (Stakeholder.left_at > as_of),
            )
        ):
            candidates.setdefault(row[0], []).append(row)
        if day is not None:
            for account_id, values in session.execute(
                select(HealthSnapshot.account_id, HealthSnapshot.features).where(
                    HealthSnapshot.as_of == day, HealthSnapshot.account_id.in_(chunk)
                )
            ):
                features[account_id] = values or {}
    for account_id, rows in candidates.items():
        best = min(
            rows,
            key=lambda r: (
                CONTACT_ORDER.index(r[3]) if r[3] in CONTACT_ORDER else len(CONTACT_ORDER),
                -(r[4].toordinal() if r[4] else 0),
                r[2],
            ),
        )
        contacts[account_id] = _Contact(best[1], best[2], best[3])
    people = {
        email: _Person(email, name, manager, language)
        for email, name, manager, language in session.execute(
            select(User.email, User.name, User.manager_email, User.language)
        )
    }
    return _Facts(accounts, contacts, people, features)


def _reader_language(
    who: str, owner: _Person | None, manager: _Person | None, policy: Policy
) -> str:
    """Issue 22: an internal message reads in its (first) recipient's language, else the
    policy's `web.language`, the team's default."""
    first = manager or owner if who == "manager" else owner or manager
    return (first.language if first else None) or policy.web.language


def _recipient(
    who: str, contact: _Contact | None, owner: _Person | None, manager: _Person | None
) -> tuple[str | None, str | None]:
    if who == "customer":
        return (contact.email, contact.name) if contact else (None, None)
    if who == "owner":
        return (owner.email, owner.name) if owner else (None, None)
    if who == "manager":
        target = manager or owner
        return (target.email, target.name) if target else (None, None)
    found = [p for p in (owner, manager) if p is not None]
    if not found:
        return None, None
    return ", ".join(p.email for p in found), ", ".join(p.name for p in found)


def _context(
    renewal: Renewal,
    view: RenewalView,
    account: _Account,
    contact: _Contact | None,
    owner: _Person | None,
    manager: _Person | None,
    facts: _Facts,
    as_of: date,
    policy: Policy,
) -> dict[str, Any]:
    from renewals.playbook import messages

    values = facts.features.get(renewal.account_id, {})
    seats = values.get("seats")
    return {
        "account_name": account.name,
        "contact_name": contact.name if contact else None,
        "renewal_id": renewal.renewal_id,
        "renewal_date": renewal.renewal_date,
        "days_to_renewal": (renewal.renewal_date - as_of).days,
        "arr": renewal.current_arr,
        "currency": renewal.currency,
        "owner_name": owner.name if owner else None,
        "owner_email": owner.email if owner else None,
        "manager_name": manager.name if manager else None,
        "segment": renewal.segment,
        "opportunity_type": renewal.opportunity_type,
        "touch_model": renewal.touch_model,
        "stage": renewal.stage,
        "health_score": renewal.health_score,
        "health_category": renewal.health_category,
        "signals": list(renewal.signals or []),
        "value": {
            "events_30d": values.get("events_30d"),
            "active_users_30d": values.get("active_users_30d"),
            "seats": None if seats is None else int(seats),
            "seat_utilisation": values.get("seat_utilisation"),
            "key_feature_adoption": values.get("key_feature_adoption"),
            "usage_change_30d": values.get("usage_change_30d"),
        },
        "timeline": messages.customer_timeline(
            renewal.renewal_date,
            [(m.days, m.milestone) for m in policy.campaign.customer_timeline],
            as_of,
        ),
        "as_of": as_of,
    }
