"""Concession use-cases: evaluate, request, route up the approval chain, decide, report.

Every function works in the caller's session and never commits. A decision is one
conditional UPDATE (`WHERE concession_id = :id AND version = :v AND status = 'pending'`):
when two approvers act on the same request at once, the database lets exactly one
of them change it; the other gets `AlreadyDecided` and its transaction writes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from renewals.account.models import Account
from renewals.audit import service as audit_service
from renewals.concession import domain
from renewals.concession import matrix as matrix_
from renewals.concession.domain import ConcessionFacts, Evaluation, Rationale
from renewals.concession.models import Concession, ConcessionStep
from renewals.db import rows_changed
from renewals.errors import Conflict, Forbidden, NotFound, RenewalsError
from renewals.kit.i18n import Text, joined
from renewals.kit.listing import Listing, RecordFilters, records_of
from renewals.kit.time import day_start, utc_now
from renewals.policy.domain import Concessions, Policy
from renewals.renewal import service as renewal_service
from renewals.renewal.models import Renewal
from renewals.save_plan import service as save_service
from renewals.save_plan.models import SavePlan, SaveProblem, SaveTriage
from renewals.user import access
from renewals.user.models import User

PENDING = "pending"
APPROVED = "approved"
DECLINED = "declined"
CLOSED_STAGES = ("closed_won", "closed_lost")
AUDIT_ACTIONS = {
    "requested": "concession.request",
    "forwarded": "concession.forward",
    "approved": "concession.approve",
    "declined": "concession.decline",
}


class ConcessionBlocked(RenewalsError):
    """The request breaks a blocking rule (CONC-3, CONC-4, CONC-6): it is not submitted."""

    def __init__(self, evaluation: Evaluation) -> None:
        self.evaluation = evaluation
        lines = "; ".join(f"{w.rule}: {w.text}" for w in evaluation.blocking)
        super().__init__(f"the concession cannot be submitted: {lines}", 422)


class AlreadyDecided(Conflict):
    def __init__(self, concession: Concession) -> None:
        self.concession = concession
        if concession.status != PENDING:
            when = (
                f" at {concession.decided_at:%Y-%m-%d %H:%M} UTC" if concession.decided_at else ""
            )
            message = (
                f"concession {concession.concession_id} was already decided by "
                f"{concession.decided_by} ({concession.status}{when})"
            )
        else:
            message = (
                f"concession {concession.concession_id} changed while you were deciding "
                f"(it now waits for {concession.next_approver_email}): read it again"
            )
        super().__init__(message)


# --- people ----------------------------------------------------------------------------


Route = matrix_.Route


def directory(session: Session) -> dict[str, matrix_.Person]:
    """The user directory routing walks (CONC-3): every user by lower-cased email."""
    return {
        u.email.lower(): matrix_.Person(u.email, u.role, bool(u.active), u.manager_email)
        for u in session.scalars(select(User))
    }


def route(
    session: Session,
    start: User,
    *,
    discount_pct: float,
    kinds: list[str],
    concessions: Concessions,
    exclude: tuple[str, ...] = (),
    sizes: dict[str, float] | None = None,
) -> Route:
    """CONC-3: `matrix.route` over the users (the first active person up the manager chain
    whose authority covers it, else the most junior active person who may)."""
    try:
        return matrix_.route(
            matrix_.ApprovalMatrix.of(concessions),
            matrix_.Person(start.email, start.role, bool(start.active), start.manager_email),
            directory(session),
            discount_pct=discount_pct,
            kinds=kinds,
            exclude=exclude,
            sizes=sizes,
        )
    except matrix_.NoApprover as exc:
        raise Conflict(
            f"no active user may approve {discount_pct:g}% ({', '.join(kinds)}): add an active "
            f"{exc.needed or 'approver'} to users.csv (CONC-3)"
        ) from None


# --- facts -----------------------------------------------------------------------------


def _problems_listed(session: Session, renewal_id: str) -> bool:
    found = session.scalar(
        select(func.count(SaveProblem.problem_id))
        .join(SavePlan, SavePlan.plan_id == SaveProblem.plan_id)
        .where(SavePlan.renewal_id == renewal_id)
    )
    return bool(found)


def _window(as_of: date, since_days: int) -> tuple[date, datetime, datetime]:
    start = as_of - timedelta(days=since_days)
    return start, day_start(start), day_start(as_of + timedelta(days=1))


def _approved_discounts(session: Session, as_of: date, since_days: int) -> list[Concession]:
    _, lo, hi = _window(as_of, since_days)
    return list(
        session.scalars(
            select(Concession)
            .where(
                Concession.status == APPROVED,
                Concession.discount_pct > 0,
                Concession.decided_at >= lo,
                Concession.decided_at < hi,
            )
            .order_by(Concession.concession_id)
        )
    )


def _population(session: Session, as_of: date, since_days: int) -> dict[str, tuple[str, str]]:
    """Renewals renewing since the window start (upcoming ones included): id -> (segment, owner)."""
    start, _, _ = _window(as_of, since_days)
    rows = session.execute(
        select(Renewal.renewal_id, Renewal.segment, Renewal.owner_email).where(
            Renewal.renewal_date >= start
        )
    )
    return {r.renewal_id: (r.segment, r.owner_email or "") for r in rows}


def segment_precedent(
    session: Session, segment: str, *, as_of: date, since_days: int = 365
) -> float | None:
    """CONC-7: the share of the segment's renewals with an approved discount in the window."""
    start, lo, hi = _window(as_of, since_days)
    renewals = set(
        session.scalars(
            select(Renewal.renewal_id).where(
                Renewal.segment == segment, Renewal.renewal_date >= start
            )
        )
    )
    discounted = set(
        session.scalars(
            select(Concession.renewal_id)
            .join(Renewal, Renewal.renewal_id == Concession.renewal_id)
            .where(
                Renewal.segment == segment,
                Concession.status == APPROVED,
                Concession.discount_pct > 0,
                Concession.decided_at >= lo,
                Concession.decided_at < hi,
            )
        )
    )
    total = len(renewals | discounted)
    return len(discounted) / total if total else None


@dataclass(frozen=True)
class Context:
    renewal: Renewal
    account: Account | None
    requester: User
    triage: SaveTriage | None
    severity: domain.SeverityDecision
    facts: ConcessionFacts
    as_of: date


def _context(
    session: Session, renewal_id: str, requested_by: str, policy: Policy, as_of: date
) -> Context:
    renewal = renewal_service.get(session, renewal_id)
    requester = access.require_active_user(session, requested_by)
    # Access before state (TECH-5): only someone who may change the account asks for it.
    access.require_edit(session, requester, renewal.account_id, policy.web)
    if renewal.stage in CLOSED_STAGES:
        raise Conflict(
            Text(
                "renewal {renewal} is {stage}: no concession any more",
                renewal=renewal_id,
                stage=renewal.stage,
            )
        )
    triage = save_service.find(session, renewal_id)
    account = session.get(Account, renewal.account_id)
    signals = set(renewal.signals or ())
    inputs = dict(triage.inputs or {}) if triage else {}
    # SIG-5 ("price is too high", "budget is tight") or a recorded missing budget say
    # the problem is about price; nothing in the data says it is not, so None otherwise.
    about_price = True if "budget" in signals or inputs.get("budget") == "none" else None
    understood = triage is not None and (
        triage.root_cause_confirmed
        or "root_cause" in (triage.overrides or {})
        or _problems_listed(session, renewal_id)
    )
    facts = ConcessionFacts(
        problems_about_price=about_price,
        root_cause=triage.root_cause if triage else None,
        days_to_renewal=(renewal.renewal_date - as_of).days,
        triage_present=triage is not None,
        problems_understood=understood,
        customer_committed_to_leave=inputs.get("alternative") == "chosen",
        precedent_share=segment_precedent(
            session,
            renewal.segment,
            as_of=as_of,
            since_days=policy.concessions.precedent.window_days,
        ),
        segment=renewal.segment,
        precedent_threshold=policy.concessions.precedent.share_warning,
        signals=tuple(sorted(signals)),
        strategic=bool(account.strategic) if account else False,
        arr=float(renewal.current_arr),
        churn_probability=_churn(triage, renewal)["churn_probability"],
    )
    severity = domain.risk_severity(
        renewal.health_category,
        renewal.risk,
        triage.probability_band if triage else None,
        opportunity_type=renewal.opportunity_type,
    )
    return Context(
        renewal=renewal,
        account=account,
        requester=requester,
        triage=triage,
        severity=severity,
        facts=facts,
        as_of=as_of,
    )


def _evaluate(
    ctx: Context,
    *,
    discount_pct: float,
    kinds: list[str],
    give_back: str | None,
    sunset_clause: str | None,
    rationale: Rationale | None,
    policy: Policy,
    multi_year_offer: bool = False,
    sizes: dict[str, float] | None = None,
) -> tuple[domain.ConcessionRequest, Evaluation]:
    request_ = domain.make_request(
        sizes=sizes,
        discount_pct=discount_pct,
        kinds=kinds,
        give_back=give_back,
        sunset_clause=sunset_clause,
        rationale=rationale,
        multi_year_offer=multi_year_offer,
    )
    evaluation = domain.evaluate(
        request_,
        requester_role=ctx.requester.role,
        severity=ctx.severity,
        policy=policy,
        facts=ctx.facts,
    )
    return request_, evaluation


def evaluate_for(
    session: Session,
    renewal_id: str,
    *,
    discount_pct: float,
    kinds: list[str],
    requested_by: str,
    give_back: str | None = None,
    sunset_clause: str | None = None,
    rationale: Rationale | None = None,
    policy: Policy,
    as_of: date | None = None,
    sizes: dict[str, float] | None = None,
) -> Evaluation:
    """Check a concession against CONC-1..10 for one renewal, without storing anything."""
    when = as_of or utc_now().date()
    ctx = _context(session, renewal_id, requested_by, policy, when)
    return _evaluate(
        ctx,
        discount_pct=discount_pct,
        kinds=kinds,
        give_back=give_back,
        sunset_clause=sunset_clause,
        rationale=rationale,
        policy=policy,
        sizes=sizes,
    )[1]


# --- documentation (CONC-6) and the trail ------------------------------------------------


def _documentation(concession: Concession) -> dict[str, Any]:
    """CONC-6: what every step of the trail carries."""
    return {
        "concession_id": concession.concession_id,
        "renewal_id": concession.renewal_id,
        "account_id": concession.account_id,
        "discount_pct": concession.discount_pct,
        "kinds": list(concession.kinds),
        "give_back": concession.give_back,
        "sunset_clause": concession.sunset_clause,
        "requested_by": concession.requested_by,
        "required_role": concession.required_role,
        "risk_severity": concession.risk_severity,
        "sizes": concession.sizes,  # CONC-8
        "clauses": list((concession.evaluation or {}).get("clauses") or []),
        **(concession.rationale or {}),
    }


def steps(session: Session, concession_id: int) -> list[ConcessionStep]:
    """Return the approval chain of a concession, oldest first."""
    return list(
        session.scalars(
            select(ConcessionStep)
            .where(ConcessionStep.concession_id == concession_id)
            .order_by(ConcessionStep.step_id)
        )
    )


def _step(
    session: Session,
    concession: Concession,
    *,
    actor: User,
    action: str,
    note: str,
    at: datetime,
    extra: dict[str, Any] | None = None,
) -> ConcessionStep:
    step = ConcessionStep(
        concession_id=concession.concession_id,
        actor_email=actor.email,
        actor_role=actor.role,
        action=action,
        at=at,
        note=note,
    )
    session.add(step)
    session.flush()
    chain = [
        {"actor": s.actor_email, "role": s.actor_role, "action": s.action, "at": s.at.isoformat()}
        for s in steps(session, concession.concession_id)
    ]
    audit_service.record(
        session,
        actor=actor.email,
        action=AUDIT_ACTIONS[action],
        entity="concession",
        entity_id=str(concession.concession_id),
        detail={
            **_documentation(concession),
            "actor_role": actor.role,
            "status": concession.status,
            "next_approver": concession.next_approver_email,
            "decided_by": concession.decided_by,
            "note": note,
            "approval_chain": chain,
            **(extra or {}),
        },
    )
    return step


# --- request -----------------------------------------------------------------------------


def _churn(triage: SaveTriage | None, renewal: Renewal) -> dict[str, Any]:
    if triage is not None:
        return {
            "save_probability": triage.success_rate,
            "churn_probability": round(1 - triage.success_rate, 4),
            "churn_probability_source": f"SAVE-2 triage ({triage.probability_band} band)",
        }
    if renewal.likelihood is not None:
        return {
            "save_probability": None,
            "churn_probability": round(1 - renewal.likelihood, 4),
            "churn_probability_source": "renewal likelihood",
        }
    return {"save_probability": None, "churn_probability": None, "churn_probability_source": None}


def request(
    session: Session,
    renewal_id: str,
    *,
    discount_pct: float,
    kinds: list[str],
    requested_by: str,
    give_back: str | None = None,
    sunset_clause: str | None = None,
    rationale: Rationale | None = None,
    policy: Policy,
    as_of: date | None = None,
    multi_year_offer: bool = False,
    sizes: dict[str, float] | None = None,
) -> Concession:
    """Store a concession request; approve it at once if the requester may (or policy
    pre-approves a proposal's standard MY-2 incentive, `multi_year_offer`), else route it.

    Refused (ConcessionBlocked) when a blocking rule fails: no give-back on a discount
    (CONC-4), missing CONC-6 documentation, or nobody in the matrix may approve (CONC-3).
    """
    now = utc_now()
    when = as_of or now.date()
    ctx = _context(session, renewal_id, requested_by, policy, when)
    request_, evaluation = _evaluate(
        ctx,
        discount_pct=discount_pct,
        kinds=kinds,
        give_back=give_back,
        sunset_clause=sunset_clause,
        rationale=rationale,
        policy=policy,
        multi_year_offer=multi_year_offer,
        sizes=sizes,
    )
    if evaluation.blocking:
        raise ConcessionBlocked(evaluation)
    assert evaluation.required_approver_role is not None  # a blocking CONC-3 warning otherwise
    renewal, requester, triage = ctx.renewal, ctx.requester, ctx.triage
    documentation = {
        **request_.rationale.as_record(),
        "account_arr": float(renewal.current_arr),
        "currency": renewal.currency,
        "segment": renewal.segment,
        "strategic": bool(ctx.account.strategic) if ctx.account else False,
        "value_tier": triage.value_tier if triage else None,
        "health_category": renewal.health_category,
        "risk": renewal.risk,
        "risk_factors": list(renewal.signals or ()),
        "root_cause": triage.root_cause if triage else None,
        **_churn(triage, renewal),
        # CONC-8: what each concession beyond price needs documented
        "documentation_needed": list(evaluation.documentation),
    }
    concession = Concession(
        renewal_id=renewal.renewal_id,
        account_id=renewal.account_id,
        kinds=list(evaluation.kinds),
        discount_pct=evaluation.discount_pct,
        requested_by=requester.email,
        requested_at=now,
        give_back=request_.give_back.value if request_.give_back else None,
        sunset_clause=request_.sunset_clause,
        rationale=documentation,
        risk_severity=ctx.severity.value.value,
        required_role=evaluation.required_approver_role,
        evaluation={
            **evaluation.as_record(),
            "sizes": dict(request_.sizes),
            "severity": ctx.severity.as_record(),
            "facts": {
                "as_of": when.isoformat(),
                "problems_about_price": ctx.facts.problems_about_price,
                "root_cause": ctx.facts.root_cause,
                "days_to_renewal": ctx.facts.days_to_renewal,
                "triage_present": ctx.facts.triage_present,
                "problems_understood": ctx.facts.problems_understood,
                "customer_committed_to_leave": ctx.facts.customer_committed_to_leave,
                "precedent_share": ctx.facts.precedent_share,
            },
        },
        status=PENDING,
        version=1,
    )
    session.add(concession)
    session.flush()
    if evaluation.allowed_for_requester:
        matrix = matrix_.ApprovalMatrix.of(policy.concessions)
        authority = evaluation.preapproved or (
            f"CONC-3: within own authority ({matrix.authority(requester.role)})"
        )
        _step(
            session,
            concession,
            actor=requester,
            action="requested",
            note="pre-approved by policy (MY-2)"
            if evaluation.preapproved
            else "within the requester's own authority (CONC-3)",
            at=now,
        )
        concession.status = APPROVED
        concession.decided_by, concession.decided_at = requester.email, now
        concession.version += 1
        session.flush()
        _step(
            session,
            concession,
            actor=requester,
            action="approved",
            note=authority,
            at=now,
            extra={"authority": authority},
        )
        return concession
    target = route(
        session,
        requester,
        discount_pct=concession.discount_pct,
        kinds=list(concession.kinds),
        concessions=policy.concessions,
        sizes=concession.sizes,
    )
    concession.next_approver_email = target.email
    session.flush()
    _step(
        session,
        concession,
        actor=requester,
        action="requested",
        note=target.note(),
        at=now,
        extra={"routed_via": target.via, "passed_over": list(target.skipped)},
    )
    return concession


# --- deciding ------------------------------------------------------------------------------


def get(session: Session, concession_id: int) -> Concession:
    concession = session.get(Concession, concession_id)
    if concession is None:
        raise NotFound(Text("no concession {id}", id=concession_id))
    return concession


def list_concessions(
    session: Session,
    *,
    status: str | None = None,
    approver: str | None = None,
    renewal_id: str | None = None,
    limit: int = 200,
) -> list[Concession]:
    """Return concessions, newest first; `approver` = those waiting for that person."""
    query = select(Concession).order_by(Concession.concession_id.desc()).limit(limit)
    if status:
        query = query.where(Concession.status == status)
    if approver:
        query = query.where(func.lower(Concession.next_approver_email) == approver.strip().lower())
    if renewal_id:
        query = query.where(Concession.renewal_id == renewal_id)
    return list(session.scalars(query))


def waiting_for(session: Session, email: str, *, limit: int) -> list[Concession]:
    """CONC-3: the pending concessions routed to this person for a decision, oldest first
    (the approvals inbox of the page and of the API)."""
    return list(
        session.scalars(
            select(Concession)
            .where(
                func.lower(Concession.next_approver_email) == email.strip().lower(),
                Concession.status == PENDING,
            )
            .order_by(Concession.requested_at, Concession.concession_id)
            .limit(limit)
        )
    )


def can_view(session: Session, concession: Concession, user: User, policy: Policy) -> bool:
    """Who may read a concession: its requester, approvers and people in its chain, and
    those who may see its account (TECH-5)."""
    involved = {concession.requested_by.lower(), (concession.next_approver_email or "").lower()}
    involved |= {s.actor_email.lower() for s in steps(session, concession.concession_id)}
    if user.email.lower() in involved:
        return True
    return access.can_view_account(session, user, concession.account_id, policy.web)


def require_view(session: Session, concession: Concession, user: User, policy: Policy) -> None:
    """Access before state (TECH-5): someone who may not see the concession gets 403 before
    anything about its state (a 409 would describe its decision)."""
    if not can_view(session, concession, user, policy):
        raise Forbidden(
            Text(
                "{email} may not see concession {id}",
                email=user.email,
                id=concession.concession_id,
            )
        )


def _decider(
    session: Session, concession_id: int, by: str, policy: Policy
) -> tuple[Concession, User]:
    """The concession and the person acting on it, access checked before its state."""
    concession = get(session, concession_id)
    user = access.require_active_user(session, by)
    require_view(session, concession, user, policy)
    _pending(concession)
    return concession, user


def _pending(concession: Concession) -> None:
    if concession.status != PENDING:
        raise AlreadyDecided(concession)


def _change(session: Session, concession: Concession, **values: Any) -> None:
    """Apply a decision only to the version read, only while pending (one winner)."""
    result = session.execute(
        update(Concession)
        .where(
            Concession.concession_id == concession.concession_id,
            Concession.version == concession.version,
            Concession.status == PENDING,
        )
        .values(version=Concession.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(concession)  # the winner's row when we lost, ours when we won
    if rows_changed(result) != 1:
        raise AlreadyDecided(concession)


def _is_next(concession: Concession, user: User) -> bool:
    return (concession.next_approver_email or "").lower() == user.email.lower()


def approve(
    session: Session, concession_id: int, *, by: str, note: str = "", policy: Policy
) -> Concession:
    """Approve a pending concession; only someone whose authority covers it may (CONC-3)."""
    concession, user = _decider(session, concession_id, by, policy)
    matrix = matrix_.ApprovalMatrix.of(policy.concessions)
    authority = matrix.authority(user.role)
    if not matrix.covers(user.role, concession.discount_pct, concession.kinds, concession.sizes):
        what = f"{concession.discount_pct:g}% ({', '.join(concession.kinds)})"
        if _is_next(concession, user):
            hint = Text("forward it to someone who may (`renewals concession forward`)")
        else:
            hint = Text("it waits for {email}", email=str(concession.next_approver_email))
        raise Forbidden(
            Text(
                "{email} ({authority}) may not approve {what}: it needs {role} (CONC-3); {hint}",
                email=user.email,
                authority=authority,
                what=what,
                role=concession.required_role,
                hint=hint,
            )
        )
    now = utc_now()
    _change(
        session,
        concession,
        status=APPROVED,
        decided_by=user.email,
        decided_at=now,
        next_approver_email=None,
    )
    _step(
        session,
        concession,
        actor=user,
        action="approved",
        note=note.strip(),
        at=now,
        extra={"authority": authority},
    )
    return concession


def decline(
    session: Session, concession_id: int, *, by: str, note: str, policy: Policy
) -> Concession:
    """Decline a pending concession: its next approver or anyone who could approve it may."""
    if not note.strip():
        raise RenewalsError(Text("say why the concession is declined (--note): CONC-6"))
    concession, user = _decider(session, concession_id, by, policy)
    matrix = matrix_.ApprovalMatrix.of(policy.concessions)
    if not (
        _is_next(concession, user)
        or matrix.covers(user.role, concession.discount_pct, concession.kinds, concession.sizes)
    ):
        raise Forbidden(
            Text(
                "{email} ({authority}) may not decide concession {id}: it waits for {next}",
                email=user.email,
                authority=matrix.authority(user.role),
                id=concession_id,
                next=str(concession.next_approver_email),
            )
        )
    now = utc_now()
    _change(
        session,
        concession,
        status=DECLINED,
        decided_by=user.email,
        decided_at=now,
        next_approver_email=None,
    )
    _step(session, concession, actor=user, action="declined", note=note.strip(), at=now)
    return concession


def forward(
    session: Session,
    concession_id: int,
    *,
    by: str,
    to: str | None = None,
    note: str = "",
    policy: Policy,
) -> Concession:
    """Pass a pending concession on: to `to`, or up `by`'s manager chain.

    Its next approver may forward it (also when they lack the authority), and so may
    anyone whose authority covers it. The new approver must be able to approve it.
    """
    concession, user = _decider(session, concession_id, by, policy)
    concessions = policy.concessions
    matrix = matrix_.ApprovalMatrix.of(concessions)
    kinds = list(concession.kinds)
    if not (
        _is_next(concession, user)
        or matrix.covers(user.role, concession.discount_pct, kinds, concession.sizes)
    ):
        raise Forbidden(
            Text(
                "{email} may not forward concession {id}: it waits for {next}",
                email=user.email,
                id=concession_id,
                next=str(concession.next_approver_email),
            )
        )
    if to:
        target_user = access.require_active_user(session, to)
        if not matrix.covers(target_user.role, concession.discount_pct, kinds, concession.sizes):
            raise Forbidden(
                f"{target_user.email} ({matrix.authority(target_user.role)}) "
                f"could not approve {concession.discount_pct:g}% ({', '.join(kinds)}): "
                f"forward it to a {concession.required_role} or above"
            )
        target = Route(target_user.email, target_user.role, "chain")
    else:
        target = route(
            session,
            user,
            discount_pct=concession.discount_pct,
            kinds=kinds,
            concessions=concessions,
            exclude=(concession.requested_by,),
            sizes=concession.sizes,
        )
    now = utc_now()
    _change(session, concession, next_approver_email=target.email)
    # the route in words, then the forwarder's own note as they wrote it
    text = joined([target.note(), note.strip()]) if note.strip() else target.note()
    _step(session, concession, actor=user, action="forwarded", note=text, at=now)
    return concession


# --- precedent (CONC-7) ----------------------------------------------------------------------


@dataclass
class GroupStats:
    key: str
    renewals: int = 0
    discounted: int = 0
    discounts: int = 0
    total_pct: float = 0.0

    @property
    def share(self) -> float:
        return self.discounted / self.renewals if self.renewals else 0.0

    @property
    def avg_discount_pct(self) -> float | None:
        return round(self.total_pct / self.discounts, 2) if self.discounts else None

    def as_record(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "renewals": self.renewals,
            "discounted": self.discounted,
            "share": round(self.share, 4),
            "discounts": self.discounts,
            "avg_discount_pct": self.avg_discount_pct,
        }


@dataclass
class PrecedentReport:
    as_of: date
    since: date
    renewals: int = 0
    discounted: int = 0
    discounts: int = 0
    avg_discount_pct: float | None = None
    by_segment: list[GroupStats] = field(default_factory=list)
    by_owner: list[GroupStats] = field(default_factory=list)
    without_give_back: list[dict[str, Any]] = field(default_factory=list)
    without_sunset: list[dict[str, Any]] = field(default_factory=list)
    flags: list[dict[str, str]] = field(default_factory=list)

    @property
    def share(self) -> float:
        return self.discounted / self.renewals if self.renewals else 0.0

    def as_record(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "since": self.since.isoformat(),
            "renewals": self.renewals,
            "discounted": self.discounted,
            "share": round(self.share, 4),
            "discounts": self.discounts,
            "avg_discount_pct": self.avg_discount_pct,
            "by_segment": [g.as_record() for g in self.by_segment],
            "by_owner": [g.as_record() for g in self.by_owner],
            "without_give_back": self.without_give_back,
            "without_sunset": self.without_sunset,
            "flags": self.flags,
        }


def precedent_report(
    session: Session, *, as_of: date, policy: Policy, since_days: int | None = None
) -> PrecedentReport:
    """CONC-7: how much and how often we discount, by segment and owner, and the patterns.

    Renewals counted: those renewing since the window start (upcoming ones included),
    plus any renewal with an approved discount in the window. A renewal is discounted
    when a concession with a discount above 0% was approved in the window. Owners are
    the people who requested the discounts; their renewals are those they own.
    """
    rules = policy.concessions.precedent
    since_days = since_days or rules.window_days
    start, _, _ = _window(as_of, since_days)
    report = PrecedentReport(as_of=as_of, since=start)
    population = _population(session, as_of, since_days)
    discounts = _approved_discounts(session, as_of, since_days)
    missing = {c.renewal_id for c in discounts} - population.keys()
    if missing:
        for r in session.execute(
            select(Renewal.renewal_id, Renewal.segment, Renewal.owner_email).where(
                Renewal.renewal_id.in_(missing)
            )
        ):
            population[r.renewal_id] = (r.segment, r.owner_email or "")

    segments: dict[str, GroupStats] = {}
    owners: dict[str, GroupStats] = {}

    def group(table: dict[str, GroupStats], key: str) -> GroupStats:
        return table.setdefault(key, GroupStats(key))

    for segment, owner in population.values():
        group(segments, segment).renewals += 1
        if owner:
            group(owners, owner.lower()).renewals += 1
    discounted_by_segment: dict[str, set[str]] = defaultdict(set)
    discounted_by_owner: dict[str, set[str]] = defaultdict(set)
    for c in discounts:
        segment = population[c.renewal_id][0]
        owner = c.requested_by.lower()
        for table, key in ((segments, segment), (owners, owner)):
            g = group(table, key)
            g.discounts += 1
            g.total_pct += c.discount_pct
        discounted_by_segment[segment].add(c.renewal_id)
        discounted_by_owner[owner].add(c.renewal_id)
        row = {
            "concession_id": c.concession_id,
            "renewal_id": c.renewal_id,
            "discount_pct": c.discount_pct,
            "requested_by": c.requested_by,
            "decided_by": c.decided_by,
        }
        if not c.give_back:
            report.without_give_back.append(row)
        if not c.sunset_clause:
            report.without_sunset.append(row)
    for key, ids in discounted_by_segment.items():
        segments[key].discounted = len(ids)
    for key, ids in discounted_by_owner.items():
        g = owners[key]
        g.discounted = len(ids)
        g.renewals = max(g.renewals, g.discounted)

    report.renewals = len(population)
    report.discounted = len({c.renewal_id for c in discounts})
    report.discounts = len(discounts)
    if discounts:
        report.avg_discount_pct = round(sum(c.discount_pct for c in discounts) / len(discounts), 2)
    report.by_segment = sorted(segments.values(), key=lambda g: g.key)
    report.by_owner = sorted(owners.values(), key=lambda g: (-g.share, g.key))

    for g in report.by_segment:
        if g.share > rules.share_warning:
            report.flags.append(
                {
                    "rule": "CONC-7",
                    "text": f"segment {g.key}: {g.share:.0%} of renewals discounted "
                    f"(above {rules.share_warning:.0%}): systematic discounting",
                }
            )
    for g in report.by_owner:
        if (
            g.renewals >= rules.pattern_min_renewals
            and g.share > report.share + rules.pattern_margin
        ):
            report.flags.append(
                {
                    "rule": "CONC-7",
                    "text": f"owner {g.key}: {g.share:.0%} of their renewals discounted vs "
                    f"{report.share:.0%} for the team (more than "
                    f"{rules.pattern_margin:.0%} above)",
                }
            )
    if report.without_give_back:
        report.flags.append(
            {
                "rule": "CONC-4",
                "text": f"{len(report.without_give_back)} approved discount(s) without a give-back",
            }
        )
    if report.without_sunset:
        report.flags.append(
            {
                "rule": "CONC-7",
                "text": f"{len(report.without_sunset)} approved discount(s) without a sunset clause",
            }
        )
    return report


# --- the concession list (issue 14): the API's list and the account page's concessions ---


def listing(
    scope: access.Scope, viewer_email: str, filters: RecordFilters, *, waiting_for_me: bool = False
) -> Listing:
    """Concessions on accounts the viewer may see (TECH-5) and those waiting for the viewer
    (CONC-3: an approver outside the account's team still sees what is routed to them;
    `waiting_for_me`: only those), newest first."""
    mine = func.lower(Concession.next_approver_email) == viewer_email.lower()
    shown = mine if waiting_for_me else or_(mine, access.visible(Concession.account_id, scope))
    stmt = records_of(
        select(Concession).where(shown),
        filters,
        Concession.status,
        Concession.renewal_id,
        Concession.account_id,
    )
    sortable = {
        "concession_id": Concession.concession_id,
        "discount_pct": Concession.discount_pct,
        "requested_at": Concession.requested_at,
    }
    newest = stmt.order_by(Concession.concession_id.desc())
    return Listing(newest, sortable, (Concession.concession_id,), scalars=True)
