"""Proposal use-cases: the wins log (FUND-5), ROI inputs (ROI-1) and proposals (TECH-3).

Load the account's facts -> domain rules -> persist, in the caller's session (never
commits). A proposal whose chosen option carries a discount requests it through the
concession approval chain (CONC-3): approved at once within the requester's authority,
otherwise the proposal waits as `needs_approval` until the concession is decided.
Every change is written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from renewals.account.models import Account, Goal
from renewals.audit import service as audit_service
from renewals.concession import service as concession_service
from renewals.concession.domain import Rationale
from renewals.concession.models import Concession
from renewals.config import Settings, require_vendor
from renewals.contract.models import Contract
from renewals.engagement.models import SurveyResponse, Ticket
from renewals.errors import NotFound, RenewalsError
from renewals.health.models import HealthSnapshot
from renewals.kit import pdf as kit_pdf
from renewals.kit.i18n import Text
from renewals.kit.listing import Listing, RecordFilters, records_of
from renewals.kit.time import as_utc, day_start, utc_now
from renewals.policy.domain import Policy
from renewals.proposal import documents, domain
from renewals.proposal.models import Proposal, RoiInputs, ValueMoment
from renewals.renewal import service as renewal_service
from renewals.renewal.models import Renewal
from renewals.user import access
from renewals.user.models import User

CLOSED_STAGES = ("closed_won", "closed_lost")
OPEN_STATUSES = ("draft", "needs_approval", "ready")


class ProposalInputError(RenewalsError):
    def __init__(self, message: str) -> None:
        super().__init__(message, 422)


# --- people and accounts ---------------------------------------------------------------


def active_user(session: Session, email: str | None) -> User:
    if not email or not email.strip():
        raise ProposalInputError(Text("say who does this: --by EMAIL (an active user)"))
    return access.require_active_user(session, email)


def get_account(session: Session, account_id: str) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(Text("no account {id}", id=repr(account_id)))
    return account


# --- wins log (FUND-5) -------------------------------------------------------------------------


def _amount(
    value: Decimal | float | str | None, name: str, *, positive: bool = False
) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ProposalInputError(
            Text("{name} must be a number, got {value}", name=name, value=repr(value))
        ) from None
    if not number.is_finite() or number < 0 or (positive and number == 0):
        raise ProposalInputError(
            Text("{name} must be above 0, got {value}", name=name, value=str(value))
            if positive
            else Text("{name} must be at least 0, got {value}", name=name, value=str(value))
        )
    return domain.money(number)


def add_win(
    session: Session,
    account_id: str,
    *,
    on: date,
    title: str,
    by: str,
    as_of: date,
    detail: str = "",
    hours_saved: float | None = None,
    revenue: Decimal | float | str | None = None,
) -> ValueMoment:
    """Record a dated value moment on the account (FUND-5)."""
    get_account(session, account_id)
    user = active_user(session, by)
    if not title.strip():
        raise ProposalInputError(
            Text("a win needs a title (--title), e.g. 'Migrated 10,000 records'")
        )
    if len(title.strip()) > 300:
        raise ProposalInputError(
            Text("the title is longer than 300 characters: put the rest in --detail")
        )
    if on > as_of:
        raise ProposalInputError(
            Text(
                "a win is something that happened: {on} is after {as_of}",
                on=str(on),
                as_of=str(as_of),
            )
        )
    if hours_saved is not None and not (0 <= hours_saved < 1e7):
        raise ProposalInputError(
            Text("--hours-saved must be at least 0, got {hours:g}", hours=hours_saved)
        )
    win = ValueMoment(
        account_id=account_id,
        on=on,
        title=title.strip(),
        detail=detail.strip(),
        hours_saved=hours_saved,
        revenue=_amount(revenue, "--revenue"),
        recorded_by=user.email,
        recorded_at=utc_now(),
    )
    session.add(win)
    session.flush()
    audit_service.record(
        session,
        actor=user.email,
        action="wins.add",
        entity="value_moment",
        entity_id=str(win.id),
        detail={
            "account_id": account_id,
            "on": on.isoformat(),
            "title": win.title,
            "hours_saved": hours_saved,
            "revenue": None if win.revenue is None else str(win.revenue),
            "rule": "FUND-5",
        },
    )
    return win


def list_wins(session: Session, account_id: str) -> list[ValueMoment]:
    """Return the account's wins, oldest first."""
    get_account(session, account_id)
    return list(
        session.scalars(
            select(ValueMoment)
            .where(ValueMoment.account_id == account_id)
            .order_by(ValueMoment.on, ValueMoment.id)
        )
    )


# --- ROI inputs (ROI-1) --------------------------------------------------------------------------


ROI_FIELDS = (
    "hours_saved_per_week",
    "loaded_hourly_rate",
    "revenue_generated",
    "losses_prevented",
    "qualitative",
    "source",
)


def get_roi(session: Session, account_id: str) -> RoiInputs | None:
    get_account(session, account_id)
    return session.get(RoiInputs, account_id)


def _roi_record(row: RoiInputs | None) -> dict[str, Any]:
    if row is None:
        return {}
    out: dict[str, Any] = {}
    for name in ROI_FIELDS:
        value = getattr(row, name)
        out[name] = str(value) if isinstance(value, Decimal) else value
    return out


def set_roi(
    session: Session,
    account_id: str,
    *,
    by: str,
    hours_saved_per_week: float | None = None,
    loaded_hourly_rate: Decimal | float | str | None = None,
    revenue_generated: Decimal | float | str | None = None,
    losses_prevented: Decimal | float | str | None = None,
    qualitative: str | None = None,
    source: str | None = None,
) -> RoiInputs:
    """Set the account's ROI inputs (ROI-1); only the values given change."""
    get_account(session, account_id)
    user = active_user(session, by)
    if hours_saved_per_week is not None and not (0 <= hours_saved_per_week <= 168):
        raise ProposalInputError(
            Text(
                "--hours-per-week must lie within 0-168 (hours in a week), got {hours:g}",
                hours=hours_saved_per_week,
            )
        )
    values: dict[str, Any] = {
        "hours_saved_per_week": hours_saved_per_week,
        "loaded_hourly_rate": _amount(loaded_hourly_rate, "--rate", positive=True),
        "revenue_generated": _amount(revenue_generated, "--revenue"),
        "losses_prevented": _amount(losses_prevented, "--losses-prevented"),
        "qualitative": qualitative.strip() if qualitative is not None else None,
        "source": source.strip() if source is not None else None,
    }
    given = {k: v for k, v in values.items() if v is not None}
    if not given:
        raise ProposalInputError(
            Text(
                "nothing to set: give --hours-per-week, --rate, --revenue, --losses-prevented, "
                "--note or --source"
            )
        )
    row = session.get(RoiInputs, account_id)
    before = _roi_record(row)
    if row is None:
        row = RoiInputs(account_id=account_id, qualitative="", source="")
        session.add(row)
    for name, value in given.items():
        setattr(row, name, value)
    row.updated_by, row.updated_at = user.email, utc_now()
    session.flush()
    audit_service.record(
        session,
        actor=user.email,
        action="roi.set",
        entity="roi_inputs",
        entity_id=account_id,
        detail={"before": before, "after": _roi_record(row), "rule": "ROI-1"},
    )
    return row


# --- facts for the rules ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    renewal: Renewal
    account: Account
    contract: Contract
    value: domain.ValueInputs
    pricing: domain.PricingInputs


def _snapshot(
    session: Session, account_id: str, start: date, end: date, *, first: bool
) -> HealthSnapshot | None:
    order = HealthSnapshot.as_of.asc() if first else HealthSnapshot.as_of.desc()
    return session.scalars(
        select(HealthSnapshot)
        .where(
            HealthSnapshot.account_id == account_id,
            HealthSnapshot.as_of >= start,
            HealthSnapshot.as_of <= end,
        )
        .order_by(order)
        .limit(1)
    ).first()


def _relationship(snapshot: HealthSnapshot | None) -> float | None:
    for component in (snapshot.components or []) if snapshot else []:
        if component.get("name") == "relationship":
            score = component.get("score")
            return None if score is None else float(score)
    return None


def gather(session: Session, renewal: Renewal, *, as_of: date) -> Facts:
    """Everything the value summary and the pricing rules need, read at `as_of`."""
    account = get_account(session, renewal.account_id)
    contract = session.get(Contract, renewal.contract_id)
    if contract is None:
        raise NotFound(
            Text(
                "renewal {renewal} has no contract {contract}",
                renewal=renewal.renewal_id,
                contract=renewal.contract_id,
            )
        )
    start, end = contract.start_date, contract.end_date
    first = _snapshot(session, account.account_id, start, as_of, first=True)
    latest = _snapshot(session, account.account_id, date.min, as_of, first=False)
    usage = [
        domain.UsagePoint(s.as_of, dict(s.features or {}))
        for s in (first, latest)
        if s is not None and s.as_of >= start
    ]
    if len(usage) == 2 and usage[0].on == usage[1].on:
        usage = usage[:1]
    wins = [
        domain.Win(w.id, w.on, w.title, w.detail or "", w.hours_saved, w.revenue)
        for w in session.scalars(
            select(ValueMoment)
            .where(ValueMoment.account_id == account.account_id, ValueMoment.on <= as_of)
            .order_by(ValueMoment.on, ValueMoment.id)
        )
    ]
    goals = [
        domain.GoalFact(g.description, g.due_date, g.status)
        for g in session.scalars(select(Goal).where(Goal.account_id == account.account_id))
    ]
    lo, hi = day_start(start), day_start(as_of.fromordinal(as_of.toordinal() + 1))
    tickets = []
    for t in session.scalars(
        select(Ticket)
        .where(
            Ticket.account_id == account.account_id, Ticket.opened_at >= lo, Ticket.opened_at < hi
        )
        .order_by(Ticket.opened_at)
    ):
        opened = as_utc(t.opened_at)
        closed = as_utc(t.closed_at) if t.closed_at and as_utc(t.closed_at) < as_utc(hi) else None
        hours = (closed - opened).total_seconds() / 3600 if closed else None
        tickets.append(
            domain.TicketFact(t.ticket_id, opened.date(), hours, t.priority, t.satisfaction)
        )
    surveys = [
        domain.SurveyFact(s.kind, s.score, as_utc(s.responded_at).date())
        for s in session.scalars(
            select(SurveyResponse).where(
                SurveyResponse.account_id == account.account_id,
                SurveyResponse.responded_at >= lo,
                SurveyResponse.responded_at < hi,
            )
        )
    ]
    roi_row = session.get(RoiInputs, account.account_id)
    roi = (
        domain.RoiFacts(
            hours_saved_per_week=roi_row.hours_saved_per_week,
            loaded_hourly_rate=roi_row.loaded_hourly_rate,
            revenue_generated=roi_row.revenue_generated,
            losses_prevented=roi_row.losses_prevented,
            qualitative=roi_row.qualitative or "",
            source=roi_row.source or "",
            updated_by=roi_row.updated_by,
            updated_on=as_utc(roi_row.updated_at).date() if roi_row.updated_at else None,
        )
        if roi_row
        else None
    )
    value = domain.ValueInputs(
        account_name=account.name,
        currency=renewal.currency,
        arr=renewal.current_arr,
        term_start=start,
        term_end=end,
        seats=contract.seats,
        usage=usage,
        wins=wins,
        goals=goals,
        tickets=tickets,
        surveys=surveys,
        roi=roi,
    )
    features = dict(latest.features or {}) if latest else {}
    customer_since = account.customer_since or session.scalar(
        select(func.min(Contract.start_date)).where(Contract.account_id == account.account_id)
    )
    authority = features.get("budget_authority_engaged")
    pricing = domain.PricingInputs(
        arr=renewal.current_arr,
        currency=renewal.currency,
        term_months=contract.term_months,
        seats=contract.seats,
        active_users=features.get("active_users_30d"),
        seat_utilisation=features.get("seat_utilisation"),
        usage_trend_90d=features.get("usage_trend_90d"),
        active_user_change_30d=features.get("active_user_change_30d"),
        relationship_score=_relationship(latest),
        budget_authority_engaged=None if authority is None else authority > 0,
        health_category=renewal.health_category,
        health_score=renewal.health_score,
        risk=renewal.risk,
        opportunity_type=renewal.opportunity_type,
        signals=tuple(renewal.signals or ()),
        customer_since=customer_since,
        industry=account.industry,
        strategic=bool(account.strategic),
    )
    return Facts(renewal, account, contract, value, pricing)


# --- proposals (TECH-3) -------------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    facts: Facts
    value_summary: dict[str, Any]
    options: dict[str, Any]


def agreed_concession(session: Session, renewal_id: str) -> domain.AgreedConcession | None:
    """CONC-3: the renewal's newest approved concession that a person asked for (not a
    proposal's own MY-2 incentive), which the proposal and the contract carry: a discount,
    or a concession beyond price whose clause goes into the terms (CONC-8)."""
    own = select(Proposal.concession_id).where(
        Proposal.renewal_id == renewal_id, Proposal.concession_id.is_not(None)
    )
    approved = session.scalars(
        select(Concession)
        .where(
            Concession.renewal_id == renewal_id,
            Concession.status == "approved",
            Concession.concession_id.not_in(own),
        )
        .order_by(Concession.decided_at.desc(), Concession.concession_id.desc())
    ).all()
    # a discount, or a concession beyond price with a clause for the terms (CONC-8)
    found = next(
        (c for c in approved if c.discount_pct > 0 or (c.evaluation or {}).get("clauses")), None
    )
    if found is None:
        return None
    return domain.AgreedConcession(
        found.concession_id,
        float(found.discount_pct),
        found.give_back,
        found.sunset_clause,
        tuple(found.kinds or ()),
        found.decided_by,
        tuple((found.evaluation or {}).get("clauses") or ()),
    )


def preview(session: Session, renewal_id: str, *, as_of: date, policy: Policy) -> Preview:
    """The value summary and the priced options of a renewal, without storing anything."""
    renewal = renewal_service.get(session, renewal_id)
    facts = gather(session, renewal, as_of=as_of)
    summary = domain.value_summary(facts.value, as_of=as_of, policy=policy)
    # The customer's document shows `guard.shown`; the page shows what it drew on and the
    # internal brief (issue 16 content guard).
    summary["guard"] = domain.guard_summary(summary, policy=policy)
    options = domain.price_options(
        facts.pricing,
        as_of=as_of,
        policy=policy,
        agreed=agreed_concession(session, renewal_id),
    )
    return Preview(facts, summary, options)


def _concession(
    session: Session,
    proposal: Proposal,
    option: dict[str, Any],
    options: dict[str, Any],
    *,
    by: User,
    as_of: date,
    policy: Policy,
) -> None:
    """CONC-3: a discount goes through the approval chain, tied to the multi-year term."""
    years = option["term_months"] // 12
    currency = options["currency"]
    others = "; ".join(
        f"{name}: {o['annual_price']} {currency}/year"
        for name, o in options["options"].items()
        if o["offered"] and name != option["name"]
    )
    concession = concession_service.request(
        session,
        proposal.renewal_id,
        discount_pct=option["discount_pct"],
        kinds=[],
        requested_by=by.email,
        give_back="multi_year",  # CONC-4: the discount is tied to the multi-year commitment
        sunset_clause=(
            f"MY-2 incentive for the {years}-year term of proposal {proposal.proposal_id} only; "
            "standard pricing at the next renewal"
        ),
        rationale=Rationale(
            business_rationale=(
                f"MY-2: {years}-year commitment incentive in proposal {proposal.proposal_id} "
                f"({option['name']} option)"
            ),
            expected_outcome=(
                f"renews for {years} years at {option['annual_price']} {currency} a year "
                f"(total {option['total']} {currency})"
            ),
            alternatives_considered=others or "flat one-year renewal without discount",
        ),
        policy=policy,
        as_of=as_of,
        # MY-2: the option's incentive is the policy's standard offer (MY-1 passed), which
        # policy may pre-approve; more than that follows CONC-3.
        multi_year_offer=bool(option.get("incentive")),
    )
    proposal.concession_id = concession.concession_id
    proposal.status = "ready" if concession.status == "approved" else "needs_approval"


def create(
    session: Session,
    renewal_id: str,
    *,
    option: str | None,
    by: str | None,
    as_of: date,
    policy: Policy,
    templates_dir: Path | None = None,
    vendor_name: str | None = None,
) -> Proposal:
    """Create a proposal: value summary, priced options, the document; earlier ones superseded."""
    renewal = renewal_service.get(session, renewal_id)
    user = active_user(session, by or renewal.owner_email)
    # Access before state (TECH-5): only someone who may change the account proposes.
    access.require_edit(session, user, renewal.account_id, policy.web)
    if renewal.stage in CLOSED_STAGES:
        raise RenewalsError(
            Text(
                "renewal {renewal} is {stage}: no proposal any more",
                renewal=renewal_id,
                stage=renewal.stage,
            ),
            409,
        )
    # TECH-3: the customer reads who the proposal comes from: never an example name.
    vendor_name = vendor_name or require_vendor(Settings(), address=False)[0]
    view = preview(session, renewal_id, as_of=as_of, policy=policy)
    chosen = domain.choose(view.options, option)
    view.options["chosen"] = chosen
    now = utc_now()
    superseded = []
    for old in session.scalars(
        select(Proposal).where(
            Proposal.renewal_id == renewal_id, Proposal.status.in_(OPEN_STATUSES)
        )
    ):
        old.status = "superseded"
        superseded.append(old.proposal_id)
    proposal = Proposal(
        renewal_id=renewal_id,
        account_id=renewal.account_id,
        as_of=as_of,
        language="en",
        currency=renewal.currency,
        option=chosen,
        value_summary=view.value_summary,
        options=view.options,
        html="",
        status="ready",
        created_by=user.email,
        created_at=now,
    )
    session.add(proposal)
    session.flush()
    picked = view.options["options"][chosen]
    if picked.get("concession_id"):  # the agreed option: its concession is approved (CONC-3)
        proposal.concession_id = picked["concession_id"]
    elif picked["discount_pct"] > 0:
        _concession(session, proposal, picked, view.options, by=user, as_of=as_of, policy=policy)
    rendered = documents.render(
        documents.context(
            proposal, view.facts, owner=_owner(session, renewal), vendor_name=vendor_name
        ),
        view.facts.account.language,
        templates_dir=templates_dir,
    )
    proposal.html, proposal.language = rendered.html, rendered.language
    # A new dict, so the JSON column sees the change.
    proposal.options = {
        **view.options,
        "document": {
            "template": rendered.template,
            "language": rendered.language,
            "wanted_language": view.facts.account.language,
            "note": rendered.note,
        },
    }
    session.flush()
    audit_service.record(
        session,
        actor=user.email,
        action="proposal.create",
        entity="proposal",
        entity_id=str(proposal.proposal_id),
        detail={
            "renewal_id": renewal_id,
            "option": chosen,
            "prices": {n: o["annual_price"] for n, o in view.options["options"].items()},
            "bundle": view.options["bundle"]["value"],
            "multi_year": view.options["multi_year"]["value"],
            "status": proposal.status,
            "concession_id": proposal.concession_id,
            "language": rendered.language,
            "superseded": superseded,
            "as_of": as_of.isoformat(),
            "rules": ["TECH-3", "BUN-1", "BUN-2", "MY-1", "MY-2"],
        },
    )
    return proposal


def _owner(session: Session, renewal: Renewal) -> User | None:
    if not renewal.owner_email:
        return None
    return access.find_user(session, renewal.owner_email)


def get(session: Session, proposal_id: int) -> Proposal:
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound(Text("no proposal {id}", id=proposal_id))
    return proposal


def list_proposals(
    session: Session, *, renewal_id: str | None = None, limit: int = 200
) -> list[Proposal]:
    """Return proposals, newest first."""
    query = select(Proposal).order_by(Proposal.proposal_id.desc()).limit(limit)
    if renewal_id:
        query = query.where(Proposal.renewal_id == renewal_id)
    return list(session.scalars(query))


def sync_approval(session: Session, proposal: Proposal) -> Proposal:
    """Follow the linked concession: approved -> ready; declined or withdrawn -> draft."""
    if proposal.status != "needs_approval" or proposal.concession_id is None:
        return proposal
    concession = concession_service.get(session, proposal.concession_id)
    new = {"approved": "ready", "declined": "draft", "withdrawn": "draft"}.get(concession.status)
    if new:
        proposal.status = new
        audit_service.record(
            session,
            actor=concession.decided_by or "system",
            action="proposal.status",
            entity="proposal",
            entity_id=str(proposal.proposal_id),
            detail={
                "status": new,
                "concession_id": concession.concession_id,
                "concession_status": concession.status,
                "rule": "CONC-3",
            },
        )
        session.flush()
    return proposal


def pdf_bytes(proposal: Proposal) -> bytes:
    """The proposal's stored document as PDF."""
    if not proposal.html:
        raise RenewalsError(Text("proposal {id} has no document", id=proposal.proposal_id), 409)
    return kit_pdf.html_to_pdf(proposal.html)


def write_pdf(session: Session, proposal: Proposal, path: Path, *, by: str) -> str:
    """Write the PDF (atomically), record its path and SHA-256; returns the checksum."""
    if not proposal.html:
        raise RenewalsError(Text("proposal {id} has no document", id=proposal.proposal_id), 409)
    digest = kit_pdf.write_pdf(proposal.html, path)
    proposal.pdf_path, proposal.pdf_sha256 = str(path.resolve()), digest
    audit_service.record(
        session,
        actor=by,
        action="proposal.pdf",
        entity="proposal",
        entity_id=str(proposal.proposal_id),
        detail={"path": proposal.pdf_path, "sha256": digest, "bytes": path.stat().st_size},
    )
    session.flush()
    return digest


# --- the proposal list (issue 14): the API's list and the account page's proposals --------


def listing(scope: access.Scope, filters: RecordFilters) -> Listing:
    """Proposals on accounts the viewer may see (TECH-5), newest first."""
    shown = select(Proposal).where(access.visible(Proposal.account_id, scope))
    stmt = records_of(shown, filters, Proposal.status, Proposal.renewal_id, Proposal.account_id)
    sortable = {"proposal_id": Proposal.proposal_id, "as_of": Proposal.as_of}
    return Listing(
        stmt.order_by(Proposal.created_at.desc(), Proposal.proposal_id.desc()),
        sortable,
        (Proposal.proposal_id,),
        scalars=True,
    )
