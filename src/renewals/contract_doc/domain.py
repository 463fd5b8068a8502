"""Contract rules on plain values (TECH-4): the state machine, approval routing, who may
approve, what a proposal's chosen option says, the signature and the renewal's outcome.

Nothing here reads the database or the clock: `now` and `as_of` are parameters.

State machine (every change is audited by the service):

| action | from | to |
|---|---|---|
| submit | draft | pending_approval |
| approve | pending_approval | approved |
| decline (internal, with a reason) | draft, pending_approval, approved, sent, expired | declined |
| send (a fresh signing link; a re-send invalidates the old one) | approved, sent, expired | sent |
| sign (the signing link) | sent | signed |
| provider_sign / provider_decline / provider_expire (webhook) | approved, sent | signed / declined / expired |
| expire (the link's time is up) | sent | expired |

Routing (TECH-4, CONC-3): every contract needs a person's approval. A standard one
(a term from `contracts.standard_term_months`, only clauses from
`contracts.standard_clauses`, no discount beyond the standard approver's authority)
goes to `contracts.standard_approver_role`; a non-standard term or a custom clause
goes to `contracts.nonstandard_approver_role` ("director: contract terms"); a
discount against the current ARR needs the most junior role of the approval matrix
whose limit covers it, unless an approved concession already covers that discount.
The most senior of these wins. Each reason is kept with the document.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from renewals.concession.matrix import ApprovalMatrix
from renewals.contract.domain import Outcome
from renewals.errors import Conflict, RenewalsError
from renewals.kit import validate
from renewals.kit.i18n import Text, joined
from renewals.policy.domain import Concessions, Contracts

DEFAULT_LANGUAGE = "en"
MAX_NAME = 300
MAX_CLAUSE = 2000


class InvalidContract(RenewalsError):
    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message, 422)
        self.code = code  # a stable key the signing page words in the customer's language


class Status(StrEnum):
    draft = "draft"
    pending_approval = "pending_approval"
    approved = "approved"
    sent = "sent"
    signed = "signed"
    declined = "declined"
    expired = "expired"

    @classmethod
    def open_statuses(cls) -> frozenset[Status]:
        """A renewal has at most one contract in these (an expired one may be re-sent)."""
        return frozenset({cls.draft, cls.pending_approval, cls.approved, cls.sent, cls.expired})

    @property
    def is_final(self) -> bool:
        return self in (Status.signed, Status.declined)


class Action(StrEnum):
    submit = "submit"
    approve = "approve"
    decline = "decline"
    send = "send"
    sign = "sign"
    expire = "expire"
    provider_sign = "provider_sign"
    provider_decline = "provider_decline"
    provider_expire = "provider_expire"


_S = Status
TRANSITIONS: dict[Action, tuple[frozenset[Status], Status]] = {
    Action.submit: (frozenset({_S.draft}), _S.pending_approval),
    Action.approve: (frozenset({_S.pending_approval}), _S.approved),
    Action.decline: (
        frozenset({_S.draft, _S.pending_approval, _S.approved, _S.sent, _S.expired}),
        _S.declined,
    ),
    Action.send: (frozenset({_S.approved, _S.sent, _S.expired}), _S.sent),
    Action.sign: (frozenset({_S.sent}), _S.signed),
    Action.expire: (frozenset({_S.sent}), _S.expired),
    Action.provider_sign: (frozenset({_S.approved, _S.sent}), _S.signed),
    Action.provider_decline: (frozenset({_S.approved, _S.sent}), _S.declined),
    Action.provider_expire: (frozenset({_S.approved, _S.sent}), _S.expired),
}

WHY: dict[Action, str] = {
    Action.submit: Text("TECH-4: submitted for internal approval"),
    Action.approve: Text("TECH-4: approved internally"),
    Action.decline: Text("TECH-4: declined internally"),
    Action.send: Text("TECH-4: sent for signature"),
    Action.sign: Text("TECH-4: signed by the customer through the signing link"),
    Action.expire: Text("TECH-4: the signing link expired unsigned"),
    Action.provider_sign: Text("TECH-4: the e-signature provider reports it signed"),
    Action.provider_decline: Text("TECH-4: the e-signature provider reports it declined"),
    Action.provider_expire: Text("TECH-4: the e-signature provider reports it expired"),
}


class InvalidTransition(Conflict):
    def __init__(self, current: Status, action: Action, allowed: Iterable[Status]) -> None:
        self.current, self.action = current, action
        names = joined(sorted(s.value for s in allowed), ", ")
        template = _CANNOT.get(action, _CANNOT_BY)
        super().__init__(
            Text(template, status=current.value, action=action.value.replace("_", " "), names=names)
        )


# TECH-4: what cannot happen to a contract in its status, one sentence per action
_CANNOT: dict[Action, str] = {
    Action.submit: Text("a contract that is {status} cannot be submitted (TECH-4: only from {names})"),
    Action.approve: Text("a contract that is {status} cannot be approved (TECH-4: only from {names})"),
    Action.decline: Text("a contract that is {status} cannot be declined (TECH-4: only from {names})"),
    Action.send: Text("a contract that is {status} cannot be sent (TECH-4: only from {names})"),
    Action.sign: Text("a contract that is {status} cannot be signed (TECH-4: only from {names})"),
    Action.expire: Text("a contract that is {status} cannot be expired (TECH-4: only from {names})"),
}  # fmt: skip
_CANNOT_BY = Text(
    "a contract that is {status} cannot be changed by {action} (TECH-4: only from {names})"
)


@dataclass(frozen=True)
class Transition:
    action: Action
    from_status: Status
    to_status: Status
    reason: str
    rules: tuple[str, ...] = ("TECH-4",)


def transition(current: Status | str, action: Action) -> Transition:
    """TECH-4: the status `action` leads to from `current`, or InvalidTransition (409)."""
    current = Status(current)
    allowed, target = TRANSITIONS[action]
    if current not in allowed:
        raise InvalidTransition(current, action, allowed)
    return Transition(action, current, target, WHY[action])


# --- approval routing (TECH-4, CONC-3) --------------------------------------------------


@dataclass(frozen=True)
class ApprovedDiscount:
    """An approved concession of the renewal (CONC-3): its discount is already decided."""

    concession_id: int
    discount_pct: float
    decided_by: str | None
    give_back: str | None = None  # CONC-4: multi_year commits to a multi-year term
    sunset_clause: str | None = None  # CONC-7: must be in the contract
    own_incentive: bool = False  # a proposal's own MY-2 incentive (its term is the give-back)
    clauses: tuple[str, ...] = ()  # CONC-8: clauses of concessions beyond price it approved


@dataclass(frozen=True)
class Terms:
    term_months: int
    annual_value: Decimal
    current_arr: Decimal
    clauses: tuple[str, ...] = ()  # standard clause keys or custom clause text
    # A discount the proposal states (e.g. a MY-2 multi-year incentive), when larger than
    # the price difference to the current ARR.
    stated_discount_pct: float = 0.0


@dataclass(frozen=True)
class Routing:
    required_role: str
    discount_pct: float
    nonstandard: tuple[str, ...]  # term | clause | discount
    reasons: tuple[str, ...]
    rules: tuple[str, ...]

    def as_record(self) -> dict[str, Any]:
        return {
            "required_role": self.required_role,
            "discount_pct": self.discount_pct,
            "nonstandard": list(self.nonstandard),
            "reasons": list(self.reasons),
            "rules": list(self.rules),
        }


def discount_pct(annual_value: Decimal, current_arr: Decimal) -> float:
    """The discount against the current ARR in percent (0 for the same price or more)."""
    if current_arr <= 0 or annual_value >= current_arr:
        return 0.0
    pct = (current_arr - annual_value) / current_arr * 100
    return float(pct.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def is_standard_clause(clause: str, contracts: Contracts) -> bool:
    return clause in contracts.standard_clauses


def route(
    terms: Terms,
    *,
    contracts: Contracts,
    concessions: Concessions,
    approved: Sequence[ApprovedDiscount] = (),
    commitment_months: int = 24,
) -> Routing:
    """TECH-4/CONC-3: the role that must approve this contract, with every reason.

    A discount covered by an approved concession is checked against what was approved
    (CONC-4, CONC-7): a multi-year give-back needs a term of at least
    `commitment_months`, and a person's concession's sunset clause must be in the
    contract (it then counts as approved, not as a custom clause). Anything else is an
    InvalidContract naming the concession.
    """
    matrix = ApprovalMatrix.of(concessions)
    for key in ("standard_approver_role", "nonstandard_approver_role"):
        role = getattr(contracts, key)
        if matrix.rank(role) is None:
            raise InvalidContract(
                Text(
                    "policy contracts.{key} = {role} is not in the approval matrix "
                    "(concessions.approval: {roles})",
                    key=key,
                    role=repr(role),
                    roles=", ".join(matrix.roles),
                )
            )
    candidates = [contracts.standard_approver_role]
    reasons: list[str] = [
        Text(
            "TECH-4: every contract is approved internally; a standard one by a {role} or more "
            "senior (CONC-3)",
            role=contracts.standard_approver_role,
        )
    ]
    rules = ["TECH-4", "CONC-3"]
    nonstandard: list[str] = []
    senior = contracts.nonstandard_approver_role
    if terms.term_months not in contracts.standard_term_months:
        nonstandard.append("term")
        standard = ", ".join(str(m) for m in contracts.standard_term_months)
        reasons.append(
            Text(
                "TECH-4: a {months}-month term is not standard ({standard} months): a contract "
                "term, approved by a {role} (CONC-3)",
                months=terms.term_months,
                standard=standard,
                role=senior,
            )
        )
        candidates.append(senior)
    by_price = discount_pct(terms.annual_value, terms.current_arr)
    pct = max(by_price, round(terms.stated_discount_pct, 2))
    covering = (
        next(
            (
                a
                for a in sorted(approved, key=lambda a: a.discount_pct)
                if a.discount_pct + 1e-9 >= pct
            ),
            None,
        )
        if pct > 0
        else None
    )
    if covering is not None:
        reasons.extend(agrees_with(terms, covering, commitment_months))
    agreed_clause = covering.sunset_clause if covering is not None else None
    # CONC-8: a clause of an approved concession beyond price (net 90, an exit clause) was
    # approved by the matrix with its concession: it is not a new custom clause.
    conceded = {c: a for a in approved for c in a.clauses}
    for clause in terms.clauses:
        if clause in conceded:
            reasons.append(
                Text(
                    "CONC-8: {clause!r} was approved with concession #{id} (by {who})",
                    clause=_short(clause),
                    id=conceded[clause].concession_id,
                    who=conceded[clause].decided_by or Text("its approver"),
                )
            )
    custom = [
        c
        for c in terms.clauses
        if not is_standard_clause(c, contracts) and c != agreed_clause and c not in conceded
    ]
    if custom:
        nonstandard.append("clause")
        quoted = "; ".join(repr(_short(c)) for c in custom)
        reasons.append(
            Text(
                "TECH-4: custom clauses {clauses} (not in contracts.standard_clauses): a "
                "contract term, approved by a {role} (CONC-3)",
                clauses=quoted,
                role=senior,
            )
            if len(custom) > 1
            else Text(
                "TECH-4: custom clause {clauses} (not in contracts.standard_clauses): a "
                "contract term, approved by a {role} (CONC-3)",
                clauses=quoted,
                role=senior,
            )
        )
        candidates.append(senior)
        rules.append("MY-4")
    source = (
        Text("against the current ARR of {arr:,.2f}", arr=terms.current_arr)
        if pct == by_price
        else Text("stated by the proposal's option (MY-2 incentive)")
    )
    if pct > 0:
        if covering is not None:
            reasons.append(
                Text(
                    "CONC-3: the {pct:g}% discount {source} is covered by approved concession "
                    "#{id} ({approved:g}%, approved by {who})",
                    pct=pct,
                    source=source,
                    id=covering.concession_id,
                    approved=covering.discount_pct,
                    who=covering.decided_by or Text("its approver"),
                )
            )
        else:
            needed = matrix.required_role(pct, [])
            if needed is None:
                raise InvalidContract(
                    Text(
                        "nobody in the approval matrix may approve a {pct:g}% discount (CONC-3)",
                        pct=pct,
                    )
                )
            nonstandard.append("discount")
            reasons.append(
                Text(
                    "CONC-3: a {pct:g}% discount {source} needs a {role} ({authority})",
                    pct=pct,
                    source=source,
                    role=needed,
                    authority=matrix.authority(needed),
                )
            )
            candidates.append(needed)
            if matrix.is_emergency(pct):
                rules.append("CONC-2")
    required = max(candidates, key=lambda r: matrix.rank(r) or 0)
    reasons.append(Text("TECH-4: approval by a {role} or more senior", role=required))
    return Routing(required, pct, tuple(nonstandard), tuple(reasons), tuple(dict.fromkeys(rules)))


def agrees_with(terms: Terms, approved: ApprovedDiscount, commitment_months: int) -> list[str]:
    """CONC-3, CONC-4, CONC-7: the contract gives what the concession approved, no more:
    the term its give-back commits to and its sunset clause. Raises InvalidContract."""
    reasons: list[str] = []
    if approved.give_back == "multi_year":
        if terms.term_months < commitment_months:
            raise InvalidContract(
                Text(
                    "concession #{id} was approved for a multi-year commitment (CONC-4 "
                    "give-back): the term must be at least {months} months, not {term}",
                    id=approved.concession_id,
                    months=commitment_months,
                    term=terms.term_months,
                )
            )
        reasons.append(
            Text(
                "CONC-4: the {months}-month term keeps concession #{id}'s multi-year give-back",
                months=terms.term_months,
                id=approved.concession_id,
            )
        )
    if approved.sunset_clause and not approved.own_incentive:
        if approved.sunset_clause not in terms.clauses:
            raise InvalidContract(
                Text(
                    "concession #{id} was approved with the sunset clause {clause} (CONC-7): put "
                    "it in the contract's clauses",
                    id=approved.concession_id,
                    clause=repr(_short(approved.sunset_clause)),
                )
            )
        reasons.append(
            Text(
                "CONC-7: concession #{id}'s sunset clause is in the contract (approved with it)",
                id=approved.concession_id,
            )
        )
    return reasons


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class ApproverCheck:
    allowed: bool
    reason: str


def approver_check(
    *,
    approver_email: str,
    approver_role: str | None,
    approver_active: bool,
    drafter_email: str,
    required_role: str,
    concessions: Concessions,
) -> ApproverCheck:
    """TECH-4, CONC-3: an active person whose role covers the required one, not the drafter."""
    if not approver_active:
        return ApproverCheck(False, Text("{email} is not an active user", email=approver_email))
    if approver_email.strip().lower() == drafter_email.strip().lower():
        return ApproverCheck(
            False,
            Text(
                "{approver_email} drafted this contract and may not approve it (TECH-4)",
                approver_email=approver_email,
            ),
        )
    if not ApprovalMatrix.of(concessions).at_least(approver_role, required_role):
        return ApproverCheck(
            False,
            Text(
                "{approver_email} ({approver_role}) may not approve it: it needs a {required_role} or more senior (CONC-3)",
                approver_email=approver_email,
                approver_role=approver_role or "no role",
                required_role=required_role,
            ),
        )
    return ApproverCheck(
        True,
        Text(
            "CONC-3: {approver_email} ({approver_role}) covers the required {required_role}",
            approver_email=approver_email,
            approver_role=approver_role,
            required_role=required_role,
        ),
    )


# --- creating a contract ----------------------------------------------------------------


@dataclass(frozen=True)
class OptionTerms:
    """What a proposal's chosen option says (any field may be missing)."""

    annual_value: Decimal | None
    term_months: int | None
    clauses: tuple[str, ...]
    reasons: tuple[str, ...]
    discount_pct: float = 0.0
    years: tuple[Decimal, ...] = ()  # the price of each contract year, when the option has them


_PRICE_KEYS = ("annual_value", "annual_price", "year_one_price", "arr", "price", "total_arr")
_NAME_KEYS = ("option", "key", "name", "tier", "id")


def option_terms(chosen: str, options: Mapping[str, Any] | None) -> OptionTerms:
    """Read the chosen option's annual price, term and clauses from a proposal's options.

    Defensive about the shape: `{"better": {...}}`, `{"options": {"better": {...}}}` or
    `{"options": [{"option": "better", ...}]}`; a price under annual_value, annual_price,
    year_one_price, arr, price or total_arr; a term as term_months or years.
    """
    found = _find_option(chosen, options or {})
    if found is None:
        return OptionTerms(
            None,
            None,
            (),
            (Text("TECH-3: the proposal has no readable {chosen!r} option", chosen=chosen),),
        )
    if found.get("offered") is False:
        why = [str(r) for r in found.get("reasons") or []]
        raise InvalidContract(
            Text(
                "the proposal did not offer its {chosen} option ({reasons})",
                chosen=repr(chosen),
                reasons=joined(why) if why else Text("no reason given"),
            )
        )
    reasons: list[str] = []
    value: Decimal | None = None
    for key in _PRICE_KEYS:
        value = _decimal_or_none(found.get(key))
        if value is not None and value > 0:
            reasons.append(
                Text(
                    "TECH-3: annual value {value:,.2f} from the proposal's {option} {key}",
                    value=value,
                    option=chosen,
                    key=key,
                )
            )
            break
        value = None
    term: int | None = None
    raw_term = found.get("term_months")
    if raw_term is None and found.get("years") is not None:
        raw_term = _int_or_none(found.get("years"))
        raw_term = raw_term * 12 if raw_term else None
    term = _int_or_none(raw_term)
    if term is not None and term > 0:
        reasons.append(
            Text(
                "TECH-3: a {months}-month term from the proposal's {option} option",
                months=term,
                option=chosen,
            )
        )
    else:
        term = None
    clauses_raw = found.get("clauses") or found.get("flexibility_clauses") or []
    clauses = tuple(
        str(c.get("key") or c.get("name") or c) if isinstance(c, Mapping) else str(c)
        for c in (clauses_raw if isinstance(clauses_raw, list) else [])
    )
    if clauses:
        reasons.append(
            Text(
                "MY-4: clauses from the proposal's {option} option: {clauses}",
                option=chosen,
                clauses=", ".join(clauses),
            )
        )
    stated = _decimal_or_none(found.get("discount_pct"))
    years_raw = found.get("years")
    years_given = years_raw if isinstance(years_raw, list) else []
    years = tuple(y for y in (_decimal_or_none(v) for v in years_given) if y is not None)
    if stated is not None and stated > 0:
        reasons.append(
            Text(
                "MY-2: the proposal's {option} option states a {pct:g}% discount",
                option=chosen,
                pct=stated,
            )
        )
    return OptionTerms(
        value, term, clauses, tuple(reasons), float(stated or 0), years if value else ()
    )


def _find_option(chosen: str, options: Mapping[str, Any]) -> Mapping[str, Any] | None:
    for container in (options, options.get("options")):
        option = container.get(chosen) if isinstance(container, Mapping) else None
        if isinstance(option, Mapping):
            return option
        if isinstance(container, list):
            for item in container:
                if isinstance(item, Mapping) and any(item.get(k) == chosen for k in _NAME_KEYS):
                    return item
    return None


def _decimal_or_none(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Mapping):  # {"amount": ..., "currency": ...}
        return _decimal_or_none(value.get("amount") or value.get("value"))
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _int_or_none(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return None


def check_terms(term_months: int, annual_value: Decimal, clauses: Iterable[str]) -> tuple[str, ...]:
    """Validate what goes into a contract; return the clauses cleaned up."""
    if not 1 <= term_months <= 120:
        raise InvalidContract(
            Text("the term must be 1-120 months, got {term}", term=str(term_months))
        )
    if annual_value <= 0:
        raise InvalidContract(
            Text("the annual value must be above 0, got {value}", value=str(annual_value))
        )
    cleaned = []
    for clause in clauses:
        text = " ".join(str(clause).split())
        if not text:
            raise InvalidContract(Text("a clause must not be empty"))
        if len(text) > MAX_CLAUSE:
            raise InvalidContract(
                Text("a clause may have at most {n} characters", n=str(MAX_CLAUSE))
            )
        if text not in cleaned:
            cleaned.append(text)
    return tuple(cleaned)


def choose_language(wanted: str | None, available: Iterable[str]) -> tuple[str, str]:
    """The account's language when a contract template exists for it, else English."""
    code = (wanted or DEFAULT_LANGUAGE).strip().lower().replace("_", "-").split("-")[0]
    have = set(available)
    if code in have:
        return code, Text(
            "TECH-4: the account's language ({code}) has a contract template", code=code
        )
    return DEFAULT_LANGUAGE, (
        Text(
            "TECH-4: no contract template in the account's language ({code}); English is used",
            code=code,
        )
    )


# --- signing -------------------------------------------------------------------------


def term_start(
    previous_end: date, drafted_on: date, contracts: Contracts
) -> tuple[date, str | None]:
    """TECH-4: the new term starts where the previous one ends. Drafted after that day (a
    late renewal), it starts on the day it is drafted (contracts.late_start = drafted_on,
    product default), so what the customer reads and signs never starts in the past; or
    keeps the previous end (previous_end) when the team backdates for continuous coverage.
    Returns the start and, when it moved, the reason."""
    if drafted_on <= previous_end or contracts.late_start == "previous_end":
        return previous_end, None
    return drafted_on, (
        Text(
            "TECH-4: the previous term ended on {previous_end}; drafted on {drafted_on}, the new term starts that day, not in the past (contracts.late_start = drafted_on)",
            previous_end=previous_end,
            drafted_on=drafted_on,
        )
    )


def link_expires_at(sent_at: datetime, contracts: Contracts) -> datetime:
    """TECH-4: a signing link lasts `contracts.signing_link_days`."""
    return sent_at + timedelta(days=contracts.signing_link_days)


def link_expired(expires_at: datetime | None, now: datetime) -> bool:
    return expires_at is not None and now >= expires_at


def expire_cutoff(as_of: date, now: datetime) -> datetime:
    """Links expiring before this instant are expired by the daily run for `as_of`:
    the end of that day, but never later than now (a link still valid now stays valid)."""
    from datetime import UTC, time

    end = datetime.combine(as_of + timedelta(days=1), time(), tzinfo=UTC)
    return min(end, now)


_LETTER = re.compile(r"[^\W\d_]")


def typed_signature(name: str | None, agreed: bool) -> str:
    """TECH-4: a typed full name (letters, at most 300 characters) and the "I agree" box."""
    text = " ".join((name or "").split())
    if not agreed:
        raise InvalidContract(Text("tick 'I agree' to sign the contract"), "agree")
    if len(text) < 2 or not _LETTER.search(text) or validate.CONTROL.search(text):
        raise InvalidContract(Text("type your full name to sign"), "name")
    if len(text) > MAX_NAME:
        raise InvalidContract(
            Text("the name may have at most {n} characters", n=str(MAX_NAME)), "name_long"
        )
    return text


PROVIDER_STATUSES: dict[str, Action] = {
    "signed": Action.provider_sign,
    "completed": Action.provider_sign,
    "declined": Action.provider_decline,
    "rejected": Action.provider_decline,
    "expired": Action.provider_expire,
}


def provider_action(status: str) -> Action:
    """Map an e-signature provider's status to our action (signed/declined/expired)."""
    action = PROVIDER_STATUSES.get((status or "").strip().lower())
    if action is None:
        raise InvalidContract(
            Text(
                "unknown status {status}: send one of {statuses}",
                status=repr(status),
                statuses=", ".join(PROVIDER_STATUSES),
            )
        )
    return action


@dataclass(frozen=True)
class OutcomeDecision:
    outcome: Outcome
    reasons: tuple[str, ...]
    rules: tuple[str, ...] = ("FUND-1", "TECH-4")


def signed_outcome(annual_value: Decimal, current_arr: Decimal) -> OutcomeDecision:
    """FUND-1: a signed renewal contract is renewed, expanded or downgraded by its value."""
    if annual_value > current_arr:
        outcome, how = Outcome.expanded, "above"
    elif annual_value < current_arr:
        outcome, how = Outcome.downgraded, "below"
    else:
        outcome, how = Outcome.renewed, "equal to"
    return OutcomeDecision(
        outcome,
        (
            Text(
                "FUND-1: the signed annual value {annual_value:,.2f} is {how} the current ARR {current_arr:,.2f}: {value}",
                annual_value=annual_value,
                how=how,
                current_arr=current_arr,
                value=outcome.value,
            ),
        ),
    )


@dataclass(frozen=True)
class SignatureFacts:
    """What the executed copy's signature block shows."""

    name: str
    at: datetime
    ip: str | None
    via: str
    document_sha256: str
    external_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
