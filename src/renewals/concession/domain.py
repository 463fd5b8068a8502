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

The advisory ones are judgement calls on facts the data may get wrong (a suggested
root cause, a triage not yet run): a person weighs them, the approver sees them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from renewals.concession.matrix import GRANT_FOR, ApprovalMatrix, Kind
from renewals.errors import RenewalsError
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

    @property
    def grants_needed(self) -> frozenset[str]:
        return frozenset(GRANT_FOR[k] for k in self.kinds if k in GRANT_FOR)


def make_request(
    *,
    discount_pct: float,
    kinds: Iterable[str] = (),
    give_back: str | None = None,
    sunset_clause: str | None = None,
    rationale: Rationale | None = None,
    multi_year_offer: bool = False,
) -> ConcessionRequest:
    """Validate the raw request: known kinds and give-backs, a discount of 0-100%.

    A discount above 0 adds the `discount` kind; `discount` with 0% is refused.
    """
    try:
        pct = float(discount_pct)
    except (TypeError, ValueError):
        raise InvalidConcession(f"the discount must be a number, got {discount_pct!r}") from None
    if not 0 <= pct <= 100:
        raise InvalidConcession(f"the discount must lie within 0-100%, got {pct:g}%")
    found: set[ConcessionKind] = set()
    for kind in kinds:
        try:
            found.add(ConcessionKind(kind.strip()))
        except ValueError:
            choices = ", ".join(ConcessionKind)
            raise InvalidConcession(f"kind must be one of {choices}, got {kind!r}") from None
    if pct > 0:
        found.add(ConcessionKind.discount)
    elif ConcessionKind.discount in found:
        raise InvalidConcession("a discount kind needs a discount above 0% (--discount)")
    if not found:
        raise InvalidConcession("nothing requested: give a discount or at least one --kind")
    back: GiveBack | None = None
    if give_back:
        try:
            back = GiveBack(give_back.strip())
        except ValueError:
            choices = ", ".join(GiveBack)
            raise InvalidConcession(
                f"give-back must be one of {choices}, got {give_back!r}"
            ) from None
    sunset = sunset_clause.strip() if sunset_clause and sunset_clause.strip() else None
    return ConcessionRequest(
        pct, frozenset(found), back, sunset, rationale or Rationale(), multi_year_offer
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
        high.append("HEALTH-3: health is red (high risk)")
    if risk == "save":
        high.append("SIG-4: the account is in save mode")
    if probability_band == "low":
        high.append("SAVE-2: the save probability band is low")
    if high:
        return SeverityDecision(RiskSeverity.high, tuple(f"CONC-1 high: {r}" for r in high))
    medium: list[str] = []
    if risk == "at_risk":
        medium.append("SIG-0: several risk signals together (at_risk)")
    if opportunity_type == "at_risk":
        medium.append("SEG-3: the renewal is an at-risk opportunity")
    if health_category == "yellow":
        medium.append("HEALTH-3: health is yellow (medium risk)")
    if probability_band == "medium":
        medium.append("SAVE-2: the save probability band is medium")
    if medium:
        return SeverityDecision(RiskSeverity.medium, tuple(f"CONC-1 medium: {r}" for r in medium))
    facts = (
        f"health {health_category or 'unknown'}, risk {risk or 'none'}, "
        f"save probability {probability_band or 'not triaged'}"
    )
    return SeverityDecision(RiskSeverity.low, (f"CONC-1 low: no high or medium risk ({facts})",))


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
        return (
            f"MY-2: the standard {policy.proposal.best_term_years}-year incentive "
            f"(up to {incentive:g}%, tied to the multi-year commitment) is pre-approved by "
            "policy (proposal.multi_year_incentive_preapproved): no approver needed"
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
        }


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
        return GuideCategory.none, "CONC-2: no discount"
    if discount_pct >= guide.emergency_min_pct:
        return GuideCategory.emergency, (
            f"CONC-2: {discount_pct:g}% is an emergency discount "
            f"({guide.emergency_min_pct:g}%+): emergency only, needs executive approval"
        )
    if discount_pct > sig.max:
        return GuideCategory.significant, (
            f"CONC-2: {discount_pct:g}% is above the significant range ({sig.min:g}-{sig.max:g}%) "
            f"but below emergency ({guide.emergency_min_pct:g}%): counted as significant"
        )
    if discount_pct >= sig.min:
        return GuideCategory.significant, (
            f"CONC-2: {discount_pct:g}% is a significant discount ({sig.min:g}-{sig.max:g}%)"
        )
    if discount_pct > std.max:
        return GuideCategory.significant, (
            f"CONC-2: {discount_pct:g}% lies between the standard ({std.min:g}-{std.max:g}%) "
            f"and significant ({sig.min:g}-{sig.max:g}%) ranges: counted as significant"
        )
    if discount_pct >= std.min:
        return GuideCategory.standard, (
            f"CONC-2: {discount_pct:g}% is a standard at-risk discount ({std.min:g}-{std.max:g}%)"
        )
    return GuideCategory.minor, (
        f"CONC-2: {discount_pct:g}% is below the standard at-risk range ({std.min:g}-{std.max:g}%)"
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
        else SeverityDecision(RiskSeverity(severity), (f"CONC-1: risk severity {severity}",))
    )
    pct = request.discount_pct
    kinds = sorted(k.value for k in request.kinds)
    has_discount = pct > 0
    reasons: list[str] = list(decision.reasons)
    warnings: list[ConcessionWarning] = []

    # CONC-3: who may approve it; nobody may promise what they cannot approve.
    matrix = ApprovalMatrix.of(concessions)
    needed = matrix.required_role(pct, request.kinds)
    preapproved = preapproval(request, policy)
    allowed = matrix.covers(requester_role, pct, request.kinds) or preapproved is not None
    grants = sorted(request.grants_needed)
    what = f"{pct:g}%" + (f" and {', '.join(grants)}" if grants else "")
    if needed is None:
        warnings.append(
            ConcessionWarning(
                "CONC-3",
                f"nobody in the approval matrix may approve {what}: change the request "
                "or the policy's concessions.approval",
                blocking=True,
            )
        )
    else:
        reasons.append(f"CONC-3: {what} needs {needed} approval ({matrix.authority(needed)})")
    if preapproved:
        reasons.append(preapproved)
    elif allowed:
        reasons.append(
            f"CONC-3: within the requester's own authority ({matrix.authority(requester_role)})"
        )
    else:
        reasons.append(
            f"CONC-3: beyond the requester's authority ({matrix.authority(requester_role)}): "
            "do not promise it before approval"
        )
    if matrix.is_emergency(pct):
        reasons.append(
            f"CONC-2: {matrix.emergency_min_pct:g}%+ needs executive approval "
            f"(a {matrix.roles[matrix.emergency_rank]} or more senior: CONC-3 groups VPs and "
            "executives)"
        )

    # CONC-1: the band for the severity.
    band = band_check(pct, decision.value, concessions)
    if has_discount and band.position == "above":
        warnings.append(
            ConcessionWarning(
                "CONC-1",
                f"{pct:g}% is above the {band.severity.value}-risk band "
                f"({band.min:g}-{band.max:g}%)",
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
                    "a discount must be tied to a give-back: multi_year (2-year commitment), "
                    "case_study, or value_plan (prove value for a full-price renewal next year)",
                    blocking=True,
                )
            )
        else:
            reasons.append(f"CONC-4: tied to a give-back ({request.give_back.value})")
        # CONC-7: situation-specific, with a sunset.
        if request.sunset_clause is None:
            warnings.append(
                ConcessionWarning(
                    "CONC-7",
                    "no sunset clause: say when standard pricing returns "
                    '(e.g. "discount for year 1, standard pricing year 2")',
                )
            )
        # CONC-4: do not discount when the problems are not about price.
        if facts.root_cause in ("product_fit", "service_experience"):
            warnings.append(
                ConcessionWarning(
                    "CONC-4",
                    f"the root cause is {facts.root_cause} (SAVE-4), not price: "
                    "a discount does not fix it",
                )
            )
        elif facts.problems_about_price is False:
            warnings.append(
                ConcessionWarning("CONC-4", "the problems are not about price: do not discount")
            )
        # CONC-7: precedent risk.
        if facts.precedent_share is not None and facts.precedent_share > facts.precedent_threshold:
            warnings.append(
                ConcessionWarning(
                    "CONC-7",
                    f"precedent risk: {facts.precedent_share:.0%} of "
                    f"{facts.segment or 'this segment'}'s renewals were discounted in the last "
                    f"year (above {facts.precedent_threshold:.0%}): systematic discounting",
                )
            )

    # CONC-5: timing.
    if facts.customer_committed_to_leave:
        warnings.append(
            ConcessionWarning(
                "CONC-5",
                "too late: the customer has committed to leave (an alternative is chosen); "
                "a concession now looks desperate",
            )
        )
    elif not facts.triage_present or not facts.problems_understood:
        why = "no save triage yet" if not facts.triage_present else "the root cause is unconfirmed"
        warnings.append(
            ConcessionWarning(
                "CONC-5",
                f"too early: the problems are not understood ({why}); "
                "conceding before diagnosis trains customers to complain",
            )
        )
    else:
        days = (
            f", {facts.days_to_renewal} days to renewal"
            if facts.days_to_renewal is not None
            else ""
        )
        reasons.append(f"CONC-5: timing right: problems understood, before their decision{days}")

    # CONC-6: document it.
    missing = request.rationale.missing()
    if missing:
        warnings.append(
            ConcessionWarning(
                "CONC-6",
                f"document the concession: {', '.join(missing)} missing",
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
    )
