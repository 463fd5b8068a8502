"""Escalation use-cases (ESC-1, ESC-2): suggest, brief, the protocol steps. Never commits.

One escalation per renewal (`Escalation.renewal_id` is unique): `suggest` creates a
row with status `suggested` for an open triage that meets ESC-1 and leaves any
existing row alone, so the daily run may repeat it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from renewals.account import service as account_service
from renewals.account.models import Account
from renewals.account.stakeholders import StakeholderMap, role_label
from renewals.audit import service as audit
from renewals.concession import service as concession_service
from renewals.contract.models import Contract
from renewals.db import insert_rows
from renewals.errors import Forbidden, NotFound, RenewalsError
from renewals.escalation import domain
from renewals.escalation.domain import EscalationDecision, EscalationFacts, EscalationStatus
from renewals.kit.batches import chunks
from renewals.kit.i18n import Text
from renewals.kit.time import utc_now
from renewals.policy.domain import Policy
from renewals.renewal import service as renewal_service
from renewals.renewal.models import Renewal
from renewals.save_plan import plan as plan_rules
from renewals.save_plan import plan_service
from renewals.save_plan.models import Escalation, SavePlan, SaveProblem, SaveTriage
from renewals.signal import service as signal_service
from renewals.user import access
from renewals.user import service as user_service
from renewals.user.models import User

BRIEF_TEMPLATE = "escalation/brief"
THEIR_ROLES = ("executive", "decision_maker", "economic_buyer", "champion")
GOAL_ROLES = ("executive", "decision_maker", "economic_buyer")  # the peers to win over


class EscalationError(RenewalsError):
    def __init__(self, message: str, status_code: int = 409) -> None:
        super().__init__(message, status_code)


@dataclass
class SuggestReport:
    created: int = 0
    existing: int = 0
    not_needed: int = 0
    by_criterion: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Brief:
    escalation: Escalation
    markdown: str
    html: str


# --- ESC-1 -----------------------------------------------------------------------------


def _facts(
    *,
    arr: Decimal,
    currency: str,
    strategic: bool,
    effort: str,
    plan: tuple[date, str, str] | None,
    open_deal_breakers: int,
    stakeholders: StakeholderMap | None,
    kinds: Collection[str],
) -> EscalationFacts:
    """ESC-1's facts from plain values; `plan` is the save plan's (started_on, effort, status)."""
    active = plan is not None and plan[2] == "active"
    contacts = tuple(
        entry.describe()
        for role in domain.EXECUTIVE_ROLES
        for entry in (stakeholders.by_role.get(role, []) if stakeholders else [])
        if entry.engaged
    )
    return EscalationFacts(
        arr=Decimal(arr),
        currency=currency,
        strategic=bool(strategic),
        effort=effort,
        plan_started_on=plan[0] if plan is not None and active else None,
        plan_effort=plan[1] if plan is not None else None,
        open_deal_breakers=open_deal_breakers if active else 0,
        executive_contacts=contacts,
        executive_signals=tuple(k for k in domain.EXECUTIVE_LEVEL_KINDS if k in kinds),
    )


def facts_for(
    session: Session, triage: SaveTriage, *, as_of: date, policy: Policy
) -> EscalationFacts:
    """Gather what ESC-1 looks at for one triaged renewal."""
    renewal = renewal_service.get(session, triage.renewal_id)
    account = session.get(Account, triage.account_id)
    plan = plan_service.find_plan(session, triage.renewal_id)
    open_deal_breakers = 0
    if plan is not None and plan.status == "active":
        open_deal_breakers = sum(
            1
            for p in plan_service.problems_of(session, plan)
            if p.deal_breaker and p.status not in plan_rules.ProblemStatus.resolved()
        )
    kinds = {
        s.kind
        for s in signal_service.active_signals(session, policy, triage.account_id, as_of=as_of)
    }
    return _facts(
        arr=Decimal(renewal.current_arr),
        currency=renewal.currency,
        strategic=bool(account and account.strategic),
        effort=str(_effective(triage, "effort")),
        plan=(plan.started_on, plan.effort, plan.status) if plan else None,
        open_deal_breakers=open_deal_breakers,
        stakeholders=_stakeholders(session, triage.account_id, as_of, policy),
        kinds=kinds,
    )


def evaluate(
    session: Session, renewal_id: str, *, as_of: date, policy: Policy
) -> EscalationDecision:
    """ESC-1 for one renewal, with its reasons."""
    triage = _triage(session, renewal_id)
    facts = facts_for(session, triage, as_of=as_of, policy=policy)
    return domain.should_escalate(
        facts, as_of=as_of, escalation=policy.escalation, save=policy.save
    )


@dataclass(frozen=True)
class _Candidate:
    renewal_id: str
    account_id: str
    effort: str
    arr: Decimal
    currency: str
    strategic: bool


# One query per fact for this many renewals at a time (IN lists stay short on both databases).
SUGGEST_CHUNK = 1000


def suggest(session: Session, *, as_of: date, policy: Policy) -> SuggestReport:
    """Suggest an escalation for every open triage that meets ESC-1 (once per renewal).

    Set-based (issue 20): the open triages come in one query; those that pass ESC-1's
    necessary conditions (`domain.could_escalate`) get their facts gathered one query per
    fact per chunk (plans, open deal-breakers, stakeholders, signals in force), ESC-1
    decides on plain values (`domain.should_escalate`), and the suggestions and their
    audit events are written with one multi-row INSERT each."""
    report = SuggestReport()
    existing = set(session.scalars(select(Escalation.renewal_id)))
    rows = session.execute(
        select(
            SaveTriage.renewal_id,
            SaveTriage.account_id,
            SaveTriage.effort,
            SaveTriage.overrides,
            Renewal.current_arr,
            Renewal.currency,
            Account.strategic,
        )
        .join(Renewal, Renewal.renewal_id == SaveTriage.renewal_id)
        .join(Account, Account.account_id == SaveTriage.account_id)
        .where(SaveTriage.status == "open")
        .order_by(SaveTriage.renewal_id)
    ).all()
    candidates: list[_Candidate] = []
    for renewal_id, account_id, effort, overrides, arr, currency, strategic in rows:
        if renewal_id in existing:
            report.existing += 1
            continue
        effective = str(_overridden(overrides, "effort", effort))
        if not domain.could_escalate(
            arr=Decimal(arr),
            strategic=bool(strategic),
            effort=effective,
            escalation=policy.escalation,
        ):
            report.not_needed += 1  # ESC-1's value or effort condition fails: nothing to gather
            continue
        candidates.append(
            _Candidate(renewal_id, account_id, effective, Decimal(arr), currency, bool(strategic))
        )
    escalations: list[dict[str, Any]] = []
    audits: list[dict[str, Any]] = []
    for chunk in chunks(candidates, SUGGEST_CHUNK):
        renewal_ids = [c.renewal_id for c in chunk]
        account_ids = sorted({c.account_id for c in chunk})
        plans = _plans(session, renewal_ids)
        breakers = _open_deal_breakers(session, renewal_ids)
        maps = account_service.stakeholder_maps_for(
            session, account_ids, as_of=as_of, policy=policy
        )
        kinds = signal_service.active_kinds(session, policy, as_of=as_of, accounts=account_ids)
        for c in chunk:
            facts = _facts(
                arr=c.arr,
                currency=c.currency,
                strategic=c.strategic,
                effort=c.effort,
                plan=plans.get(c.renewal_id),
                open_deal_breakers=breakers.get(c.renewal_id, 0),
                stakeholders=maps.get(c.account_id),
                kinds=kinds.get(c.account_id, ()),
            )
            decision = domain.should_escalate(
                facts, as_of=as_of, escalation=policy.escalation, save=policy.save
            )
            if not decision.escalate:
                report.not_needed += 1
                continue
            escalations.append(
                {
                    "renewal_id": c.renewal_id,
                    "account_id": c.account_id,
                    "suggested_on": as_of,
                    "reasons": decision.reasons,
                    "status": EscalationStatus.suggested.value,
                    "steps": [],
                    "brief": "",
                }
            )
            audits.append(
                audit.event_row(
                    actor="system",
                    action="escalation.suggest",
                    entity="escalation",
                    entity_id=c.renewal_id,
                    detail={"as_of": as_of.isoformat(), **decision.as_record()},
                )
            )
            report.created += 1
            report.by_criterion.update(k for k, met in decision.criteria.items() if met)
    if escalations:
        insert_rows(session, Escalation, escalations)
        audit.record_many(session, audits)
    session.flush()
    return report


def _plans(session: Session, renewal_ids: list[str]) -> dict[str, tuple[date, str, str]]:
    """Each renewal's save plan as (started_on, effort, status) (one plan per renewal)."""
    rows = session.execute(
        select(SavePlan.renewal_id, SavePlan.started_on, SavePlan.effort, SavePlan.status).where(
            SavePlan.renewal_id.in_(renewal_ids)
        )
    )
    return {renewal_id: (started, effort, status) for renewal_id, started, effort, status in rows}


def _open_deal_breakers(session: Session, renewal_ids: list[str]) -> dict[str, int]:
    """Deal-breakers not yet done, verified or dropped, per renewal with a save plan."""
    resolved = [s.value for s in plan_rules.ProblemStatus.resolved()]
    rows = session.execute(
        select(SavePlan.renewal_id, func.count())
        .join(SaveProblem, SaveProblem.plan_id == SavePlan.plan_id)
        .where(
            SavePlan.renewal_id.in_(renewal_ids),
            SaveProblem.deal_breaker.is_(True),
            SaveProblem.status.not_in(resolved),
        )
        .group_by(SavePlan.renewal_id)
    )
    return {renewal_id: int(n) for renewal_id, n in rows}


# --- reading -------------------------------------------------------------------------


def get(session: Session, renewal_id: str) -> Escalation:
    row = _find(session, renewal_id)
    if row is None:
        command = "`renewals escalation brief " + renewal_id + " --by EMAIL`"
        raise NotFound(
            Text(
                "no escalation for {renewal}: `renewals run` suggests them (ESC-1), or prepare "
                "one with {command}",
                renewal=renewal_id,
                command=command,
            )
        )
    return row


def list_escalations(
    session: Session, *, status: str | None = None, include_ended: bool = False
) -> list[tuple[Escalation, Renewal]]:
    """Escalations with their renewals, soonest renewal first."""
    query = select(Escalation, Renewal).join(Renewal, Renewal.renewal_id == Escalation.renewal_id)
    if status:
        query = query.where(Escalation.status == status)
    elif not include_ended:
        query = query.where(Escalation.status.in_([s.value for s in EscalationStatus.active()]))
    query = query.order_by(Renewal.renewal_date, Escalation.renewal_id)
    return [(e, r) for e, r in session.execute(query)]


# --- ESC-2 ---------------------------------------------------------------------------


def brief(
    session: Session,
    renewal_id: str,
    *,
    by: str,
    as_of: date,
    policy: Policy,
    goal: str | None = None,
    templates_dir: Path | None = None,
) -> Brief:
    """ESC-2 step 1: write the executive brief (Markdown, stored; HTML, returned).

    A renewal without a suggested escalation gets one here (the CSM asked for it); the
    ESC-1 reasons are recorded all the same, so everyone sees whether it qualified.
    """
    _check_user(session, by)
    triage = _triage(session, renewal_id)
    row = _find(session, renewal_id)
    if row is None:
        decision = evaluate(session, renewal_id, as_of=as_of, policy=policy)
        row = Escalation(
            renewal_id=renewal_id,
            account_id=triage.account_id,
            suggested_on=as_of,
            reasons=[*decision.reasons, f"requested by {by}"],
            status=EscalationStatus.suggested,
            steps=[],
            brief="",
        )
        session.add(row)
        session.flush()
    if row.status in (EscalationStatus.closed, EscalationStatus.declined):
        raise EscalationError(
            Text("the escalation of {renewal} is {status}", renewal=renewal_id, status=row.status)
        )
    if goal is not None:
        if not goal.strip():
            raise EscalationError(
                Text("the goal must say what the executive's involvement is for"), 422
            )
        row.goal = goal.strip()
    context = brief_context(session, row, triage, as_of=as_of, policy=policy)
    row.goal = context["goal"]
    # Issue 22: the brief is internal: it reads in its reader's language (the executive's,
    # else the owner's, else the policy's web.language), from the one English template.
    owner = renewal_service.get(session, row.renewal_id).owner_email
    language = _reader_language(session, row.executive_email, owner, policy)
    markdown = plan_rules.render_template(
        BRIEF_TEMPLATE, context, language=language, templates_dir=templates_dir, internal=True
    )
    html = plan_rules.render_template(
        BRIEF_TEMPLATE,
        context,
        language=language,
        templates_dir=templates_dir,
        suffix=".html.j2",
        internal=True,
    )
    row.brief = markdown
    audit.record(
        session,
        actor=by,
        action="escalation.brief",
        entity="escalation",
        entity_id=renewal_id,
        detail={"as_of": as_of.isoformat(), "goal": row.goal},
    )
    session.flush()
    return Brief(row, markdown, html)


def advance_step(
    session: Session,
    renewal_id: str,
    step: int,
    *,
    by: str,
    on: date,
    policy: Policy,
    note: str = "",
    executive_email: str | None = None,
    templates_dir: Path | None = None,
) -> Escalation:
    """ESC-2: record protocol step 1-4 (in order) with who and when.

    1 brief: writes the brief if there is none yet; 2 engaged: needs the executive
    (`executive_email`, an active user); 3 follow-through and 4 thank-and-learn need
    a note (what was committed and followed up; what was learned).
    """
    row = get(session, renewal_id)
    user = _check_user(session, by)
    why_not = domain.check_next_step(row.status, step)
    if why_not:
        raise EscalationError(Text("{renewal}: {why}", renewal=renewal_id, why=why_not))
    protocol = domain.STEPS[step - 1]
    if protocol.needs_note and not note.strip():
        what = (
            Text("what was committed and how the executive is kept updated")
            if step == 3
            else Text("what was learned")
        )
        raise EscalationError(
            Text(
                "step {step} ({title}) needs a note: {what}",
                step=step,
                title=protocol.title,
                what=what,
            ),
            422,
        )
    if step == 1 and not row.brief:
        brief(session, renewal_id, by=by, as_of=on, policy=policy, templates_dir=templates_dir)
    if step == 2:
        email = executive_email or row.executive_email
        if not email:
            raise EscalationError(
                Text("step 2 (executive engages) needs the executive: --executive EMAIL"), 422
            )
        executive = _check_user(session, email)
        row.executive_email = executive.email
    elif executive_email:
        row.executive_email = _check_user(session, executive_email).email
    entry: dict[str, int | str | None] = {
        "step": step,
        "status": protocol.status.value,
        "title": protocol.title,
        "by": user.email,
        "on": on.isoformat(),
        "at": utc_now().isoformat(timespec="seconds"),
        "note": note.strip(),
    }
    if step == 2:
        entry["executive"] = row.executive_email
    row.steps = [*(row.steps or []), entry]  # a new list: JSON columns are not mutation-tracked
    before = row.status
    row.status = protocol.status
    audit.record(
        session,
        actor=by,
        action="escalation.step",
        entity="escalation",
        entity_id=renewal_id,
        detail={"from": before, **entry},
    )
    session.flush()
    return row


def decline(session: Session, renewal_id: str, *, by: str, on: date, reason: str) -> Escalation:
    """Decline a suggested (or briefed) escalation, with the reason."""
    row = get(session, renewal_id)
    _check_user(session, by)
    if row.status not in (EscalationStatus.suggested, EscalationStatus.brief):
        raise EscalationError(
            Text(
                "{renewal}: only a suggested or briefed escalation can be declined ({status})",
                renewal=renewal_id,
                status=row.status,
            )
        )
    if not reason.strip():
        raise EscalationError(Text("declining needs a reason"), 422)
    before = row.status
    row.status = EscalationStatus.declined
    row.steps = [
        *(row.steps or []),
        {"step": 0, "status": "declined", "by": by, "on": on.isoformat(), "note": reason.strip()},
    ]
    audit.record(
        session,
        actor=by,
        action="escalation.decline",
        entity="escalation",
        entity_id=renewal_id,
        detail={"from": before, "reason": reason.strip(), "on": on.isoformat()},
    )
    session.flush()
    return row


def brief_context(
    session: Session, row: Escalation, triage: SaveTriage, *, as_of: date, policy: Policy
) -> dict[str, Any]:
    """ESC-2 step 1 facts: history, problems, plan, goal, talking points, timing."""
    renewal = renewal_service.get(session, row.renewal_id)
    account = session.get(Account, row.account_id)
    contracts = session.scalars(
        select(Contract)
        .where(Contract.account_id == row.account_id)
        .order_by(Contract.start_date, Contract.contract_id)
    ).all()
    customer_since = (account.customer_since if account else None) or (
        contracts[0].start_date if contracts else None
    )
    years = None if customer_since is None else _whole_years(customer_since, as_of)
    closed = [c for c in contracts if c.outcome]
    outcomes = Counter(c.outcome for c in closed)
    plan = plan_service.find_plan(session, row.renewal_id)
    problems: list[SaveProblem] = plan_service.problems_of(session, plan) if plan else []
    problem_rows = [
        {
            "id": p.problem_id,
            "description": p.description,
            "problem": plan_service.words_of(p),  # read in the brief's language (issue 22)
            "deal_breaker": p.deal_breaker,
            "fixable": p.fixable,
            "status": p.status,
            "fix": p.fix,
            "owner": _name(session, p.owner_email),
            "due": p.due_date.isoformat() if p.due_date else None,
            "verified_on": p.verified_on.isoformat() if p.verified_on else None,
        }
        for p in problems
        if p.status != plan_rules.ProblemStatus.dropped
    ]
    stakeholders = _stakeholders(session, row.account_id, as_of, policy)
    their_people = [
        entry.describe()
        for role in THEIR_ROLES
        for entry in (stakeholders.by_role.get(role, []) if stakeholders else [])
        if entry.active
    ]
    kinds = {
        s.kind for s in signal_service.active_signals(session, policy, row.account_id, as_of=as_of)
    }
    executive_signals = [k for k in domain.EXECUTIVE_LEVEL_KINDS if k in kinds]
    arr_text = f"{renewal.current_arr:,.0f} {renewal.currency}"
    peers = [
        f"{entry.name} ({role_label(role)})"
        for role in GOAL_ROLES
        for entry in (stakeholders.by_role.get(role, []) if stakeholders else [])
        if entry.active
    ]
    goal = row.goal or domain.default_goal(
        their_people=peers,
        arr_text=arr_text,
        renewal_date=renewal.renewal_date,
        executive_signals=executive_signals,
    )
    concessions = _concessions(session, row.renewal_id)
    approved = [c["text"] for c in concessions if c["status"] == "approved"]
    window = str(_effective(triage, "time_window"))
    return {
        "account_name": account.name if account else row.account_id,
        "account_id": row.account_id,
        "industry": account.industry if account else None,
        "strategic": bool(account and account.strategic),
        "renewal_id": row.renewal_id,
        "segment": renewal.segment,
        "arr": renewal.current_arr,
        "currency": renewal.currency,
        "customer_since": customer_since,
        "years": years,
        "history": [
            {
                "contract_id": c.contract_id,
                "start": c.start_date,
                "end": c.end_date,
                "arr": c.arr,
                "currency": c.currency,
                "outcome": c.outcome,
                "outcome_arr": c.outcome_arr,
            }
            for c in contracts
        ],
        "renewals_done": len(closed),
        "outcomes": ", ".join(f"{n} {o}" for o, n in sorted(outcomes.items())),
        "health_score": renewal.health_score,
        "health_category": renewal.health_category,
        "signals": sorted(kinds),
        "renewal_date": renewal.renewal_date,
        "days_to_renewal": (renewal.renewal_date - as_of).days,
        "as_of": as_of,
        "triage": {
            "probability_band": _effective(triage, "probability_band"),
            "success_rate": triage.success_rate,
            "value_tier": _effective(triage, "value_tier"),
            "root_cause": plan_rules.ROOT_CAUSE_LABELS.get(
                str(_effective(triage, "root_cause")), str(_effective(triage, "root_cause"))
            ),
            "effort": _effective(triage, "effort"),
            "window": window,
        },
        "problems": problem_rows,
        "plan": _plan_record(plan),
        "goal": goal,
        "talking_points": domain.talking_points(
            account_name=account.name if account else row.account_id,
            customer_since=customer_since,
            years=years,
            problems=problem_rows,
            approved_concessions=approved,
            goal=goal,
        ),
        "engage_by": domain.engage_by(
            as_of=as_of,
            renewal_date=renewal.renewal_date,
            window=window,
            within={str(k): v for k, v in policy.escalation.engage_within_days.items()},
        ),
        "reasons": list(row.reasons or []),
        "owner_name": _name(session, renewal.owner_email),
        "owner_email": renewal.owner_email,
        "executive_name": _name(session, row.executive_email),
        "their_people": their_people,
        "concessions": concessions,
        "protocol": [
            {
                "number": s.number,
                "title": s.title,
                "done": domain.current_step(row.status) >= s.number,
            }
            for s in domain.STEPS
        ],
    }


# --- helpers ---------------------------------------------------------------------------


def _reader_language(
    session: Session, executive: str | None, owner: str | None, policy: Policy
) -> str:
    """The language of the first of these people who set one, else the policy's."""
    for email in (executive, owner):
        if not email:
            continue
        try:
            user = user_service.get_user(session, email)
        except NotFound:
            continue
        if user.language:
            return str(user.language)
    return policy.web.language


def _find(session: Session, renewal_id: str) -> Escalation | None:
    return session.scalars(select(Escalation).where(Escalation.renewal_id == renewal_id)).first()


def _triage(session: Session, renewal_id: str) -> SaveTriage:
    renewal_service.get(session, renewal_id)
    triage = session.get(SaveTriage, renewal_id)
    if triage is None:
        raise EscalationError(
            Text("{renewal}: {why}", renewal=renewal_id, why=plan_service.NO_TRIAGE)
        )
    return triage


def _effective(triage: SaveTriage, name: str) -> Any:
    return _overridden(triage.overrides, name, getattr(triage, name))


def _overridden(overrides: dict[str, Any] | None, name: str, value: Any) -> Any:
    """A triage field as the team overrode it (SAVE-5), else as triaged."""
    override = (overrides or {}).get(name)
    if isinstance(override, dict) and override.get("value") is not None:
        return override["value"]
    return value


def _stakeholders(
    session: Session, account_id: str, as_of: date, policy: Policy
) -> StakeholderMap | None:
    try:
        return account_service.stakeholder_map_for(session, account_id, as_of=as_of, policy=policy)
    except NotFound:
        return None


def _check_user(session: Session, email: str) -> User:
    try:
        return access.require_active_user(session, email)
    except Forbidden as exc:
        raise EscalationError(exc.message, 403) from None


def _name(session: Session, email: str | None) -> str | None:
    if not email:
        return None
    user = session.get(User, email)
    return user.name if user else email


def _whole_years(since: date, as_of: date) -> int:
    years = as_of.year - since.year - ((as_of.month, as_of.day) < (since.month, since.day))
    return max(years, 0)


def _plan_record(plan: SavePlan | None) -> dict[str, Any] | None:
    if plan is None:
        return None
    return {
        "started_on": plan.started_on,
        "effort": plan.effort,
        "mode": plan.mode,
        "fast_fix": plan.fast_fix,
        "status": plan.status,
        "effort_hours": plan.effort_hours,
        "tactics": [t for t in plan.tactics or [] if not t.get("done")],
    }


def _concessions(session: Session, renewal_id: str) -> list[dict[str, Any]]:
    """Approved and pending concessions: only approved ones may be offered (ESC-2, CONC-3)."""
    rows = concession_service.list_concessions(session, renewal_id=renewal_id)
    found = []
    for c in sorted(rows, key=lambda c: c.concession_id):
        if c.status not in ("approved", "pending"):
            continue
        parts = [k.replace("_", " ") for k in c.kinds or [] if k != "discount"]
        if c.discount_pct:
            parts.append(f"{c.discount_pct:g}% discount")
        text = ", ".join(dict.fromkeys(parts)) or "concession"
        if c.status == "approved" and c.decided_by:
            text += f" (approved by {c.decided_by})"
        found.append({"id": c.concession_id, "text": text, "status": c.status})
    return found
