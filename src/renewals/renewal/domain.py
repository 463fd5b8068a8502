"""Renewal rules on plain values: segment, opportunity type, touch model, motion, stage.

Every function returns a `Decision`: the value, the reasons in words with the
facts that produced it, and the rule IDs. No clock: `as_of` is a parameter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from renewals.account.domain import Segment
from renewals.kit.i18n import Text
from renewals.policy.domain import Policy, Stages


class Stage(StrEnum):
    """TIME-4 stages, in order; the two closed stages come from the contract's outcome."""

    assessment = "assessment"
    preparation = "preparation"
    engagement = "engagement"
    closing = "closing"
    execution = "execution"
    closed_won = "closed_won"
    closed_lost = "closed_lost"

    @property
    def is_closed(self) -> bool:
        return self in (Stage.closed_won, Stage.closed_lost)

    @property
    def rank(self) -> int:
        return OPEN_STAGES.index(self) if self in OPEN_STAGES else len(OPEN_STAGES)


OPEN_STAGES = (
    Stage.assessment,
    Stage.preparation,
    Stage.engagement,
    Stage.closing,
    Stage.execution,
)


class OpportunityType(StrEnum):
    """SEG-3."""

    flat = "flat"
    expansion = "expansion"
    at_risk = "at_risk"
    early = "early"


class TouchModel(StrEnum):
    """SEG-4."""

    auto = "auto"
    assisted = "assisted"
    negotiated = "negotiated"


class Motion(StrEnum):
    """SEG-2: how much effort the health of the account calls for."""

    efficient = "efficient"  # green: confirm value, explore growth
    reinforce = "reinforce"  # yellow: proactive value reinforcement, confirm commitment early
    intervention = "intervention"  # red: full intervention, save playbook


@dataclass(frozen=True)
class Decision:
    value: str
    reasons: tuple[str, ...]
    rules: tuple[str, ...]
    facts: dict[str, Any] = field(default_factory=dict)

    def as_record(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "reasons": list(self.reasons),
            "rules": list(self.rules),
            "facts": self.facts,
        }


@dataclass(frozen=True)
class RenewalFacts:
    """What the rules look at for one renewal on one day."""

    renewal_id: str
    account_id: str
    renewal_date: date
    arr: Decimal
    auto_renew: bool
    payment_on_file: bool
    strategic: bool
    customer_since: date | None
    segment_override: Segment | None
    segment_override_reason: str | None
    health_score: float | None
    health_category: str | None
    relationship_score: float | None
    risk: str | None
    signals: tuple[str, ...]
    growth_reasons: tuple[str, ...] = ()

    def days_to_renewal(self, as_of: date) -> int:
        return (self.renewal_date - as_of).days


def _money(value: Decimal) -> str:
    return f"{value:,.0f}"


def segment_decision(facts: RenewalFacts, policy: Policy) -> Decision:
    """SEG-1: the ARR band, unless a recorded override (with its reason) says otherwise."""
    by_arr = policy.segment_for_arr(facts.arr)
    band = policy.segments.band(by_arr)
    assert band is not None  # segment_for_arr only returns bands that exist
    upper = f"{_money(band.max_arr)}" if band.max_arr is not None else Text("no limit")
    band_reason = Text(
        "SEG-1: ARR {arr} lies in the {segment} band [{low}, {high})",
        arr=_money(facts.arr),
        segment=by_arr.value,
        low=_money(band.min_arr),
        high=upper,
    )
    facts_out = {"arr": float(facts.arr), "band": by_arr.value}
    if facts.segment_override and facts.segment_override != by_arr:
        why = facts.segment_override_reason or Text("no reason recorded")
        return Decision(
            facts.segment_override.value,
            (
                band_reason,
                Text(
                    "SEG-1 override to {segment}: {why}",
                    segment=facts.segment_override.value,
                    why=why,
                ),
            ),
            ("SEG-1",),
            {**facts_out, "override": facts.segment_override.value, "override_reason": why},
        )
    return Decision(by_arr.value, (band_reason,), ("SEG-1",), facts_out)


def motion_decision(facts: RenewalFacts) -> Decision:
    """SEG-2: green runs efficiently, yellow reinforces value, red is a full intervention.

    A healthy account is not treated as at risk because it is large (SEG-2); only its
    health and its combined risk (SIG-0) move it.
    """
    category = facts.health_category
    if category == "red" or facts.risk == "save":
        why = (
            Text("health is red")
            if category == "red"
            else Text("SIG-4 competitive signal: save mode")
        )
        return Decision(
            Motion.intervention.value,
            (
                Text(
                    "SEG-2: {why}: full intervention (escalation, issue sprint, save playbook)",
                    why=why,
                ),
            ),
            ("SEG-2",),
            {"health_category": category, "risk": facts.risk},
        )
    if category == "yellow" or facts.risk == "at_risk":
        why = (
            Text("health is yellow")
            if category == "yellow"
            else Text("signals add up to risk (SIG-0)")
        )
        return Decision(
            Motion.reinforce.value,
            (
                Text(
                    "SEG-2: {why}: reinforce value, address concerns, confirm commitment early",
                    why=why,
                ),
            ),
            ("SEG-2",),
            {"health_category": category, "risk": facts.risk},
        )
    if category is None:
        return Decision(
            Motion.reinforce.value,
            (Text("SEG-2: no health score yet (too little data): treat as yellow until scored"),),
            ("SEG-2", "HEALTH-1"),
            {"health_category": None},
        )
    return Decision(
        Motion.efficient.value,
        (
            Text(
                "SEG-2: health is {category}: efficient process, confirm value, explore growth",
                category=category,
            ),
        ),
        ("SEG-2",),
        {"health_category": category, "risk": facts.risk},
    )


def opportunity_decision(facts: RenewalFacts, *, as_of: date, policy: Policy) -> Decision:
    """SEG-3: at-risk before expansion before early before flat."""
    rules = policy.opportunity
    days = facts.days_to_renewal(as_of)
    base = {
        "health_category": facts.health_category,
        "health_score": facts.health_score,
        "risk": facts.risk,
        "signals": list(facts.signals),
        "days_to_renewal": days,
    }
    notes: tuple[str, ...] = ()
    if facts.health_category == "red" or (facts.risk in rules.at_risk_risks):
        healthy = facts.health_category in rules.healthy_categories and facts.risk != "save"
        if not healthy:
            why = (
                Text("health is red")
                if facts.health_category == "red"
                else Text(
                    "combined risk is {risk} (SIG-0: {signals})",
                    risk=facts.risk,
                    signals=", ".join(facts.signals) or Text("signals"),
                )
            )
            return Decision(
                OpportunityType.at_risk.value,
                (Text("SEG-3: {why}: at-risk renewal, save strategy", why=why),),
                ("SEG-3", "SIG-0"),
                base,
            )
        notes = (
            Text(
                "SEG-2: signals add up to {risk} ({signals}) but health is "
                "{category}: watched, not treated as at risk",
                risk=facts.risk,
                signals=", ".join(facts.signals),
                category=facts.health_category,
            ),
        )
    if facts.health_category == "expansion":
        growth = "; ".join(facts.growth_reasons) or Text("growth indicators (HEALTH-3)")
        return Decision(
            OpportunityType.expansion.value,
            (
                Text("SEG-3: expansion: {growth}; lead with growth, sales involved", growth=growth),
                *notes,
            ),
            ("SEG-3", "HEALTH-3"),
            base,
        )
    tenure = _months_between(facts.customer_since, as_of) if facts.customer_since else None
    if (
        days >= rules.early_min_days
        and facts.health_score is not None
        and facts.health_score >= rules.early_min_score
        and tenure is not None
        and tenure >= rules.early_min_customer_months
    ):
        return Decision(
            OpportunityType.early.value,
            (
                Text(
                    "SEG-3: early renewal: {days} days out (>= {min_days}), "
                    "health {score:.0f} (>= {min_score:g}), "
                    "customer for {months} months (>= {min_months}, MY-1): "
                    "lock commitment ahead of schedule, often multi-year",
                    days=days,
                    min_days=rules.early_min_days,
                    score=facts.health_score,
                    min_score=rules.early_min_score,
                    months=tenure,
                    min_months=rules.early_min_customer_months,
                ),
                *notes,
            ),
            ("SEG-3", "MY-1"),
            {**base, "customer_months": tenure},
        )
    return Decision(
        OpportunityType.flat.value,
        (
            Text(
                "SEG-3: flat renewal: no risk, no growth signal, health {category}; "
                "same terms, quick",
                category=facts.health_category,
            )
            if facts.health_category
            else Text("SEG-3: flat renewal: no risk, no growth signal; same terms, quick"),
            *notes,
        ),
        ("SEG-3",),
        base,
    )


def touch_decision(
    facts: RenewalFacts, *, segment: Segment, opportunity: str, policy: Policy
) -> Decision:
    """SEG-4: auto-renewal only for small auto-renew contracts with payment on file and a
    solid relationship; a full negotiation for large or complex ones; assisted otherwise."""
    touch = policy.touch
    complex_ = opportunity in (OpportunityType.expansion, OpportunityType.at_risk)
    base = {
        "segment": segment.value,
        "auto_renew": facts.auto_renew,
        "payment_on_file": facts.payment_on_file,
        "relationship_score": facts.relationship_score,
        "opportunity_type": opportunity,
    }
    if segment in touch.negotiated_segments:
        return Decision(
            TouchModel.negotiated.value,
            (
                Text(
                    "SEG-4: {segment}: full sales process for large accounts", segment=segment.value
                ),
            ),
            ("SEG-4",),
            base,
        )
    if complex_ and segment in touch.complex_segments:
        return Decision(
            TouchModel.negotiated.value,
            (
                Text(
                    "SEG-4: {segment} renewal that is {opportunity}: complex, negotiated",
                    segment=segment.value,
                    opportunity=opportunity,
                ),
            ),
            ("SEG-4",),
            base,
        )
    if segment in touch.auto_segments:
        missing: list[str] = []
        if not facts.auto_renew:
            missing.append(Text("no auto-renew clause"))
        if not facts.payment_on_file:
            missing.append(Text("no payment on file"))
        solid = (
            facts.relationship_score is not None
            and facts.relationship_score >= touch.auto_min_relationship
            and facts.health_category in ("green", "expansion")
        )
        if not solid:
            rel = (
                Text("unknown")
                if facts.relationship_score is None
                else f"{facts.relationship_score:.0f}"
            )
            missing.append(
                Text(
                    "relationship not solid (relationship {score}, needs >= "
                    "{minimum:g} and health green; is {category})",
                    score=rel,
                    minimum=touch.auto_min_relationship,
                    category=facts.health_category,
                )
            )
        if complex_:
            missing.append(Text("{opportunity} renewal needs a person", opportunity=opportunity))
        if not missing:
            return Decision(
                TouchModel.auto.value,
                (
                    Text(
                        "SEG-4: auto-renewal: auto-renew clause, payment on file, solid "
                        "relationship (relationship {score:.0f}); customer notified, must opt out",
                        score=facts.relationship_score,
                    ),
                ),
                ("SEG-4",),
                base,
            )
        return Decision(
            TouchModel.assisted.value,
            (Text("SEG-4: assisted, not auto-renewal: {missing}", missing="; ".join(missing)),),
            ("SEG-4",),
            base,
        )
    return Decision(
        TouchModel.assisted.value,
        (
            Text(
                "SEG-4: {segment}: automated reminders plus a light human check-in",
                segment=segment.value,
            ),
        ),
        ("SEG-4",),
        base,
    )


def target_arr(arr: Decimal, opportunity: str, policy: Policy) -> Decimal:
    """SEG-3: expansion renewals aim above the current ARR; the others hold it."""
    if opportunity == OpportunityType.expansion:
        pct = Decimal(str(policy.opportunity.expansion_target_pct))
        return (arr * (1 + pct / 100)).quantize(Decimal("0.01"))
    return arr


def expected_stage(days_to_renewal: int, stages: Stages) -> Stage:
    """TIME-4: the stage a renewal should be in this many days before its date."""
    if days_to_renewal <= 0:
        return Stage.execution
    if days_to_renewal <= stages.closing_days:
        return Stage.closing
    if days_to_renewal <= stages.engagement_days:
        return Stage.engagement
    if days_to_renewal <= stages.preparation_days:
        return Stage.preparation
    return Stage.assessment


def advance(current: Stage, days_to_renewal: int, stages: Stages) -> tuple[Stage, str] | None:
    """TIME-4: the stage the daily run moves an open renewal to, or None to stay.

    Stages only move forward, and by date only up to `stages.auto_advance_to`; the
    later ones need a person or an event (TIME-5: at T-14 a renewal that is not in a
    late stage is escalated, which would be meaningless if the date moved it there).
    """
    if current.is_closed:
        return None
    due = expected_stage(days_to_renewal, stages)
    cap = Stage(stages.auto_advance_to)
    target = due if due.rank <= cap.rank else cap
    if target.rank <= current.rank:
        return None
    # a message per number, each extracted whole (a stored reason is read back through
    # its English template): "1 day", "N days"
    days, stage, capped = days_to_renewal, due.value, cap.value
    if target != due and days == 1:
        return target, Text(
            "TIME-4: 1 day before renewal the renewal is in {stage} (moved by date up to {cap})",
            stage=stage,
            cap=capped,
        )
    if target != due:
        return target, Text(
            "TIME-4: {days} days before renewal the renewal is in {stage} "
            "(moved by date up to {cap})",
            days=days,
            stage=stage,
            cap=capped,
        )
    if days == 1:
        return target, Text("TIME-4: 1 day before renewal the renewal is in {stage}", stage=stage)
    return target, Text(
        "TIME-4: {days} days before renewal the renewal is in {stage}", days=days, stage=stage
    )


def closed_stage(outcome: str) -> Stage:
    """FUND-1: a renewed, expanded or downgraded contract is won; churned is lost."""
    return Stage.closed_lost if outcome == "churned" else Stage.closed_won


def _months_between(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + (end.month - start.month)
    return months - (1 if end.day < start.day else 0)
