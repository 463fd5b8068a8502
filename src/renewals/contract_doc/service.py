"""Contract use-cases (TECH-4): draft from a proposal or a renewal, route for approval,
send a signing link, record the signature (link or e-signature provider), store the
executed copy with its checksum, and close the renewal.

load -> domain (routing, transitions, outcome) -> persist. Services never commit: the
CLI command, the web request or the daily-run job owns the transaction. Every state
change goes through one conditional UPDATE on (status, version), so two people acting
at once cannot both win, and lands in the audit log.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import jinja2
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from renewals.account.models import Account, Stakeholder
from renewals.audit import service as audit
from renewals.audit.models import AuditEvent
from renewals.concession import service as concession_service
from renewals.config import Settings, public_base, require_vendor
from renewals.contract.models import Contract
from renewals.contract_doc import domain, tokens
from renewals.contract_doc.domain import Action, InvalidContract, Status
from renewals.contract_doc.models import ContractDocument
from renewals.db import rows_changed
from renewals.errors import Conflict, Forbidden, NotFound, RenewalsError
from renewals.kit import templates
from renewals.kit.calendar import add_months
from renewals.kit.i18n import Text
from renewals.kit.listing import Listing, RecordFilters, records_of
from renewals.kit.pdf import html_to_pdf, sha256_of
from renewals.kit.time import utc_now
from renewals.playbook import service as playbook_service
from renewals.policy.domain import Policy
from renewals.proposal.domain import at_risk_reasons
from renewals.proposal.models import Proposal
from renewals.renewal import service as renewal_service
from renewals.renewal.domain import Stage
from renewals.renewal.models import Renewal
from renewals.user import access
from renewals.user.models import User

ENTITY = "contract_document"
TEMPLATE_DIR = "contract"
SIGNATURE_MARKER = "<!--renewals:signature-->"
CONTRACTS_DIR = "contracts"
OUTBOX_STEP = "contract_signing"


class TemplateProblem(RenewalsError):
    def __init__(self, message: str) -> None:
        super().__init__(message, 422)


# --- people ----------------------------------------------------------------------------


def _require_edit(session: Session, user: User, account_id: str, policy: Policy) -> None:
    if not access.can_edit_account(session, user, account_id, policy.web):
        raise Forbidden(
            Text(
                "{email} may not change the contracts of account {account}",
                email=user.email,
                account=account_id,
            )
        )


def can_edit(session: Session, user: User, doc: ContractDocument, policy: Policy) -> bool:
    return access.can_edit_account(session, user, doc.account_id, policy.web)


def can_view(session: Session, user: User, doc: ContractDocument, policy: Policy) -> bool:
    return access.can_view_account(session, user, doc.account_id, policy.web)


def require_view(session: Session, user: User, doc: ContractDocument, policy: Policy) -> None:
    access.require_view(session, user, doc.account_id, policy.web)


def can_approve(session: Session, user: User, doc: ContractDocument, policy: Policy) -> bool:
    return doc.status == Status.pending_approval and _approver_check(user, doc, policy).allowed


def _approver_check(user: User, doc: ContractDocument, policy: Policy) -> domain.ApproverCheck:
    return domain.approver_check(
        approver_email=user.email,
        approver_role=user.role,
        approver_active=bool(user.active),
        drafter_email=doc.created_by,
        required_role=doc.required_role or policy.contracts.standard_approver_role,
        concessions=policy.concessions,
    )


# --- templates -------------------------------------------------------------------------


def _environment(templates_dir: str | None) -> jinja2.Environment:
    return templates.environment("", templates_dir)


def _dir_key(templates_dir: Path | None) -> str | None:
    if templates_dir is None:
        return None
    path = Path(templates_dir).expanduser()
    if not path.is_dir():
        raise TemplateProblem(
            Text("templates directory {path} does not exist or is not a directory", path=str(path))
        )
    return str(path.resolve())


def contract_languages(templates_dir: Path | None = None) -> list[str]:
    """The languages with a contract template (packaged or in `templates_dir/contract`)."""
    env = _environment(_dir_key(templates_dir))
    found = {
        name.split(".")[1]
        for name in env.list_templates(filter_func=lambda n: n.startswith(f"{TEMPLATE_DIR}/"))
        if name.startswith(f"{TEMPLATE_DIR}/contract.") and name.endswith(".html.j2")
    }
    return sorted(found)


def _render(name: str, language: str, context: dict[str, Any], templates_dir: Path | None) -> str:
    env = _environment(_dir_key(templates_dir))
    candidates = [f"{TEMPLATE_DIR}/{name}.{language}.{ext}" for ext in ("html.j2", "txt.j2")]
    if language != domain.DEFAULT_LANGUAGE:
        candidates += [f"{TEMPLATE_DIR}/{name}.en.{ext}" for ext in ("html.j2", "txt.j2")]
    for candidate in candidates:
        try:
            template = env.get_template(candidate)
        except jinja2.TemplateNotFound:
            continue
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateProblem(templates.syntax_error(exc, candidate)) from None
        try:
            return template.render({**context, "language": language})
        except jinja2.UndefinedError as exc:
            raise TemplateProblem(
                Text("template {name}: {problem}", name=candidate, problem=str(exc.message))
            ) from None
    raise TemplateProblem(
        Text("no template {name}", name=f"{TEMPLATE_DIR}/{name}.{language}.html.j2")
    )


# --- reading ---------------------------------------------------------------------------


def get(session: Session, document_id: int) -> ContractDocument:
    """Get one contract by its number."""
    doc = session.get(ContractDocument, document_id)
    if doc is None:
        raise NotFound(Text("no contract {id} (see `renewals contract list`)", id=str(document_id)))
    return doc


def list_documents(
    session: Session,
    *,
    status: str | None = None,
    renewal_id: str | None = None,
    limit: int = 200,
) -> list[ContractDocument]:
    """Return contracts, newest first."""
    query = select(ContractDocument).order_by(ContractDocument.document_id.desc()).limit(limit)
    if status:
        try:
            query = query.where(ContractDocument.status == Status(status).value)
        except ValueError:
            raise InvalidContract(
                Text(
                    "status must be one of {choices}, got {value}",
                    choices=", ".join(Status),
                    value=repr(status),
                )
            ) from None
    if renewal_id:
        query = query.where(ContractDocument.renewal_id == renewal_id)
    return list(session.scalars(query))


def history(session: Session, document_id: int) -> list[AuditEvent]:
    """Every audited change of the contract, oldest first."""
    return list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity == ENTITY, AuditEvent.entity_id == str(document_id))
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )


def document_sha256(doc: ContractDocument) -> str:
    """The checksum of the contract as drafted, approved and sent (what the signer saw)."""
    return hashlib.sha256(doc.html.encode("utf-8")).hexdigest()


# --- state changes ---------------------------------------------------------------------


def _apply(
    session: Session,
    doc: ContractDocument,
    action: Action,
    *,
    actor: str,
    detail: dict[str, Any] | None = None,
    extra_where: Sequence[Any] = (),
    **values: Any,
) -> domain.Transition:
    """Move the document if it is still in the status and version we read (one winner)."""
    change = domain.transition(doc.status, action)
    read_version = doc.version
    result = session.execute(
        update(ContractDocument)
        .where(
            ContractDocument.document_id == doc.document_id,
            ContractDocument.version == read_version,
            ContractDocument.status == change.from_status.value,
            *extra_where,
        )
        .values(status=change.to_status.value, version=ContractDocument.version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(doc)
    if rows_changed(result) != 1:
        raise Conflict(
            Text(
                "contract {id} changed while you were acting on it (it is now {status}); read "
                "it again",
                id=str(doc.document_id),
                status=doc.status,
            )
        )
    audit.record(
        session,
        actor=actor,
        action=f"contract.{action.value}",
        entity=ENTITY,
        entity_id=str(doc.document_id),
        detail={
            "from": change.from_status.value,
            "to": change.to_status.value,
            "reason": change.reason,
            "rules": list(change.rules),
            "version": doc.version,
            **(detail or {}),
        },
    )
    return change


def _approved_discounts(session: Session, renewal_id: str) -> list[domain.ApprovedDiscount]:
    """The renewal's approved discounts (CONC-3), with what each was approved with."""
    own = set(
        session.scalars(
            select(Proposal.concession_id).where(
                Proposal.renewal_id == renewal_id, Proposal.concession_id.is_not(None)
            )
        )
    )
    agreed = {  # a person's concession that an "agreed" proposal carries
        p.concession_id
        for p in session.scalars(select(Proposal).where(Proposal.renewal_id == renewal_id))
        if p.option == "agreed"
    }
    return [
        domain.ApprovedDiscount(
            c.concession_id,
            float(c.discount_pct or 0),
            c.decided_by,
            c.give_back,
            c.sunset_clause,
            c.concession_id in own and c.concession_id not in agreed,
            tuple((c.evaluation or {}).get("clauses") or ()),
        )
        for c in concession_service.list_concessions(
            session, status="approved", renewal_id=renewal_id
        )
        if (c.discount_pct or 0) > 0 or (c.evaluation or {}).get("clauses")
    ]


@dataclass(frozen=True)
class Draft:
    """Where each value of a new contract came from."""

    term_months: int
    annual_value: Decimal
    clauses: tuple[str, ...]
    stated_discount_pct: float
    years: tuple[Decimal, ...]
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class ChangedTerms:
    """What the drafter changed on the contract form (None / empty: the proposal's)."""

    term_months: int | None
    annual_value: Decimal | None
    clauses: tuple[str, ...]


def changed_terms(
    proposal: Proposal, *, annual_value: str, term_months: str, clauses: str
) -> ChangedTerms:
    """Read the contract form (TECH-4): price, term and clauses as typed, compared with
    the proposal's chosen option so an unchanged form drafts exactly the option."""
    chosen = str((proposal.options or {}).get("chosen") or proposal.option)
    option = domain.option_terms(chosen, proposal.options)
    value: Decimal | None = None
    if annual_value.strip():
        try:
            value = Decimal(annual_value.strip().replace(",", ""))
        except ArithmeticError:
            raise InvalidContract(
                Text(
                    "the price a year must be a number, got {value}",
                    value=repr(annual_value.strip()),
                )
            ) from None
        if not value.is_finite():
            raise InvalidContract(
                Text("the price a year must be a number, got {value}", value=repr(annual_value))
            )
        if value == option.annual_value:
            value = None
    term: int | None = None
    if term_months.strip():
        try:
            term = int(term_months.strip())
        except ValueError:
            raise InvalidContract(
                Text(
                    "the term must be a whole number of months, got {value}",
                    value=repr(term_months.strip()),
                )
            ) from None
        if term == option.term_months:
            term = None
    lines = tuple(line.strip() for line in clauses.splitlines() if line.strip())
    if lines == option.clauses:
        lines = ()
    return ChangedTerms(term, value, lines)


def _draft_terms(
    session: Session,
    renewal: Renewal,
    contract: Contract,
    proposal: Proposal | None,
    *,
    term_months: int | None,
    annual_value: Decimal | None,
    clauses: Sequence[str],
    at_risk_term_months: int,
) -> Draft:
    reasons: list[str] = []
    option = None
    if proposal is not None:
        chosen = str((proposal.options or {}).get("chosen") or proposal.option)
        option = domain.option_terms(chosen, proposal.options)
        reasons.extend(option.reasons)
    if term_months is not None:
        term, why = term_months, f"TECH-4: a {term_months}-month term given by the drafter"
    elif option is not None and option.term_months:
        term, why = option.term_months, None
    elif risky := at_risk_reasons(renewal.opportunity_type, renewal.risk, renewal.health_category):
        term = at_risk_term_months
        why = (
            f"MY-1: at risk ({risky[0]}): a {term}-month term, not the current contract's "
            f"{contract.term_months} months (proposal.at_risk_term_months)"
        )
    else:
        term = contract.term_months or 12
        why = f"TECH-4: the current contract's {term}-month term (contract {contract.contract_id})"
    if why:
        reasons.append(why)
    if annual_value is not None:
        value = annual_value
        reasons.append(f"TECH-4: annual value {value:,.2f} given by the drafter")
    elif option is not None and option.annual_value is not None:
        value = option.annual_value
    else:
        value = Decimal(renewal.current_arr)
        reasons.append(
            f"TECH-4: annual value {value:,.2f} = the renewal's current ARR (flat renewal)"
        )
    picked = list(clauses) if clauses else list(option.clauses if option else ())
    if clauses:
        reasons.append("TECH-4: clauses given by the drafter")
    years = option.years if option and annual_value is None and term_months is None else ()
    stated = option.discount_pct if option and annual_value is None else 0.0
    value = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return Draft(term, value, tuple(picked), stated, years, tuple(reasons))


def create(
    session: Session,
    renewal_id: str,
    *,
    by: str,
    policy: Policy,
    proposal_id: int | None = None,
    term_months: int | None = None,
    annual_value: Decimal | None = None,
    clauses: Sequence[str] = (),
    templates_dir: Path | None = None,
    vendor: Vendor | None = None,
    as_of: date | None = None,
) -> ContractDocument:
    """Draft the renewal contract from a proposal's chosen option or from the renewal.
    `vendor` is who the customer contracts with (settings vendor_name, vendor_address);
    `as_of` the day it is drafted on (today by default), the date the document shows."""
    user = access.require_active_user(session, by)
    renewal = renewal_service.get(session, renewal_id)
    _require_edit(session, user, renewal.account_id, policy)
    vendor = vendor or vendor_of(Settings())  # NotConfigured before anything is written
    if Stage(renewal.stage).is_closed:
        raise Conflict(
            Text(
                "renewal {renewal} is {stage}: a closed renewal gets no new contract",
                renewal=renewal_id,
                stage=renewal.stage,
            )
        )
    active = session.scalar(
        select(ContractDocument).where(
            ContractDocument.renewal_id == renewal_id,
            ContractDocument.status.in_([s.value for s in Status.open_statuses()]),
        )
    )
    if active is not None:
        raise Conflict(
            Text(
                "renewal {renewal} already has contract {id} ({status}); decline it first "
                "({command})",
                renewal=renewal_id,
                id=str(active.document_id),
                status=active.status,
                command=f"`renewals contract decline {active.document_id}`",
            )
        )
    proposal = None
    if proposal_id is not None:
        proposal = session.get(Proposal, proposal_id)
        if proposal is None:
            raise NotFound(Text("no proposal {id}", id=str(proposal_id)))
        if proposal.renewal_id != renewal_id:
            raise InvalidContract(
                Text(
                    "proposal {id} belongs to renewal {renewal}, not {other}",
                    id=str(proposal_id),
                    renewal=proposal.renewal_id,
                    other=renewal_id,
                )
            )
    contract = session.get(Contract, renewal.contract_id)
    account = session.get(Account, renewal.account_id)
    assert contract is not None and account is not None  # foreign keys
    draft = _draft_terms(
        session,
        renewal,
        contract,
        proposal,
        term_months=term_months,
        annual_value=annual_value,
        clauses=clauses,
        at_risk_term_months=policy.proposal.at_risk_term_months,
    )
    cleaned = domain.check_terms(draft.term_months, draft.annual_value, draft.clauses)
    current = Decimal(renewal.current_arr)
    routing = domain.route(
        domain.Terms(
            draft.term_months, draft.annual_value, current, cleaned, draft.stated_discount_pct
        ),
        contracts=policy.contracts,
        concessions=policy.concessions,
        approved=_approved_discounts(session, renewal_id),
        commitment_months=policy.proposal.best_term_years * 12,
    )
    language, language_reason = domain.choose_language(
        (proposal.language if proposal else None) or account.language,
        contract_languages(templates_dir),
    )
    drafted_on = as_of or utc_now().date()
    start, moved = domain.term_start(contract.end_date, drafted_on, policy.contracts)
    end = add_months(start, draft.term_months)
    years = list(draft.years) or _yearly(draft.annual_value, draft.term_months)
    total = sum(years, Decimal(0)).quantize(Decimal("0.01"))
    now = utc_now()
    terms = {
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "current_arr": str(current),
        "previous_contract_id": contract.contract_id,
        "clauses": [
            {"key": c, "text": None}
            if domain.is_standard_clause(c, policy.contracts)
            else {"key": None, "text": c}
            for c in cleaned
        ],
        "years": [str(y) for y in years],
        "total_value": str(total),
        "stated_discount_pct": draft.stated_discount_pct,
        "vendor": {"name": vendor.name, "address": vendor.address},
        "sources": [*draft.reasons, language_reason, *([moved] if moved else [])],
    }
    doc = ContractDocument(
        renewal_id=renewal_id,
        account_id=renewal.account_id,
        proposal_id=proposal_id,
        language=language,
        currency=renewal.currency,
        annual_value=draft.annual_value,
        term_months=draft.term_months,
        terms=terms,
        status=Status.draft.value,
        required_role=routing.required_role,
        routing=routing.as_record(),
        created_by=user.email,
        created_at=now,
        version=1,
        html="",
    )
    session.add(doc)
    session.flush()  # the document number goes into the text
    doc.html = _render(
        "contract",
        language,
        _context(doc, account, vendor, drafted_on),
        templates_dir,
    )
    session.flush()
    audit.record(
        session,
        actor=user.email,
        action="contract.create",
        entity=ENTITY,
        entity_id=str(doc.document_id),
        detail={
            "to": Status.draft.value,
            "renewal_id": renewal_id,
            "proposal_id": proposal_id,
            "annual_value": str(doc.annual_value),
            "term_months": doc.term_months,
            "routing": routing.as_record(),
            "sources": terms["sources"],
            "document_sha256": document_sha256(doc),
            "rules": ["TECH-4"],
        },
    )
    return doc


def _yearly(annual: Decimal, term_months: int) -> list[Decimal]:
    """The fee of each contract year; a last part-year is charged pro rata."""
    full, rest = divmod(term_months, 12)
    years = [annual] * full
    if rest:
        years.append((annual * rest / 12).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
    return years


@dataclass(frozen=True)
class Vendor:
    """The vendor as the customer reads it on the contract (TECH-4)."""

    name: str
    address: str


def vendor_of(settings: Settings) -> Vendor:
    """The configured vendor (RENEWALS_VENDOR_NAME/ADDRESS), or NotConfigured: a contract
    never names an example vendor (TECH-4)."""
    return Vendor(*require_vendor(settings))


@dataclass(frozen=True)
class CustomerView:
    """What the customer's signing pages name: the account's name, never its internal id,
    and the vendor from settings (TECH-4)."""

    account_name: str
    vendor: Vendor


def customer_view(session: Session, doc: ContractDocument, settings: Settings) -> CustomerView:
    account = session.get(Account, doc.account_id)
    stored = (doc.terms or {}).get("vendor")
    if stored:  # the vendor the contract itself names
        vendor = Vendor(stored["name"], stored["address"])
    else:  # a contract drafted before the vendor was stored with it
        vendor = Vendor(settings.vendor_name or "", settings.vendor_address or "")
    return CustomerView(account.name if account else "", vendor)


def _context(
    doc: ContractDocument, account: Account, vendor: Vendor, drafted_on: date
) -> dict[str, Any]:
    terms = doc.terms or {}
    return {
        "vendor_name": vendor.name,
        "vendor_address": vendor.address,
        "document_id": doc.document_id,
        "renewal_id": doc.renewal_id,
        "account_id": doc.account_id,
        "account_name": account.name,
        "currency": doc.currency,
        "annual_value": Decimal(doc.annual_value),
        "current_arr": Decimal(terms["current_arr"]),
        "term_months": doc.term_months,
        "start_date": date.fromisoformat(terms["start_date"]),
        "end_date": date.fromisoformat(terms["end_date"]),
        "total_value": Decimal(terms["total_value"]),
        "years": [
            {"year": i, "price": Decimal(p)} for i, p in enumerate(terms.get("years", []), 1)
        ],
        "clauses": terms.get("clauses", []),
        "previous_contract_id": terms.get("previous_contract_id"),
        "drafted_on": drafted_on,
    }


def submit(session: Session, document_id: int, *, by: str, policy: Policy) -> ContractDocument:
    """Submit a draft for internal approval, routed again on today's policy (TECH-4)."""
    doc = get(session, document_id)
    user = access.require_active_user(session, by)
    _require_edit(session, user, doc.account_id, policy)
    terms = doc.terms or {}
    routing = domain.route(
        domain.Terms(
            doc.term_months,
            Decimal(doc.annual_value),
            Decimal(terms.get("current_arr", doc.annual_value)),
            tuple(c["key"] or c["text"] for c in terms.get("clauses", [])),
            float(terms.get("stated_discount_pct", 0) or 0),
        ),
        contracts=policy.contracts,
        concessions=policy.concessions,
        approved=_approved_discounts(session, doc.renewal_id),
        commitment_months=policy.proposal.best_term_years * 12,
    )
    _apply(
        session,
        doc,
        Action.submit,
        actor=user.email,
        detail={"required_role": routing.required_role, "routing": routing.reasons},
        required_role=routing.required_role,
        routing={**routing.as_record(), "submitted_by": user.email},
    )
    return doc


def approve(
    session: Session, document_id: int, *, by: str, policy: Policy, note: str = ""
) -> ContractDocument:
    """Approve a submitted contract: an active user whose role covers the required one,
    not its drafter (TECH-4, CONC-3)."""
    doc = get(session, document_id)
    user = access.find_user(session, by)
    if user is None:
        raise Forbidden(Text("{email} is not an active user (import them in users.csv)", email=by))
    # Access before state (TECH-5): who may not see the account learns nothing of its state.
    require_view(session, user, doc, policy)
    domain.transition(doc.status, Action.approve)  # a clear 409 before the authority check
    check = _approver_check(user, doc, policy)
    if not check.allowed:
        raise Forbidden(check.reason)
    now = utc_now()
    _apply(
        session,
        doc,
        Action.approve,
        actor=user.email,
        detail={"note": note.strip(), "authority": check.reason, "role": user.role},
        approved_by=user.email,
        approved_at=now,
    )
    return doc


def decline(
    session: Session, document_id: int, *, by: str, reason: str, policy: Policy
) -> ContractDocument:
    """Decline (or withdraw) a contract before it is signed; a reason is required.

    Its drafter's side (whoever may change the account) may withdraw it at any open
    status; an approver whose role covers the required one may decline it.
    """
    doc = get(session, document_id)
    user = access.require_active_user(session, by)
    require_view(session, user, doc, policy)  # access before state (TECH-5)
    if not reason.strip():
        raise InvalidContract(Text("a decline needs a reason (--reason)"))
    domain.transition(doc.status, Action.decline)
    approver = _approver_check(user, doc, policy)
    if not (can_edit(session, user, doc, policy) or (approver.allowed)):
        raise Forbidden(
            Text(
                "{email} may neither change account {account} nor approve this contract ({reason})",
                email=user.email,
                account=doc.account_id,
                reason=approver.reason,
            )
        )
    _apply(session, doc, Action.decline, actor=user.email, detail={"reason": reason.strip()})
    return doc


@dataclass(frozen=True)
class Sent:
    doc: ContractDocument
    link: str
    expires_at: datetime
    message_id: int | None = None
    message_status: str | None = None
    message_reason: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def signing_link(settings: Settings, token: str) -> str:
    return f"{public_base(settings)}/sign/{token}"


def _default_signer(
    session: Session, account_id: str, policy: Policy
) -> tuple[str | None, str | None, str | None]:
    """STK-1: the first current stakeholder of `contracts.signer_roles` (with an email)."""
    people = session.scalars(
        select(Stakeholder).where(
            Stakeholder.account_id == account_id,
            Stakeholder.left_at.is_(None),
            Stakeholder.email.is_not(None),
        )
    ).all()
    for role in policy.contracts.signer_roles:
        for person in people:
            if person.role == role:
                return (
                    person.name,
                    person.email,
                    Text("STK-1: {name} is the {role}", name=person.name, role=role),
                )
    return None, None, None


def send(
    session: Session,
    document_id: int,
    *,
    by: str,
    policy: Policy,
    settings: Settings,
    secret: str,
    as_of: date,
    signer_name: str | None = None,
    signer_email: str | None = None,
    queue: bool = False,
) -> Sent:
    """Send an approved contract for signature: a fresh link (older ones stop working),
    valid `contracts.signing_link_days`; with `queue`, also a customer message in the
    outbox (TIME-5: it leaves only as the account's message permission allows)."""
    doc = get(session, document_id)
    user = access.require_active_user(session, by)
    _require_edit(session, user, doc.account_id, policy)
    domain.transition(doc.status, Action.send)
    notes: list[str] = []
    name = (signer_name or "").strip() or doc.signer_name
    email = (signer_email or "").strip() or doc.signer_email
    if not name and not email:
        name, email, why = _default_signer(session, doc.account_id, policy)
        if why:
            notes.append(why)
    if email and ("@" not in email or len(email) > 254 or any(c.isspace() for c in email)):
        raise InvalidContract(
            Text("signer email {email} is not an email address", email=repr(email))
        )
    public_base(settings)  # NotConfigured before anything changes: no unreachable link
    now = utc_now()
    nonce = secrets.token_urlsafe(24)
    expires = domain.link_expires_at(now, policy.contracts)
    was = doc.status
    _apply(
        session,
        doc,
        Action.send,
        actor=user.email,
        detail={
            "signer_name": name,
            "signer_email": email,
            "expires_at": expires.isoformat(),
            "resend": was != Status.approved,
            "notes": notes,
        },
        link_nonce=nonce,
        sent_at=now,
        expires_at=expires,
        signer_name=name,
        signer_email=email,
    )
    token = tokens.make_link_token(secret, doc.document_id, nonce)
    link = signing_link(settings, token)
    if not queue:
        return Sent(doc, link, expires, notes=tuple(notes))
    message = _queue_message(
        session,
        doc,
        link=link,
        expires=expires,
        sender=user,
        policy=policy,
        settings=settings,
        as_of=as_of,
    )
    audit.record(
        session,
        actor=user.email,
        action="contract.queue_message",
        entity=ENTITY,
        entity_id=str(doc.document_id),
        detail={
            "message_id": message.message_id,
            "status": message.status,
            "reason": message.status_reason,
            "rules": ["TECH-4", "TIME-5"],
        },
    )
    # TIME-4: sending the contract is what the proposal and contract steps asked for.
    playbook_service.close_for_event(
        session,
        policy,
        renewal_id=doc.renewal_id,
        event="contract_sent",
        on=as_of,
        by=user.email,
        detail=f"contract {doc.document_id} sent for signature",
    )
    return Sent(
        doc,
        link,
        expires,
        message.message_id,
        message.status,
        message.status_reason,
        tuple(notes),
    )


def _queue_message(
    session: Session,
    doc: ContractDocument,
    *,
    link: str,
    expires: datetime,
    sender: User,
    policy: Policy,
    settings: Settings,
    as_of: date,
) -> Any:
    from renewals.outbox import service as outbox_service

    account = session.get(Account, doc.account_id)
    renewal = session.get(Renewal, doc.renewal_id)
    assert account is not None and renewal is not None
    terms = doc.terms or {}
    text = _render(
        "signing_request",
        doc.language,
        {
            "account_name": account.name,
            "signer_name": doc.signer_name,
            "term_months": doc.term_months,
            "start_date": date.fromisoformat(terms["start_date"]),
            "annual_value": Decimal(doc.annual_value),
            "currency": doc.currency,
            "link": link,
            "expires_at": expires.date(),
            "renewal_id": doc.renewal_id,
            "document_id": doc.document_id,
            "sender_name": sender.name,
        },
        settings.templates_dir,
    ).strip()
    first, _, body = text.partition("\n")
    subject = first.removeprefix("Subject:").strip()
    message, _new = outbox_service.enqueue(
        session,
        # One message per document version: a re-sent link is a new message.
        key=f"contract:{doc.document_id}:v{doc.version}:signing",
        renewal_id=doc.renewal_id,
        account_id=doc.account_id,
        step=OUTBOX_STEP,
        rule="TECH-4",
        audience="customer",
        channel="email",
        to_address=doc.signer_email,
        to_name=doc.signer_name,
        language=doc.language,
        subject=subject,
        body=body.strip() + "\n",
        created_on=as_of,
        facts={"document_id": doc.document_id, "version": doc.version},
        segment=renewal.segment,
        policy=policy,
    )
    session.flush()
    return message


# --- the signing link ------------------------------------------------------------------


def open_link(
    session: Session, token: str, *, secret: str, policy: Policy, now: datetime
) -> ContractDocument:
    """The contract a signing link shows, or why the link no longer works (400/410)."""
    claim = tokens.read_link_token(
        secret, token, now=now, max_age_days=policy.contracts.signing_link_days
    )
    doc = session.get(ContractDocument, claim.document_id)
    if doc is None:
        raise tokens.LinkGone("This contract no longer exists.", "missing")
    _check_link(doc, claim, now)
    return doc


def _check_link(doc: ContractDocument, claim: tokens.LinkClaim, now: datetime) -> None:
    status = Status(doc.status)
    lang = doc.language

    def gone(message: str, reason: str) -> tokens.LinkGone:
        return tokens.LinkGone(message, reason, lang)

    if status == Status.signed:
        when = f" on {doc.signed_at:%Y-%m-%d}" if doc.signed_at else ""
        raise gone(f"This contract has already been signed{when}. Nothing more to do.", "signed")
    if status == Status.declined:
        raise gone(
            "This contract has been withdrawn or declined. Ask your contact for the current one.",
            "withdrawn",
        )
    if doc.link_nonce != claim.nonce:
        raise gone(
            "A newer signing link was sent for this contract; please use the latest one.",
            "superseded",
        )
    if status == Status.expired or domain.link_expired(doc.expires_at, now):
        raise gone("This signing link has expired. Ask your contact for a new link.", "expired")
    if status != Status.sent:
        raise gone("This contract is not open for signature.", "not_open")


def sign_with_link(
    session: Session,
    token: str,
    *,
    name: str | None,
    agreed: bool,
    ip: str | None,
    secret: str,
    policy: Policy,
    settings: Settings,
    now: datetime,
) -> ContractDocument:
    """Record the signer's typed name, IP and time; store the executed copy; close the
    renewal (TECH-4, FUND-1)."""
    claim = tokens.read_link_token(
        secret, token, now=now, max_age_days=policy.contracts.signing_link_days
    )
    doc = session.get(ContractDocument, claim.document_id)
    if doc is None:
        raise tokens.LinkGone("This contract no longer exists.", "missing")
    _check_link(doc, claim, now)
    typed = domain.typed_signature(name, agreed)
    ip_text = (ip or "")[:64] or None
    try:
        _apply(
            session,
            doc,
            Action.sign,
            actor=f"signer:{typed}",
            detail={
                "signed_name": typed,
                "ip": ip_text,
                "signer_email": doc.signer_email,
                "document_sha256": document_sha256(doc),
            },
            extra_where=(ContractDocument.link_nonce == claim.nonce,),
            signed_name=typed,
            signed_at=now,
            signed_ip=ip_text,
            signed_via="link",
        )
    except Conflict:
        session.refresh(doc)
        _check_link(doc, claim, now)  # says why in the signer's words
        raise
    _execute(session, doc, settings=settings, policy=policy, actor=f"signer:{typed}")
    return doc


def executed_html(session: Session, doc: ContractDocument, settings: Settings) -> str:
    """The contract as sent with the signature block where its marker is."""
    if doc.signed_at is None or doc.signed_name is None:
        raise Conflict(Text("contract {id} is not signed", id=str(doc.document_id)))
    block = _render(
        "signature",
        doc.language,
        {
            "name": doc.signed_name,
            "at": doc.signed_at,
            "ip": doc.signed_ip,
            "via": doc.signed_via or "link",
            "external_id": doc.external_id,
            "approved_by": doc.approved_by,
            "approved_at": doc.approved_at,
            "document_sha256": document_sha256(doc),
        },
        settings.templates_dir,
    )
    if SIGNATURE_MARKER in doc.html:
        return doc.html.replace(SIGNATURE_MARKER, block, 1)
    # A customised template without the marker: the block goes at the end of the body.
    if "</body>" in doc.html:
        return doc.html.replace("</body>", block + "\n</body>", 1)
    return doc.html + block


def contracts_dir(settings: Settings) -> Path:
    return Path(settings.data_dir) / CONTRACTS_DIR


def _execute(
    session: Session, doc: ContractDocument, *, settings: Settings, policy: Policy, actor: str
) -> None:
    """Store the executed PDF atomically with its SHA-256, then close the renewal."""
    html = executed_html(session, doc, settings)
    data = html_to_pdf(html)
    folder = contracts_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"contract-{doc.document_id}-{doc.renewal_id}.pdf"
    tmp = path.with_suffix(".pdf.part")
    tmp.write_bytes(data)
    tmp.replace(path)
    doc.file_path = str(path)
    doc.sha256 = sha256_of(data)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="contract.store",
        entity=ENTITY,
        entity_id=str(doc.document_id),
        detail={"file": str(path), "sha256": doc.sha256, "bytes": len(data), "rules": ["TECH-4"]},
    )
    _close_renewal(session, doc, policy=policy, actor=actor)


def _close_renewal(session: Session, doc: ContractDocument, *, policy: Policy, actor: str) -> None:
    """FUND-1: record the renewed contract's outcome the way an import would, and close
    the renewal now. The daily run's renewal sync then leaves it alone for good: it only
    looks at contracts without an outcome and at renewals still open."""
    renewal = renewal_service.get(session, doc.renewal_id)
    contract = session.get(Contract, renewal.contract_id)
    assert contract is not None and doc.signed_at is not None
    day = doc.signed_at.date()
    # TIME-4: the signature completes the steps that waited for it (before the closing
    # step cancels whatever else is still open).
    playbook_service.close_for_event(
        session,
        policy,
        renewal_id=renewal.renewal_id,
        event="contract_signed",
        on=day,
        by=actor,
        detail=f"contract {doc.document_id} signed by {doc.signed_name} ({doc.signed_via})",
    )
    detail: dict[str, Any] = {"renewal_id": renewal.renewal_id, "rules": ["FUND-1", "TECH-4"]}
    if Stage(renewal.stage).is_closed:
        detail["reason"] = f"FUND-1: renewal already {renewal.stage}; left as it is"
    elif contract.outcome is not None:
        detail["reason"] = (
            f"FUND-1: contract {contract.contract_id} already has the outcome "
            f"{contract.outcome}; the daily run closes the renewal from it"
        )
    else:
        decision = domain.signed_outcome(Decimal(doc.annual_value), Decimal(contract.arr))
        contract.outcome = decision.outcome.value
        contract.outcome_arr = Decimal(doc.annual_value)
        contract.closed_at = day
        contract.close_reason = (
            f"TECH-4: renewal contract {doc.document_id} signed by {doc.signed_name} "
            f"({doc.signed_via}) on {day.isoformat()}"
        )
        session.flush()
        # The same closing step the daily sync takes (stage history, open tasks and
        # unsent messages cancelled), so a signature and an imported outcome agree.
        renewal_service.close(
            session,
            renewal,
            contract_id=contract.contract_id,
            outcome=contract.outcome,
            closed_on=contract.closed_at,
            as_of=day,
            now=utc_now(),
        )
        session.flush()
        detail.update(
            outcome=decision.outcome.value,
            outcome_arr=str(doc.annual_value),
            stage=renewal.stage,
            reasons=list(decision.reasons),
        )
    audit.record(
        session,
        actor=actor,
        action="contract.close_renewal",
        entity=ENTITY,
        entity_id=str(doc.document_id),
        detail=detail,
    )


# --- the e-signature provider's webhook --------------------------------------------------


@dataclass(frozen=True)
class EventResult:
    doc: ContractDocument
    changed: bool
    status: str
    message: str


def provider_event(
    session: Session,
    payload: dict[str, Any],
    *,
    policy: Policy,
    settings: Settings,
    now: datetime,
) -> EventResult:
    """Apply an e-signature provider's status report (signed, declined or expired).

    Idempotent: the same status reported again changes nothing. A different final
    status than the recorded one is a conflict (409).
    """
    action = domain.provider_action(str(payload.get("status", "")))
    provider = str(payload.get("provider") or "provider").strip()[:32] or "provider"
    external_id = payload.get("external_id")
    external_id = str(external_id).strip()[:200] if external_id not in (None, "") else None
    document_id = payload.get("document_id")
    doc: ContractDocument | None = None
    if document_id is not None:
        if isinstance(document_id, bool) or not isinstance(document_id, int | str):
            raise InvalidContract(Text("document_id must be the contract number"))
        try:
            doc = session.get(ContractDocument, int(document_id))
        except ValueError:
            raise InvalidContract(Text("document_id must be the contract number")) from None
    elif external_id:
        doc = session.scalar(
            select(ContractDocument).where(ContractDocument.external_id == external_id)
        )
    else:
        raise InvalidContract(Text("send document_id or external_id"))
    if doc is None:
        raise NotFound(Text("no such contract"))
    if external_id and doc.external_id and doc.external_id != external_id:
        raise Conflict(
            Text(
                "contract {id} is linked to envelope {envelope}, not {other}",
                id=str(doc.document_id),
                envelope=doc.external_id,
                other=external_id,
            )
        )
    target = domain.TRANSITIONS[action][1]
    if doc.status == target.value:
        return EventResult(doc, False, doc.status, f"already {doc.status}; nothing changed")
    actor = f"{provider}:webhook"
    values: dict[str, Any] = {}
    if external_id and not doc.external_id:
        values["external_id"] = external_id
    detail: dict[str, Any] = {
        "provider": provider,
        "external_id": external_id,
        "event_id": payload.get("event_id"),
    }
    if action == Action.provider_sign:
        typed = domain.typed_signature(str(payload.get("signer_name") or ""), True)
        signed_at = _parse_time(payload.get("signed_at")) or now
        ip = payload.get("signer_ip")
        values.update(
            signed_name=typed,
            signed_at=signed_at,
            signed_ip=str(ip)[:64] if ip else None,
            signed_via=provider,
        )
        detail.update(signed_name=typed, document_sha256=document_sha256(doc))
    elif payload.get("reason"):
        detail["reason"] = str(payload["reason"])[:2000]
    _apply(session, doc, action, actor=actor, detail=detail, **values)
    if action == Action.provider_sign:
        _execute(session, doc, settings=settings, policy=policy, actor=actor)
    return EventResult(doc, True, doc.status, f"contract {doc.document_id} is now {doc.status}")


def _parse_time(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InvalidContract(
            Text("signed_at must be an ISO 8601 time, got {value}", value=repr(value))
        ) from None
    if parsed.tzinfo is None:
        raise InvalidContract(Text("signed_at needs a time zone (e.g. 2026-11-24T10:00:00Z)"))
    return parsed


# --- expiry and verification -----------------------------------------------------------


def expire_links(session: Session, *, cutoff: datetime, actor: str = "system") -> int:
    """Mark sent contracts whose link expired before `cutoff` as expired; return how many."""
    overdue = session.scalars(
        select(ContractDocument)
        .where(
            ContractDocument.status == Status.sent.value,
            ContractDocument.expires_at.is_not(None),
            ContractDocument.expires_at <= cutoff,
        )
        .order_by(ContractDocument.document_id)
    ).all()
    done = 0
    for doc in overdue:
        try:
            _apply(
                session,
                doc,
                Action.expire,
                actor=actor,
                detail={"expires_at": doc.expires_at.isoformat() if doc.expires_at else None},
            )
        except Conflict:
            continue  # signed or re-sent meanwhile: leave it
        done += 1
    return done


@dataclass(frozen=True)
class Verification:
    ok: bool
    path: str | None
    expected: str | None
    actual: str | None
    message: str


def verify(session: Session, document_id: int) -> Verification:
    """Compare the stored executed copy's SHA-256 with the one recorded at signature."""
    doc = get(session, document_id)
    if doc.file_path is None or doc.sha256 is None:
        return Verification(
            False,
            None,
            None,
            None,
            Text(
                "contract {id} has no executed copy ({status})",
                id=str(document_id),
                status=doc.status,
            ),
        )
    path = Path(doc.file_path)
    if not path.is_file():
        return Verification(
            False, str(path), doc.sha256, None, Text("the file {path} is missing", path=str(path))
        )
    actual = hashlib.sha256(path.read_bytes()).hexdigest()
    if actual != doc.sha256:
        return Verification(
            False,
            str(path),
            doc.sha256,
            actual,
            Text("the file does not match its recorded SHA-256"),
        )
    return Verification(True, str(path), doc.sha256, actual, Text("the file matches its SHA-256"))


# --- the contract list (issue 14): the API's list and the account page's documents -------


def listing(scope: access.Scope, filters: RecordFilters) -> Listing:
    """Contract documents on accounts the viewer may see (TECH-5), newest first."""
    doc = ContractDocument
    shown = select(doc).where(access.visible(doc.account_id, scope))
    stmt = records_of(shown, filters, doc.status, doc.renewal_id, doc.account_id)
    sortable = {
        "document_id": doc.document_id,
        "created_at": doc.created_at,
        "annual_value": doc.annual_value,
    }
    newest = stmt.order_by(doc.created_at.desc(), doc.document_id.desc())
    return Listing(newest, sortable, (doc.document_id,), scalars=True)
