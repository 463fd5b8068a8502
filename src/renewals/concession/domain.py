"""Concession rules on plain values (CONC-1..7): risk severity, the discount band and
guide category, who may approve, and what to warn about before anyone promises it.

Nothing here reads the database or the clock: the service gathers the facts (triage,
signals, days to renewal, the segment's discount precedent) and passes them in.

Blocking and advisory warnings. A blocking warning stops a request from being
submitted; an advisory one is shown to the requester and every approver, and kept
with the request and in the audit log:

| rule | warning | kind |
|---|---|---|
| CONC-4 | a discount without a give-back (multi-year, case study, value plan) | blocking |
| CONC-6 | business rationale, expected outcome or alternatives considered missing | blocking |
| CONC-3 | nobody in the approval matrix may approve this combination | blocking |
| CONC-1 | discount above the band for the renewal's risk severity | advisory |
| CONC-4 | the problems are not about price | advisory |
| CONC-5 | too early (problems not yet understood) or too late (customer committed to leave) | advisory |
| CONC-7 | a discount without a sunset clause | advisory |
| CONC-7 | the segment's share of discounted renewals is above the precedent threshold | advisory |
| CONC-8 | a concession beyond price without its size (`--term KIND=N`) | blocking |

Apart from the warnings, every evaluation carries the judgement whether a discount is right
(CONC-9, `Evaluation.fit`) and the seed's two cautions (CONC-10, `Evaluation.cautions`:
don't promise what you can't deliver; don't give away money you can't afford to lose), said
with the request's own facts wherever a concession is proposed.

The advisory ones are judgement calls on facts the data may get wrong (a suggested
root cause, a triage not yet run): a person weighs them, the approver sees them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from renewals.concession.matrix import GRANT_FOR, ApprovalMatrix, Kind
from renewals.errors import RenewalsError
from renewals.kit.i18n import Text
from renewals.policy.domain import Concessions, Policy


class InvalidConcession(RenewalsError):
    def __init__(self, message: str) -> None:
        super().__init__(message, 422)


class RiskSeverity(StrEnum):
    """CONC-1, lowest first."""

    low = "low"
    medium = "medium"
    high = "high"


# CONC-3: the kinds and the matrix grant each non-price kind needs live with the matrix.
ConcessionKind = Kind


class GiveBack(StrEnum):
    """CONC-4: what the customer gives for a discount."""

    multi_year = "multi_year"  # a 2-year commitment
    case_study = "case_study"
    value_plan = "value_plan"  # a plan to prove value for a full-price renewal next year


class GuideCategory(StrEnum):
    """CONC-2 discount guide."""

    none = "none"  # no discount
    minor = "minor"  # under the standard at-risk range
    standard = "standard"
    significant = "significant"
    emergency = "emergency"


RATIONALE_FIELDS = ("business_rationale", "expected_outcome", "alternatives_considered")


@dataclass(frozen=True)
class Rationale:
    """CONC-6: why this concession, what it should achieve, what else was considered."""

    business_rationale: str = ""
    expected_outcome: str = ""
    alternatives_considered: str = ""

    def missing(self) -> list[str]:
        return [name for name in RATIONALE_FIELDS if not getattr(self, name).strip()]

    def as_record(self) -> dict[str, str]:
        return {name: getattr(self, name).strip() for name in RATIONALE_FIELDS}


@dataclass(frozen=True)
class ConcessionRequest:
    discount_pct: float
    kinds: frozenset[ConcessionKind]
    give_back: GiveBack | None = None
    sunset_clause: str | None = None
    rationale: Rationale = field(default_factory=Rationale)
    # MY-2: a proposal's standard multi-year incentive (the renewal passed MY-1), not a
    # person's discretionary request: policy may pre-approve it.
    multi_year_offer: bool = False
    # CONC-8: each catalogued non-price kind's size (net days, months, % of ARR ...)
    sizes: Mapping[str, float] = field(default_factory=dict)

    @property
    def grants_needed(self) -> frozenset[str]:
        return frozenset(GRANT_FOR[k] for k in self.kinds if k in GRANT_FOR)


def parse_terms(values: Iterable[str]) -> dict[str, float]:
    """CONC-8: `KIND=N` pairs (the CLI's --term, the form's fields) as sizes by kind."""
    out: dict[str, float] = {}
    for raw in values:
        kind, sep, number = raw.partition("=")
        if not sep:
            raise InvalidConcession(
                Text("a term is KIND=N (e.g. payment_terms=90), got {value}", value=repr(raw))
            )
        try:
            out[kind.strip()] = float(number)
        except ValueError:
            raise InvalidConcession(
                Text(
                    "{kind}: the size must be a number, got {value}",
                    kind=kind.strip(),
                    value=repr(number),
                )
            ) from None
    return out


def make_request(
    *,
    discount_pct: float,
    kinds: Iterable[str] = (),
    give_back: str | None = None,
    sunset_clause: str | None = None,
    rationale: Rationale | None = None,
    multi_year_offer: bool = False,
    sizes: Mapping[str, float] | None = None,
) -> ConcessionRequest:
    """Validate the raw request: known kinds and give-backs, a discount of 0-100%.

    A discount above 0 adds the `discount` kind; `discount` with 0% is refused. A size
    (CONC-8) adds its kind; a negative size is refused.
    """
    try:
        pct = float(discount_pct)
    except (TypeError, ValueError):
        raise InvalidConcession(
            Text("the discount must be a number, got {value}", value=repr(discount_pct))
        ) from None
    if not 0 <= pct <= 100:
        raise InvalidConcession(Text("the discount must lie within 0-100%, got {pct:g}%", pct=pct))
    found: set[ConcessionKind] = set()
    given = dict(sizes or {})
    for kind, size in given.items():
        if size < 0:
            raise InvalidConcession(
                Text("{kind}: the size must not be negative, got {size:g}", kind=kind, size=size)
            )
    for kind in [*kinds, *given]:
        try:
            found.add(ConcessionKind(kind.strip()))
        except ValueError:
            choices = ", ".join(ConcessionKind)
            raise InvalidConcession(
                Text(
                    "kind must be one of {choices}, got {value}", choices=choices, value=repr(kind)
                )
            ) from None
    if pct > 0:
        found.add(ConcessionKind.discount)
    elif ConcessionKind.discount in found:
        raise InvalidConcession(Text("a discount kind needs a discount above 0% (--discount)"))
    if not found:
        raise InvalidConcession(Text("nothing requested: give a discount or at least one --kind"))
    back: GiveBack | None = None
    if give_back:
        try:
            back = GiveBack(give_back.strip())
        except ValueError:
            choices = ", ".join(GiveBack)
            raise InvalidConcession(
                Text(
                    "give-back must be one of {choices}, got {value}",
                    choices=choices,
                    value=repr(give_back),
                )
            ) from None
    sunset = sunset_clause.strip() if sunset_clause and sunset_clause.strip() else None
    return ConcessionRequest(
        pct, frozenset(found), back, sunset, rationale or Rationale(), multi_year_offer, given
    )


# --- risk severity (CONC-1) ------------------------------------------------------------


@dataclass(frozen=True)
class SeverityDecision:
    value: RiskSeverity
    reasons: tuple[str, ...]
    rules: tuple[str, ...] = ("CONC-1",)

    def as_record(self) -> dict[str, Any]:
        return {"value": self.value.value, "reasons": list(self.reasons), "rules": list(self.rules)}


def risk_severity(
    health_category: str | None,
    risk: str | None,
    probability_band: str | None,
    *,
    opportunity_type: str | None = None,
) -> SeverityDecision:
    """CONC-1: how severe the renewal's risk is, for the discount band it allows.

    High: red health (HEALTH-3), save mode (SIG-4, SIG-0 risk `save`) or a low save
    probability (SAVE-2). Medium: at risk by its signals (SIG-0 `at_risk`), an at-risk
    opportunity (SEG-3), yellow health or a medium save probability. Low otherwise.
    Every matching fact of the chosen level is given as a reason.
    """
    high: list[str] = []
    if health_category == "red":
        high.append(Text("HEALTH-3: health is red (high risk)"))
    if risk == "save":
        high.append(Text("SIG-4: the account is in save mode"))
    if probability_band == "low":
        high.append(Text("SAVE-2: the save probability band is low"))
    if high:
        return SeverityDecision(
            RiskSeverity.high, tuple(Text("CONC-1 high: {why}", why=r) for r in high)
        )
    medium: list[str] = []
    if risk == "at_risk":
        medium.append(Text("SIG-0: several risk signals together (at_risk)"))
    if opportunity_type == "at_risk":
        medium.append(Text("SEG-3: the renewal is an at-risk opportunity"))
    if health_category == "yellow":
        medium.append(Text("HEALTH-3: health is yellow (medium risk)"))
    if probability_band == "medium":
        medium.append(Text("SAVE-2: the save probability band is medium"))
    if medium:
        return SeverityDecision(
            RiskSeverity.medium, tuple(Text("CONC-1 medium: {why}", why=r) for r in medium)
        )
    return SeverityDecision(
        RiskSeverity.low,
        (
            Text(
                "CONC-1 low: no high or medium risk (health {health}, risk {risk}, save "
                "probability {band})",
                health=health_category or Text("unknown"),
                risk=risk or Text("none"),
                band=probability_band or Text("not triaged"),
            ),
        ),
    )


# --- approval authority (CONC-2, CONC-3): one matrix, renewals.concession.matrix --------


def multi_year_incentive_pct(policy: Policy) -> float:
    """MY-2: the incentive a standard multi-year proposal opens with (the band's minimum
    for `proposal.best_term_years`; 0 under a price lock)."""
    if policy.proposal.multi_year_incentive != "discount":
        return 0.0
    years = policy.proposal.best_term_years
    band = (
        policy.multi_year.two_year_discount_pct
        if years == 2
        else policy.multi_year.three_year_discount_pct
    )
    return band.min


def preapproval(request: ConcessionRequest, policy: Policy) -> str | None:
    """MY-2, CONC-3: why this request is pre-approved by policy, or None.

    The standard multi-year incentive of a proposal whose renewal passed MY-1 (a discount
    up to the MY-2 opening offer, tied to the multi-year commitment, nothing else asked
    for) is the policy's own offer: with
    `proposal.multi_year_incentive_preapproved` it needs no manager. Anything beyond it
    (a larger discount, another give-back, another kind) follows CONC-3.
    """
    if not policy.proposal.multi_year_incentive_preapproved:
        return None
    incentive = multi_year_incentive_pct(policy)
    if (
        request.multi_year_offer
        and request.give_back is GiveBack.multi_year
        and request.kinds == frozenset({ConcessionKind.discount})
        and 0 < request.discount_pct <= incentive
    ):
        return Text(
            "MY-2: the standard {best_term_years}-year incentive (up to {incentive:g}%, tied to the multi-year commitment) is pre-approved by policy (proposal.multi_year_incentive_preapproved): no approver needed",
            best_term_years=policy.proposal.best_term_years,
            incentive=incentive,
        )
    return None


# --- evaluation ------------------------------------------------------------------------


@dataclass(frozen=True)
class ConcessionFacts:
    """What the service found about the renewal, for CONC-4, CONC-5 and CONC-7."""

    problems_about_price: bool | None = None  # None: nothing says either way
    root_cause: str | None = None  # SAVE-4
    days_to_renewal: int | None = None
    triage_present: bool = False
    problems_understood: bool = False  # the root cause is confirmed or problems are listed
    customer_committed_to_leave: bool = False
    precedent_share: float | None = None  # the segment's share of discounted renewals
    segment: str | None = None
    precedent_threshold: float = 0.30  # the service passes concessions.precedent.share_warning
    # CONC-9, CONC-10: the account's own facts for "is a discount right" and what it costs
    signals: tuple[str, ...] = ()  # the renewal's risk signals (SIG-x kinds)
    strategic: bool = False  # the account's strategic flag (SAVE-3)
    arr: float | None = None
    churn_probability: float | None = None  # SAVE-2 triage, else 1 - renewal likelihood


@dataclass(frozen=True)
class ConcessionWarning:
    rule: str
    text: str
    blocking: bool = False

    def as_record(self) -> dict[str, Any]:
        return {"rule": self.rule, "text": self.text, "blocking": self.blocking}


@dataclass(frozen=True)
class BandCheck:
    """CONC-1: the discount range for the risk severity, and where the discount lies."""

    severity: RiskSeverity
    min: float
    max: float
    within: bool  # min <= discount <= max
    position: str  # below | within | above

    def as_record(self) -> dict[str, Any]:
        return {
            "severity": self.severity.value,
            "min": self.min,
            "max": self.max,
            "within": self.within,
            "position": self.position,
        }


@dataclass(frozen=True)
class Evaluation:
    discount_pct: float
    kinds: tuple[str, ...]
    requester_role: str | None
    allowed_for_requester: bool
    required_approver_role: str | None
    preapproved: str | None  # MY-2: why policy pre-approves it (None: CONC-3 decides)
    band: BandCheck
    guide: GuideCategory
    warnings: tuple[ConcessionWarning, ...]
    reasons: tuple[str, ...]
    fit: DiscountJudgement | None = None  # CONC-9: only when a discount is asked for
    documentation: tuple[str, ...] = ()  # CONC-8: what this request's kinds need documented
    clauses: tuple[str, ...] = ()  # CONC-8: the proposal/contract clauses it becomes
    cautions: tuple[ConcessionWarning, ...] = ()  # CONC-10: the seed's two warnings

    @property
    def blocking(self) -> tuple[ConcessionWarning, ...]:
        return tuple(w for w in self.warnings if w.blocking)

    def as_record(self) -> dict[str, Any]:
        return {
            "discount_pct": self.discount_pct,
            "kinds": list(self.kinds),
            "requester_role": self.requester_role,
            "allowed_for_requester": self.allowed_for_requester,
            "required_approver_role": self.required_approver_role,
            "preapproved": self.preapproved,
            "band": self.band.as_record(),
            "guide": self.guide.value,
            "warnings": [w.as_record() for w in self.warnings],
            "blocking": bool(self.blocking),
            "reasons": list(self.reasons),
            "discount_fit": self.fit.as_record() if self.fit else None,
            "documentation": list(self.documentation),
            "clauses": list(self.clauses),
            "cautions": [w.as_record() for w in self.cautions],
        }


@dataclass(frozen=True)
class DiscountJudgement:
    """CONC-9: is a discount right for this account, from its own facts."""

    verdict: str  # right | doubtful | not_right
    for_: tuple[str, ...]  # the CONC-9 reasons that justify a discount
    against: tuple[str, ...]  # the CONC-4 / CONC-10 reasons that argue against it
    notes: tuple[str, ...] = ()

    def as_record(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "for": list(self.for_),
            "against": list(self.against),
            "notes": list(self.notes),
        }

    def line(self) -> str:
        head = {
            "right": Text("a discount is right"),
            "doubtful": Text("a discount is doubtful"),
            "not_right": Text("a discount is not right"),
        }[self.verdict]
        parts = [*self.for_, *(Text("against: {reason}", reason=a) for a in self.against)]
        return Text(
            "CONC-9: {head}: {reasons}",
            head=head,
            reasons="; ".join(parts) if parts else Text("no reason in the data"),
        )


def discount_cost(discount_pct: float, facts: ConcessionFacts) -> tuple[float, float] | None:
    """CONC-10: (the yearly cost of the discount, the ARR expected to be lost without it);
    None when the ARR or the churn probability is unknown."""
    if facts.arr is None or facts.churn_probability is None:
        return None
    return facts.arr * discount_pct / 100, facts.arr * facts.churn_probability


def discount_fit(discount_pct: float, facts: ConcessionFacts, policy: Policy) -> DiscountJudgement:
    """CONC-9: "offer discounts when there is a real value gap, budget is a real constraint,
    there is competitive pressure on price, or the account is strategically worth keeping at
    lower margins"; against it (CONC-4): the problems are not about price, precedent risk,
    the economics fail (CONC-10), the customer has committed to leave (CONC-5).

    Right: at least one reason for and none against; doubtful: reasons both ways; not
    right: no reason for.
    """
    fit = policy.concessions.discount_fit
    signals = set(facts.signals)
    for_: list[str] = []
    gap = sorted(signals & set(fit.value_gap_signals))
    if gap:
        for_.append(Text("a real value gap ({signals} signal)", signals=", ".join(gap)))
    budget = sorted(signals & set(fit.budget_signals))
    if budget:
        for_.append(
            Text("budget is a real constraint ({signals} signal, SIG-5)", signals=", ".join(budget))
        )
    elif facts.root_cause == "budget":
        for_.append(Text("budget is a real constraint (root cause budget, SAVE-4)"))
    rivals = sorted(signals & set(fit.competitive_signals))
    if rivals:
        for_.append(
            Text(
                "competitive pressure on price ({signals} signal, SIG-4)", signals=", ".join(rivals)
            )
        )
    if facts.strategic:
        for_.append(Text("a strategic account (flagged): worth keeping at a lower margin"))
    elif facts.arr is not None and facts.arr >= float(fit.strategic_min_arr):
        for_.append(
            Text(
                "a strategic account by size (ARR {arr:,.0f} >= {minimum:,.0f}): worth keeping "
                "at a lower margin",
                arr=facts.arr,
                minimum=float(fit.strategic_min_arr),
            )
        )
    against: list[str] = []
    if facts.root_cause in ("product_fit", "service_experience"):
        against.append(
            Text("the root cause is {root_cause}, not price (CONC-4)", root_cause=facts.root_cause)
        )
    if facts.precedent_share is not None and facts.precedent_share > facts.precedent_threshold:
        against.append(
            Text(
                "precedent risk: {precedent_share:.0%} of {segment}'s renewals were discounted (CONC-7)",
                precedent_share=facts.precedent_share,
                segment=facts.segment or Text("the segment"),
            )
        )
    cost = discount_cost(discount_pct, facts)
    if cost is not None and discount_pct > 0:
        spend, loss = cost
        if spend > loss * fit.max_cost_to_expected_loss:
            against.append(
                Text(
                    "the economics fail: {discount_pct:g}% costs {spend:,.0f} a year against {loss:,.0f} expected to be lost (CONC-10)",
                    discount_pct=discount_pct,
                    spend=spend,
                    loss=loss,
                )
            )
    if facts.customer_committed_to_leave:
        against.append(Text("the customer has committed to leave (CONC-5)"))
    notes = (Text("CONC-4: whether the customer is only testing limits is not in the data: ask"),)
    verdict = "not_right" if not for_ else "doubtful" if against else "right"
    return DiscountJudgement(verdict, tuple(for_), tuple(against), notes)


def seed_warnings(
    request: ConcessionRequest,
    facts: ConcessionFacts,
    matrix: ApprovalMatrix,
    *,
    allowed: bool,
    needed: str | None,
    policy: Policy,
) -> list[ConcessionWarning]:
    """CONC-10: the At-Risk seed's two warnings, shown wherever a concession is proposed,
    each said with this request's own facts."""
    deliver = [
        f"{k}: " + "; ".join(rule.documentation)
        for k in sorted(request.kinds)
        if (rule := matrix.term(k.value)) is not None and rule.grant != "payment_terms"
    ]
    parts: list[str] = [Text("don't promise what you can't deliver")]
    if not allowed:
        parts = [
            Text(
                "don't promise what you can't deliver: nothing before the {role} approves it "
                "(CONC-3)",
                role=needed or Text("approver"),
            )
        ]
    if deliver:
        parts.append(Text("confirm delivery first: {items}", items=" | ".join(deliver)))
    out = [ConcessionWarning("CONC-10", "; ".join(parts))]
    given: list[str] = []
    if request.discount_pct > 0:
        given.append(Text("{pct:g}% off", pct=request.discount_pct))
    for kind in ("reduced_scope", "contingent_pricing"):
        if kind in request.sizes:
            given.append(Text("{pct:g}% of the price ({kind})", pct=request.sizes[kind], kind=kind))
    share = request.discount_pct + sum(
        request.sizes.get(k, 0.0) for k in ("reduced_scope", "contingent_pricing")
    )
    cost = discount_cost(share, facts)
    money: str
    if not given:
        money = Text(
            "don't give away money you can't afford to lose: no price given away by this request"
        )
    elif cost is None:
        money = Text(
            "don't give away money you can't afford to lose: {given}; the churn probability is "
            "unknown (run the save triage)",
            given=", ".join(given),
        )
    else:
        spend, loss = cost
        limit = loss * policy.concessions.discount_fit.max_cost_to_expected_loss
        money = (
            Text(
                "don't give away money you can't afford to lose: {given} costs {spend:,.0f} a "
                "year, more than the {loss:,.0f} expected to be lost without it",
                given=", ".join(given),
                spend=spend,
                loss=loss,
            )
            if spend > limit
            else Text(
                "don't give away money you can't afford to lose: {given} costs {spend:,.0f} a "
                "year, within the {loss:,.0f} expected to be lost without it",
                given=", ".join(given),
                spend=spend,
                loss=loss,
            )
        )
    out.append(ConcessionWarning("CONC-10", money))
    return out


def band_check(discount_pct: float, severity: RiskSeverity, concessions: Concessions) -> BandCheck:
    """CONC-1: the range for this severity, bounds inclusive."""
    band = getattr(concessions.by_risk, severity.value)
    if discount_pct < band.min:
        position = "below"
    elif discount_pct > band.max:
        position = "above"
    else:
        position = "within"
    return BandCheck(severity, band.min, band.max, position == "within", position)


def guide_category(discount_pct: float, concessions: Concessions) -> tuple[GuideCategory, str]:
    """CONC-2: standard 10-15%, significant 20-25%, emergency 30%+ (bounds inclusive).

    A discount in a gap of the guide counts as the stricter category below
    emergency: 15.5% is significant; 29.99% is still significant, not emergency.
    """
    guide = concessions.guide
    std, sig = guide.standard_pct, guide.significant_pct
    if discount_pct <= 0:
        return GuideCategory.none, Text("CONC-2: no discount")
    if discount_pct >= guide.emergency_min_pct:
        return GuideCategory.emergency, (
            Text(
                "CONC-2: {discount_pct:g}% is an emergency discount ({emergency_min_pct:g}%+): emergency only, needs executive approval",
                discount_pct=discount_pct,
                emergency_min_pct=guide.emergency_min_pct,
            )
        )
    if discount_pct > sig.max:
        return GuideCategory.significant, (
            Text(
                "CONC-2: {discount_pct:g}% is above the significant range ({value:g}-{value2:g}%) but below emergency ({emergency_min_pct:g}%): counted as significant",
                discount_pct=discount_pct,
                value=sig.min,
                value2=sig.max,
                emergency_min_pct=guide.emergency_min_pct,
            )
        )
    if discount_pct >= sig.min:
        return GuideCategory.significant, (
            Text(
                "CONC-2: {discount_pct:g}% is a significant discount ({value:g}-{value2:g}%)",
                discount_pct=discount_pct,
                value=sig.min,
                value2=sig.max,
            )
        )
    if discount_pct > std.max:
        return GuideCategory.significant, (
            Text(
                "CONC-2: {discount_pct:g}% lies between the standard ({value:g}-{value2:g}%) and significant ({value3:g}-{value4:g}%) ranges: counted as significant",
                discount_pct=discount_pct,
                value=std.min,
                value2=std.max,
                value3=sig.min,
                value4=sig.max,
            )
        )
    if discount_pct >= std.min:
        return GuideCategory.standard, (
            Text(
                "CONC-2: {discount_pct:g}% is a standard at-risk discount ({value:g}-{value2:g}%)",
                discount_pct=discount_pct,
                value=std.min,
                value2=std.max,
            )
        )
    return GuideCategory.minor, (
        Text(
            "CONC-2: {discount_pct:g}% is below the standard at-risk range ({value:g}-{value2:g}%)",
            discount_pct=discount_pct,
            value=std.min,
            value2=std.max,
        )
    )


def evaluate(
    request: ConcessionRequest,
    *,
    requester_role: str | None,
    severity: RiskSeverity | SeverityDecision,
    policy: Policy,
    facts: ConcessionFacts,
) -> Evaluation:
    """CONC-1..7: what this request needs (approver, band, guide) and what to warn about."""
    concessions = policy.concessions
    decision = (
        severity
        if isinstance(severity, SeverityDecision)
        else SeverityDecision(
            RiskSeverity(severity), (Text("CONC-1: risk severity {severity}", severity=severity),)
        )
    )
    pct = request.discount_pct
    kinds = sorted(k.value for k in request.kinds)
    has_discount = pct > 0
    reasons: list[str] = list(decision.reasons)
    warnings: list[ConcessionWarning] = []

    # CONC-3: who may approve it; nobody may promise what they cannot approve.
    matrix = ApprovalMatrix.of(concessions)
    sizes = request.sizes
    needed = matrix.required_role(pct, request.kinds, sizes)
    preapproved = preapproval(request, policy)
    allowed = matrix.covers(requester_role, pct, request.kinds, sizes) or preapproved is not None
    grants = sorted(matrix.grants(request.kinds, sizes))
    what = f"{pct:g}%" + (f" and {', '.join(grants)}" if grants else "")
    if needed is None:
        warnings.append(
            ConcessionWarning(
                "CONC-3",
                Text(
                    "nobody in the approval matrix may approve {what}: change the request or the policy's concessions.approval",
                    what=what,
                ),
                blocking=True,
            )
        )
    else:
        reasons.append(
            Text(
                "CONC-3: {what} needs {needed} approval ({authority})",
                what=what,
                needed=needed,
                authority=matrix.authority(needed),
            )
        )
    if preapproved:
        reasons.append(preapproved)
    elif allowed:
        reasons.append(
            Text(
                "CONC-3: within the requester's own authority ({authority})",
                authority=matrix.authority(requester_role),
            )
        )
    else:
        reasons.append(
            Text(
                "CONC-3: beyond the requester's authority ({authority}): do not promise it before approval",
                authority=matrix.authority(requester_role),
            )
        )
    if matrix.is_emergency(pct):
        reasons.append(
            Text(
                "CONC-2: {emergency_min_pct:g}%+ needs executive approval (a {value} or more senior: CONC-3 groups VPs and executives)",
                emergency_min_pct=matrix.emergency_min_pct,
                value=matrix.roles[matrix.emergency_rank],
            )
        )

    # CONC-8: each concession beyond price: its grant at its size, its documentation.
    documentation: list[str] = []
    clauses: list[str] = []
    for kind in sorted(request.kinds):
        rule = matrix.term(kind.value)
        if rule is None:
            continue
        size = sizes.get(kind.value)
        reasons.append(rule.explain(size))
        documentation.extend(f"{kind.value}: {d}" for d in rule.documentation)
        if size is None and rule.seed_grant:
            # a kind that is itself a CONC-3 grant (payment terms): unsized, it stays the
            # seed's matrix row, but no clause reaches the terms
            reasons.append(
                Text(
                    "CONC-8: {value} without a size (--term {value2}=N, {measure}): no clause reaches the proposal or contract",
                    value=kind.value,
                    value2=kind.value,
                    measure=rule.measure,
                )
            )
        elif size is None:
            warnings.append(
                ConcessionWarning(
                    "CONC-8",
                    Text(
                        "{value} needs its size: --term {value2}=N ({measure})",
                        value=kind.value,
                        value2=kind.value,
                        measure=rule.measure,
                    ),
                    blocking=True,
                )
            )
        else:
            clauses.append(rule.render(size))

    # CONC-1: the band for the severity.
    band = band_check(pct, decision.value, concessions)
    if has_discount and band.position == "above":
        warnings.append(
            ConcessionWarning(
                "CONC-1",
                Text(
                    "{pct:g}% is above the {value}-risk band ({value2:g}-{value3:g}%)",
                    pct=pct,
                    value=band.severity.value,
                    value2=band.min,
                    value3=band.max,
                ),
            )
        )

    # CONC-2: the guide category.
    guide, guide_reason = guide_category(pct, concessions)
    reasons.append(guide_reason)

    if has_discount:
        # CONC-4: tie every discount to something.
        if request.give_back is None:
            warnings.append(
                ConcessionWarning(
                    "CONC-4",
                    Text(
                        "a discount must be tied to a give-back: multi_year (2-year commitment), "
                        "case_study, or value_plan (prove value for a full-price renewal next year)"
                    ),
                    blocking=True,
                )
            )
        else:
            reasons.append(
                Text("CONC-4: tied to a give-back ({value})", value=request.give_back.value)
            )
        # CONC-7: situation-specific, with a sunset.
        if request.sunset_clause is None:
            warnings.append(
                ConcessionWarning(
                    "CONC-7",
                    Text(
                        "no sunset clause: say when standard pricing returns "
                        '(e.g. "discount for year 1, standard pricing year 2")'
                    ),
                )
            )
        # CONC-4: do not discount when the problems are not about price.
        if facts.root_cause in ("product_fit", "service_experience"):
            warnings.append(
                ConcessionWarning(
                    "CONC-4",
                    Text(
                        "the root cause is {root_cause} (SAVE-4), not price: a discount does not fix it",
                        root_cause=facts.root_cause,
                    ),
                )
            )
        elif facts.problems_about_price is False:
            warnings.append(
                ConcessionWarning(
                    "CONC-4", Text("the problems are not about price: do not discount")
                )
            )
        # CONC-7: precedent risk.
        if facts.precedent_share is not None and facts.precedent_share > facts.precedent_threshold:
            warnings.append(
                ConcessionWarning(
                    "CONC-7",
                    Text(
                        "precedent risk: {precedent_share:.0%} of {segment}'s renewals were discounted in the last year (above {precedent_threshold:.0%}): systematic discounting",
                        precedent_share=facts.precedent_share,
                        segment=facts.segment or Text("this segment"),
                        precedent_threshold=facts.precedent_threshold,
                    ),
                )
            )

    # CONC-9: is a discount right for this account at all?
    fit = discount_fit(pct, facts, policy) if has_discount else None
    if fit is not None:
        reasons.append(fit.line())
        if fit.verdict == "not_right":
            reasons.append(
                Text(
                    "CONC-9: no real value gap, budget limit, price pressure or strategic account "
                    "in the data: consider a concession beyond price (CONC-8)"
                )
            )

    # CONC-10: the seed's two warnings, wherever a concession is proposed: kept apart from
    # the rule checks above (they are said every time, with this request's facts).
    cautions = seed_warnings(request, facts, matrix, allowed=allowed, needed=needed, policy=policy)

    # CONC-5: timing.
    if facts.customer_committed_to_leave:
        warnings.append(
            ConcessionWarning(
                "CONC-5",
                Text(
                    "too late: the customer has committed to leave (an alternative is chosen); "
                    "a concession now looks desperate"
                ),
            )
        )
    elif not facts.triage_present or not facts.problems_understood:
        why = (
            Text("no save triage yet")
            if not facts.triage_present
            else Text("the root cause is unconfirmed")
        )
        warnings.append(
            ConcessionWarning(
                "CONC-5",
                Text(
                    "too early: the problems are not understood ({why}); conceding before diagnosis trains customers to complain",
                    why=why,
                ),
            )
        )
    else:
        reasons.append(
            Text(
                "CONC-5: timing right: problems understood, before their decision, {days} days "
                "to renewal",
                days=facts.days_to_renewal,
            )
            if facts.days_to_renewal is not None
            else Text("CONC-5: timing right: problems understood, before their decision")
        )

    # CONC-6: document it.
    missing = request.rationale.missing()
    if missing:
        warnings.append(
            ConcessionWarning(
                "CONC-6",
                Text("document the concession: {value} missing", value=", ".join(missing)),
                blocking=True,
            )
        )

    return Evaluation(
        discount_pct=pct,
        kinds=tuple(kinds),
        requester_role=requester_role,
        allowed_for_requester=allowed and needed is not None,
        required_approver_role=needed,
        preapproved=preapproved if needed is not None else None,
        band=band,
        guide=guide,
        warnings=tuple(warnings),
        reasons=tuple(reasons),
        fit=fit,
        documentation=tuple(documentation),
        clauses=tuple(clauses),
        cautions=tuple(cautions),
    )
