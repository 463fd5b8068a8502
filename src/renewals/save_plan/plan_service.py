"""Save-plan use-cases (SAVE-8..11, POST-2): start a plan from the triage and the
evidence, keep its problems (the save contract) and close it. Never commits.

A plan is one per renewal: `start_plan` a second time returns the existing plan
unchanged. The fast-fix items are listed in the plan's `fast_fix` tactic
(`problems`: their problem IDs) and each has a playbook task keyed
`<renewal>:fastfix:<problem id>` (rule SAVE-9), created once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from renewals.account import service as account_service
from renewals.account.models import Account
from renewals.account.stakeholders import role_label
from renewals.audit import service as audit
from renewals.engagement.models import Interaction, Ticket
from renewals.errors import Forbidden, NotFound, RenewalsError
from renewals.health import service as health_service
from renewals.kit.i18n import Text
from renewals.kit.time import as_utc, day_start
from renewals.playbook import service as playbook_service
from renewals.playbook.timeline import guard_value
from renewals.policy.domain import Policy
from renewals.renewal import service as renewal_service
from renewals.renewal.domain import Stage
from renewals.renewal.models import Renewal
from renewals.save_plan import plan as rules
from renewals.save_plan.models import SavePlan, SaveProblem, SaveTriage
from renewals.save_plan.triage import not_one_of
from renewals.signal import service as signal_service
from renewals.task import service as task_service
from renewals.task.models import Task
from renewals.user import access
from renewals.user.models import User

NO_TRIAGE = Text("no triage: the renewal is not at risk or `renewals run` has not run")
GUIDE_CONTACT_ROLES = ("champion", "decision_maker", "economic_buyer", "executive")
OUTCOMES = ("saved", "lost")


class SavePlanError(RenewalsError):
    def __init__(self, message: str, status_code: int = 409) -> None:
        super().__init__(message, status_code)


class NoTriage(SavePlanError):
    def __init__(self, renewal_id: str) -> None:
        super().__init__(Text("{renewal}: {why}", renewal=renewal_id, why=NO_TRIAGE), 409)


@dataclass(frozen=True)
class PlanView:
    """A plan with its problems in priority order, and which are fast-fix items."""

    plan: SavePlan
    problems: list[SaveProblem]
    fast_fix_ids: list[int]


def fast_fix_key(renewal_id: str, problem_id: int) -> str:
    return f"{renewal_id}:fastfix:{problem_id}"


# --- reading -------------------------------------------------------------------------


def get_plan(session: Session, renewal_id: str) -> SavePlan:
    plan = session.scalars(select(SavePlan).where(SavePlan.renewal_id == renewal_id)).first()
    if plan is None:
        command = "`renewals saves plan " + renewal_id + " --by EMAIL`"
        raise NotFound(
            Text(
                "no save plan for {renewal}: start one with {command}",
                renewal=renewal_id,
                command=command,
            )
        )
    return plan


def find_plan(session: Session, renewal_id: str) -> SavePlan | None:
    return session.scalars(select(SavePlan).where(SavePlan.renewal_id == renewal_id)).first()


def problems_of(session: Session, plan: SavePlan) -> list[SaveProblem]:
    """The plan's problems, highest priority first (SAVE-8)."""
    rows = session.scalars(
        select(SaveProblem)
        .where(SaveProblem.plan_id == plan.plan_id)
        .order_by(SaveProblem.priority.desc(), SaveProblem.problem_id)
    )
    return list(rows)


def words_of(problem: SaveProblem) -> rules.ProblemWords:
    """A stored problem as its reader reads it (issue 22): the product's words in the
    current language, the customer's as they wrote them (plan.problem_words)."""
    return rules.problem_words(problem.description, problem.source, problem.summary, problem.quote)


def fast_fix_ids(plan: SavePlan) -> list[int]:
    for item in plan.tactics or []:
        if item.get("key") == "fast_fix":
            return [int(i) for i in item.get("problems", [])]
    return []


def view(session: Session, renewal_id: str) -> PlanView:
    plan = get_plan(session, renewal_id)
    return PlanView(plan, problems_of(session, plan), fast_fix_ids(plan))


def get_problem(session: Session, problem_id: int) -> SaveProblem:
    problem = session.get(SaveProblem, problem_id)
    if problem is None:
        raise NotFound(
            Text(
                "no save-plan problem {problem} (see `renewals saves plan RENEWAL`)",
                problem=problem_id,
            )
        )
    return problem


# --- starting ------------------------------------------------------------------------


def start_plan(
    session: Session,
    renewal_id: str,
    *,
    by: str,
    as_of: date,
    policy: Policy,
    settings_templates_dir: Path | None = None,
    fast_fix: bool | None = None,
) -> SavePlan:
    """Start the renewal's save plan from its triage and evidence (or return the existing one)."""
    existing = find_plan(session, renewal_id)
    if existing is not None:
        return existing
    renewal = renewal_service.get(session, renewal_id)
    triage = session.get(SaveTriage, renewal_id)
    if triage is None:
        raise NoTriage(renewal_id)
    if triage.status != "open":
        raise SavePlanError(
            Text(
                "{renewal}: the triage is {status}, not open: no save plan to start",
                renewal=renewal_id,
                status=triage.status,
            )
        )
    if Stage(renewal.stage).is_closed:
        raise SavePlanError(
            Text(
                "{renewal} is {stage}: a closed renewal has no save plan",
                renewal=renewal_id,
                stage=renewal.stage,
            )
        )
    _check_user(session, by)
    save = policy.save
    effort = str(_effective(triage, "effort"))
    window = str(_effective(triage, "time_window"))
    root_cause = str(_effective(triage, "root_cause"))
    account = session.get(Account, renewal.account_id)
    owner = renewal.owner_email or (account.owner_email if account else None)

    signals = [
        rules.SignalFact(
            kind=s.kind,
            rule=s.rule,
            severity=s.severity,
            source=s.source,
            source_id=s.source_id,
            source_date=s.source_date,
            evidence=s.evidence,
        )
        for s in signal_service.active_signals(session, policy, renewal.account_id, as_of=as_of)
    ]
    found = rules.problems_from_evidence(
        signals, _recent_tickets(session, renewal.account_id, as_of, policy), root_cause
    )
    fast = rules.fast_fix_on(window, fast_fix, effort)
    picks = {id(p) for p in rules.fast_fix_picks(found, save.fast_fix_problems)} if fast else set()

    plan = SavePlan(
        renewal_id=renewal_id,
        account_id=renewal.account_id,
        owner_email=owner,
        started_on=as_of,
        mode=window,
        effort=effort,
        fast_fix=fast,
        tactics=rules.tactics(
            effort=effort, window=window, root_cause=root_cause, fast_fix=fast, save=save
        ),
        alternatives=rules.alternatives(save),
        conversation_guide="",
        status="active",
        effort_hours=0,
    )
    session.add(plan)
    session.flush()
    rows: list[tuple[SaveProblem, bool]] = []
    for problem in found:
        picked = id(problem) in picks
        row = SaveProblem(
            plan_id=plan.plan_id,
            description=problem.description,
            summary=problem.words.summary() if problem.words else None,
            quote=problem.words.quote if problem.words else None,
            source=problem.source,
            source_ref=problem.source_ref,
            frequency=problem.frequency,
            deal_breaker=problem.deal_breaker,
            fixable=problem.fixable,
            quick=problem.quick,
            impact=problem.impact,
            priority=rules.priority(problem),
            root_cause=problem.root_cause,
            owner_email=owner,
            due_date=rules.due_date(
                problem,
                fast_fix_item=picked,
                window=window,
                effort=effort,
                as_of=as_of,
                renewal_date=renewal.renewal_date,
                save=save,
            ),
            success_metric=_default_metric(problem, picked),
            status=rules.ProblemStatus.open,
        )
        session.add(row)
        rows.append((row, picked))
    session.flush()
    fast_ids = [row.problem_id for row, picked in rows if picked]
    plan.tactics = _with_fast_fix_ids(plan.tactics, fast_ids)
    for row, picked in rows:
        if picked:
            _ensure_fast_fix_task(session, plan, row, as_of=as_of)
    plan.conversation_guide = _render_guide(
        session,
        plan,
        renewal,
        account,
        triage,
        as_of=as_of,
        policy=policy,
        templates_dir=settings_templates_dir,
        quotes=[q for p in found for q in p.quotes],
    )
    audit.record(
        session,
        actor=by,
        action="save_plan.start",
        entity="save_plan",
        entity_id=renewal_id,
        detail={
            "plan_id": plan.plan_id,
            "effort": effort,
            "mode": window,
            "root_cause": root_cause,
            "fast_fix": fast,
            "fast_fix_problems": fast_ids,
            "problems": len(rows),
            "as_of": as_of.isoformat(),
        },
    )
    # TIME-4: the at-risk path's "kick off the save plan" task is done by this very act.
    playbook_service.close_for_event(
        session,
        policy,
        renewal_id=renewal_id,
        event="save_plan_started",
        on=as_of,
        by=by,
        detail=f"save plan {plan.plan_id} started ({effort} effort)",
    )
    session.flush()
    return plan


def refresh_guide(
    session: Session,
    renewal_id: str,
    *,
    by: str,
    as_of: date,
    policy: Policy,
    templates_dir: Path | None = None,
) -> SavePlan:
    """Render the conversation guide again from today's problems and facts (SAVE-10/11)."""
    plan = get_plan(session, renewal_id)
    renewal = renewal_service.get(session, renewal_id)
    triage = session.get(SaveTriage, renewal_id)
    if triage is None:
        raise NoTriage(renewal_id)
    account = session.get(Account, plan.account_id)
    quotes = [
        rules.Quote(s.evidence, s.kind, s.source, s.source_id, s.source_date)
        for s in signal_service.active_signals(session, policy, plan.account_id, as_of=as_of)
        if s.source in rules.TEXT_SOURCES and s.evidence
    ]
    plan.conversation_guide = _render_guide(
        session,
        plan,
        renewal,
        account,
        triage,
        as_of=as_of,
        policy=policy,
        templates_dir=templates_dir,
        quotes=quotes,
    )
    audit.record(
        session,
        actor=by,
        action="save_plan.guide",
        entity="save_plan",
        entity_id=renewal_id,
        detail={"as_of": as_of.isoformat()},
    )
    session.flush()
    return plan


# --- the save contract (SAVE-8) and its promises (POST-2) ------------------------------


def add_problem(
    session: Session,
    renewal_id: str,
    *,
    by: str,
    as_of: date,
    policy: Policy,
    description: str,
    deal_breaker: bool = False,
    fixable: bool = True,
    quick: bool = False,
    impact: int = 3,
    frequency: int = 1,
    root_cause: str | None = None,
    fix: str | None = None,
    owner: str | None = None,
    due: date | None = None,
    success_metric: str | None = None,
) -> SaveProblem:
    """Add a problem the CSM found (SAVE-8: ask directly, stakeholders, competitor comparison).

    While the plan's fast fix has fewer than `fast_fix_problems` items (dropped ones do
    not count), a fixable problem joins it (due within the fast-fix hours, with its task).
    """
    plan = _active_plan(session, renewal_id)
    _check_user(session, by)
    if not description.strip():
        raise SavePlanError(Text("a problem needs a description"), 422)
    _check_range(Text("impact"), impact, 1, 5)
    _check_range(Text("frequency"), frequency, 1, 10_000)
    if root_cause is not None:
        _check_choice(Text("root cause"), root_cause, [str(r) for r in rules.RootCause])
    renewal = renewal_service.get(session, renewal_id)
    save = policy.save
    candidate = rules.Problem(
        description=description.strip(),
        source="csm",
        frequency=frequency,
        deal_breaker=deal_breaker,
        fixable=fixable,
        quick=quick,
        impact=impact,
        root_cause=root_cause,
    )
    fast_ids = fast_fix_ids(plan)
    live = [
        i
        for i in fast_ids
        if (p := session.get(SaveProblem, i)) is not None
        and p.status != rules.ProblemStatus.dropped
    ]
    joins_fast_fix = plan.fast_fix and fixable and len(live) < save.fast_fix_problems
    default_due = rules.due_date(
        candidate,
        fast_fix_item=joins_fast_fix,
        window=plan.mode,
        effort=plan.effort,
        as_of=as_of,
        renewal_date=renewal.renewal_date,
        save=save,
    )
    row = SaveProblem(
        plan_id=plan.plan_id,
        description=candidate.description,
        source="csm",
        frequency=frequency,
        deal_breaker=deal_breaker,
        fixable=fixable,
        quick=quick,
        impact=impact,
        priority=rules.priority(candidate),
        root_cause=root_cause,
        fix=fix,
        owner_email=owner or plan.owner_email,
        due_date=due or default_due,
        success_metric=success_metric or _default_metric(candidate, joins_fast_fix),
        status=rules.ProblemStatus.open,
    )
    session.add(row)
    session.flush()
    if joins_fast_fix:
        plan.tactics = _with_fast_fix_ids(plan.tactics, [*fast_ids, row.problem_id])
        _ensure_fast_fix_task(session, plan, row, as_of=as_of)
    audit.record(
        session,
        actor=by,
        action="save_plan.problem_add",
        entity="save_problem",
        entity_id=str(row.problem_id),
        detail={
            "renewal_id": renewal_id,
            "description": row.description,
            "deal_breaker": deal_breaker,
            "fixable": fixable,
            "quick": quick,
            "impact": impact,
            "frequency": frequency,
            "priority": row.priority,
            "fast_fix": joins_fast_fix,
            "due_date": _iso(row.due_date),
        },
    )
    session.flush()
    return row


def update_problem(
    session: Session,
    problem_id: int,
    *,
    by: str,
    as_of: date,
    status: str | None = None,
    fix: str | None = None,
    owner: str | None = None,
    due: date | None = None,
    success_metric: str | None = None,
    communicated_on: date | None = None,
) -> SaveProblem:
    """Change a remediation item: status, fix, owner, due date, success metric (SAVE-8) or
    when completion was communicated to the customer (POST-2)."""
    problem = get_problem(session, problem_id)
    plan = _plan_for(session, problem)
    _check_user(session, by)
    changes: dict[str, Any] = {}
    if status is not None:
        allowed = [s.value for s in rules.ProblemStatus if s != rules.ProblemStatus.verified]
        _check_choice(
            Text("status"),
            status,
            allowed,
            hint=Text("use `verify` for a customer-verified fix"),
        )
        if problem.status == rules.ProblemStatus.verified:
            raise SavePlanError(
                Text(
                    "problem {problem} is verified by the customer: it is final", problem=problem_id
                )
            )
        if status != problem.status:
            changes["status"] = (problem.status, status)
            problem.status = status
            if status == rules.ProblemStatus.done:
                problem.completed_on = problem.completed_on or as_of
            elif status in (rules.ProblemStatus.open, rules.ProblemStatus.in_progress):
                problem.completed_on = None
    for name, value in (
        ("fix", fix),
        ("owner_email", owner),
        ("due_date", due),
        ("success_metric", success_metric),
        ("communicated_on", communicated_on),
    ):
        if value is not None and getattr(problem, name) != value:
            changes[name] = (_plain(getattr(problem, name)), _plain(value))
            setattr(problem, name, value)
    if not changes:
        raise SavePlanError(Text("problem {problem}: nothing to change", problem=problem_id), 422)
    _sync_fast_fix_task(session, plan, problem, by=by)
    audit.record(
        session,
        actor=by,
        action="save_plan.problem_update",
        entity="save_problem",
        entity_id=str(problem_id),
        detail={
            "renewal_id": plan.renewal_id,
            "changes": {k: {"from": v[0], "to": v[1]} for k, v in changes.items()},
            "as_of": as_of.isoformat(),
        },
    )
    session.flush()
    return problem


def verify_problem(
    session: Session, problem_id: int, *, by: str, verified_on: date, note: str
) -> SaveProblem:
    """POST-2 / SAVE-9: the customer confirmed the fix worked (who said so goes in the note)."""
    problem = get_problem(session, problem_id)
    plan = _plan_for(session, problem)
    _check_user(session, by)
    if not note.strip():
        raise SavePlanError(
            Text("verification needs a note: who on the customer's side confirmed what"), 422
        )
    if problem.status == rules.ProblemStatus.dropped:
        raise SavePlanError(
            Text("problem {problem} was dropped: reopen it before verifying", problem=problem_id)
        )
    if problem.status == rules.ProblemStatus.verified:
        raise SavePlanError(
            Text(
                "problem {problem} is already verified ({day})",
                problem=problem_id,
                day=str(problem.verified_on),
            )
        )
    before = problem.status
    problem.status = rules.ProblemStatus.verified
    problem.completed_on = problem.completed_on or verified_on
    problem.communicated_on = problem.communicated_on or verified_on
    problem.verified_on = verified_on
    problem.verified_note = note.strip()
    _sync_fast_fix_task(session, plan, problem, by=by)
    audit.record(
        session,
        actor=by,
        action="save_plan.problem_verify",
        entity="save_problem",
        entity_id=str(problem_id),
        detail={
            "renewal_id": plan.renewal_id,
            "from": before,
            "verified_on": verified_on.isoformat(),
            "note": problem.verified_note,
        },
    )
    session.flush()
    return problem


def record_hours(
    session: Session, renewal_id: str, *, by: str, hours: float, on: date, note: str = ""
) -> SavePlan:
    """Add hours spent on the save (SAVE-7 and the save ROI of MET-1)."""
    plan = _active_plan(session, renewal_id)
    _check_user(session, by)
    if not 0 < hours <= 24 * 7:
        raise SavePlanError(
            Text("hours must be above 0 and at most a week (168), got {hours:g}", hours=hours), 422
        )
    plan.effort_hours = float(plan.effort_hours or 0) + hours
    audit.record(
        session,
        actor=by,
        action="save_plan.hours",
        entity="save_plan",
        entity_id=renewal_id,
        detail={"hours": hours, "total": plan.effort_hours, "on": on.isoformat(), "note": note},
    )
    session.flush()
    return plan


def close_plan(session: Session, renewal_id: str, *, by: str, outcome: str, on: date) -> SavePlan:
    """Close the save attempt as saved or lost; a lost plan's open fast-fix tasks are
    cancelled (a saved plan's open promises stay tracked, POST-2)."""
    plan = _active_plan(session, renewal_id)
    _check_user(session, by)
    _check_choice(Text("outcome"), outcome, list(OUTCOMES))
    plan.status = "closed"
    plan.outcome = outcome
    plan.closed_on = on
    open_items = [
        p for p in problems_of(session, plan) if p.status not in rules.ProblemStatus.resolved()
    ]
    if outcome == "lost":
        for task in _fast_fix_tasks(session, plan):
            if task.status in ("open", "snoozed"):
                task.status = "cancelled"
                task.status_reason = f"save plan closed as lost on {on.isoformat()} by {by}"
    audit.record(
        session,
        actor=by,
        action="save_plan.close",
        entity="save_plan",
        entity_id=renewal_id,
        detail={
            "outcome": outcome,
            "on": on.isoformat(),
            "effort_hours": plan.effort_hours,
            "open_problems": [p.problem_id for p in open_items],
        },
    )
    session.flush()
    return plan


# --- helpers ---------------------------------------------------------------------------


def _effective(triage: SaveTriage, name: str) -> Any:
    """A person's override wins over the computed value (SaveTriage.overrides)."""
    override = (triage.overrides or {}).get(name)
    if isinstance(override, dict) and override.get("value") is not None:
        return override["value"]
    return getattr(triage, name)


def _check_user(session: Session, email: str) -> User:
    try:
        return access.require_active_user(session, email)
    except Forbidden as exc:
        raise SavePlanError(exc.message, 403) from None


def _check_choice(name: Text, value: str, allowed: list[str], hint: Text | None = None) -> None:
    if value not in allowed:
        message = not_one_of(name, value, allowed)
        if hint:
            message = Text("{message} ({hint})", message=message, hint=hint)
        raise SavePlanError(message, 422)


def _check_range(name: Text, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        raise SavePlanError(
            Text(
                "{name} must be {low}-{high}, got {value}",
                name=name,
                low=low,
                high=high,
                value=value,
            ),
            422,
        )


def _active_plan(session: Session, renewal_id: str) -> SavePlan:
    plan = get_plan(session, renewal_id)
    if plan.status != "active":
        raise SavePlanError(
            Text(
                "the save plan of {renewal} is closed ({outcome})",
                renewal=renewal_id,
                outcome=str(plan.outcome),
            )
        )
    return plan


def _plan_for(session: Session, problem: SaveProblem) -> SavePlan:
    """The problem's plan; promises of a saved plan stay open to updates (POST-2)."""
    plan = session.get(SavePlan, problem.plan_id)
    if plan is None:  # the foreign key makes this impossible; keep mypy and readers calm
        raise NotFound(Text("problem {problem} has no plan", problem=problem.problem_id))
    if plan.status == "closed" and plan.outcome == "lost":
        raise SavePlanError(
            Text("the save plan of {renewal} was closed as lost", renewal=plan.renewal_id)
        )
    return plan


def _recent_tickets(
    session: Session, account_id: str, as_of: date, policy: Policy
) -> list[rules.TicketFact]:
    """Tickets opened in the SIG-3 window (lookback_days up to and including as_of)."""
    start = day_start(as_of - timedelta(days=policy.signals.lookback_days))
    end = day_start(as_of + timedelta(days=1))
    rows = session.scalars(
        select(Ticket)
        .where(Ticket.account_id == account_id, Ticket.opened_at >= start, Ticket.opened_at < end)
        .order_by(Ticket.opened_at, Ticket.ticket_id)
    )
    return [
        rules.TicketFact(
            ticket_id=t.ticket_id,
            subject=t.subject,
            priority=t.priority or "normal",
            opened_on=as_utc(t.opened_at).date(),
            closed=t.closed_at is not None and as_utc(t.closed_at) < as_utc(end),
        )
        for t in rows
    ]


def _default_metric(problem: rules.Problem, fast_fix: bool) -> str:
    if fast_fix:
        return Text("the customer confirms the fix works (verified)")
    if problem.source == "ticket":
        return Text("no new ticket on this subject for 30 days, and the customer confirms")
    return Text("the customer confirms the problem is solved")


def _with_fast_fix_ids(tactics: list[dict[str, Any]], ids: list[int]) -> list[dict[str, Any]]:
    """A new list (JSON columns are not mutation-tracked) with the fast fix's problem IDs."""
    return [
        {**item, "problems": list(ids)} if item.get("key") == "fast_fix" else dict(item)
        for item in tactics or []
    ]


def _ensure_fast_fix_task(
    session: Session, plan: SavePlan, problem: SaveProblem, *, as_of: date
) -> Task:
    due = problem.due_date or as_of
    task, created = task_service.ensure_task(
        session,
        account_id=plan.account_id,
        key=fast_fix_key(plan.renewal_id, problem.problem_id),
        # issue 22: stored in English, read in the reader's language (the problem through
        # its kind's template, plan.KindProfile.described)
        title=str(Text("Fast fix: {problem}", problem=problem.description))[:300],
        description=Text(
            "SAVE-9: fix this within the fast-fix window and verify the result with the "
            "customer (`renewals saves problem verify {id}`).",
            id=str(problem.problem_id),
        ),
        rule="SAVE-9",
        due_date=due,
        owner_email=problem.owner_email,
        created_on=as_of,
    )
    if created:
        task.renewal_id = plan.renewal_id
        task.step = "fast_fix"
    return task


def _fast_fix_tasks(session: Session, plan: SavePlan) -> list[Task]:
    keys = [fast_fix_key(plan.renewal_id, i) for i in fast_fix_ids(plan)]
    if not keys:
        return []
    return list(
        session.scalars(select(Task).where(Task.account_id == plan.account_id, Task.key.in_(keys)))
    )


def _sync_fast_fix_task(session: Session, plan: SavePlan, problem: SaveProblem, *, by: str) -> None:
    """Keep the fast-fix task in step with its problem: done when fixed, cancelled when
    dropped, owner and due date as on the problem."""
    if problem.problem_id not in fast_fix_ids(plan):
        return
    task = session.scalars(
        select(Task).where(
            Task.account_id == plan.account_id,
            Task.key == fast_fix_key(plan.renewal_id, problem.problem_id),
        )
    ).first()
    if task is None or task.status in ("done", "cancelled"):
        return
    if problem.owner_email:
        task.owner_email = problem.owner_email
    if problem.due_date:
        task.due_date = problem.due_date
    if problem.status in (rules.ProblemStatus.done, rules.ProblemStatus.verified):
        note = problem.verified_note or problem.fix or ""
        task_service.complete_task(session, task.task_id, by=by, note=note)
    elif problem.status == rules.ProblemStatus.dropped:
        task.status = "cancelled"
        task.status_reason = f"problem dropped by {by}"


def _render_guide(
    session: Session,
    plan: SavePlan,
    renewal: Renewal,
    account: Account | None,
    triage: SaveTriage,
    *,
    as_of: date,
    policy: Policy,
    templates_dir: Path | None,
    quotes: list[rules.Quote],
) -> str:
    fast = set(fast_fix_ids(plan))
    items = [
        rules.GuideItem(
            description=p.description,
            deal_breaker=p.deal_breaker,
            fixable=p.fixable,
            fix=p.fix,
            owner=_name(session, p.owner_email),
            due=p.due_date,
            fast_fix=p.problem_id in fast,
            said=rules.said_to_customer(p.source, p.source_ref, p.description, words_of(p)),
        )
        for p in problems_of(session, plan)
        if p.status != rules.ProblemStatus.dropped
    ]
    try:
        snapshot = health_service.latest_snapshot(session, plan.account_id, as_of)
        features: dict[str, Any] = dict(snapshot.features or {})
        health_score = snapshot.score
    except NotFound:
        features, health_score = {}, renewal.health_score
    # SAVE-10: quote the customer, never our own notes (interactions our users wrote).
    noted = [q.source_id for q in quotes if q.source == "interaction"]
    ours = (
        set(
            session.scalars(
                select(Interaction.interaction_id).where(
                    Interaction.interaction_id.in_(noted),
                    or_(
                        Interaction.author_email.is_(None),
                        func.lower(Interaction.author_email).in_(select(func.lower(User.email))),
                    ),
                )
            )
        )
        if noted
        else set()
    )
    quotes = rules.customer_quotes(quotes, ours)
    # SAVE-11, FUND-5: the value to re-demonstrate is what is favourable and true; the
    # rest is for the CSM to know, not to lead with.
    guarded = guard_value(
        {k: features.get(k) for k in rules.GUIDE_VALUE_FIGURES if features.get(k) is not None},
        policy,
    )
    context = rules.guide_context(
        account_name=account.name if account else plan.account_id,
        renewal_id=renewal.renewal_id,
        renewal_date=renewal.renewal_date,
        as_of=as_of,
        arr=renewal.current_arr,
        currency=renewal.currency,
        owner_name=_name(session, plan.owner_email),
        contacts=_contacts(session, plan.account_id, as_of, policy),
        items=items,
        quotes=sorted(quotes, key=lambda q: q.on, reverse=True),
        value=guarded.shown,
        value_brief=guarded.internal,
        health_score=health_score,
        root_cause=str(_effective(triage, "root_cause")),
        effort=plan.effort,
        window=plan.mode,
        alternatives=plan.alternatives,
        save=policy.save,
    )
    # Issue 22: the guide is the team's: it reads in the plan owner's language (else the
    # policy's web.language); the customers' own words stay as they wrote them.
    owner = session.get(User, plan.owner_email) if plan.owner_email else None
    return rules.render_template(
        rules.GUIDE_TEMPLATE,
        context,
        language=(owner.language if owner is not None else None) or policy.web.language,
        templates_dir=templates_dir,
        internal=True,
    )


def _contacts(session: Session, account_id: str, as_of: date, policy: Policy) -> list[str]:
    """Their people for the conversation: champion, decision makers, executives (STK-1)."""
    stakeholders = account_service.stakeholder_map_for(
        session, account_id, as_of=as_of, policy=policy
    )
    return [
        f"{entry.name} ({role_label(role)})"
        for role in GUIDE_CONTACT_ROLES
        for entry in stakeholders.by_role.get(role, [])
        if entry.active
    ]


def _name(session: Session, email: str | None) -> str | None:
    if not email:
        return None
    user = session.get(User, email)
    return user.name if user else email


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
