"""Save triage on plain values (SAVE-2..7): probability band, value tier, root cause,
time window, effort and expected value, each with its reasons and rule IDs.

Evidence comes from the data (signals, health components) and from what the CSM
records (`inputs`); a recorded input beats what the data suggests. No clock: the
days to renewal are a fact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any

from renewals.kit.i18n import Text
from renewals.policy.domain import Policy


class Band(StrEnum):
    """SAVE-2, highest first."""

    high = "high"
    medium = "medium"
    low = "low"


class ValueTier(StrEnum):
    high = "high"
    medium = "medium"
    low = "low"


class RootCause(StrEnum):
    """SAVE-4, hardest to fix first; circumstantial depends on the situation."""

    product_fit = "product_fit"
    service_experience = "service_experience"
    value_perception = "value_perception"
    circumstantial = "circumstantial"


class Window(StrEnum):
    """SAVE-6."""

    comprehensive = "comprehensive"
    compressed = "compressed"
    emergency = "emergency"


class Effort(StrEnum):
    """SAVE-5."""

    full = "full"
    standard = "standard"
    light = "light"
    none = "none"


# What a CSM may record about the evidence (SAVE-2's conditions), and what each means.
INPUTS: dict[str, tuple[str, ...]] = {
    "relationship": ("good", "strained", "damaged"),
    "alternative": ("none", "evaluating", "chosen"),
    "budget": ("confirmed", "uncertain", "none"),
    "willingness": ("willing", "mixed", "checked_out"),
}

FIELDS = ("probability_band", "value_tier", "root_cause", "time_window", "effort")


def not_one_of(name: str, value: str, allowed: Sequence[str]) -> Text:
    """The refusal of a value outside its choices (an input, an override, a problem's
    status): the field read in the reader's language, the choices and the value as typed."""
    return Text(
        "{name} must be one of {choices}, got {value}",
        name=name,
        choices=", ".join(allowed),
        value=repr(value),
    )


class Reading(StrEnum):
    favourable = "favourable"
    mixed = "mixed"
    unfavourable = "unfavourable"
    unknown = "unknown"


@dataclass(frozen=True)
class Factor:
    """One SAVE-2 condition as read from the evidence."""

    name: str
    reading: Reading
    why: str
    decisive: str | None = None  # the policy's `decisive` name when unfavourable


@dataclass(frozen=True)
class TriageFacts:
    renewal_id: str
    arr: Decimal
    strategic: bool
    days_to_renewal: int
    health_category: str | None
    relationship_score: float | None
    support_score: float | None
    signals: tuple[str, ...]
    inputs: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Triage:
    probability_band: Band
    success_rate: float
    value_tier: ValueTier
    root_cause: RootCause
    root_cause_confirmed: bool
    time_window: Window
    effort: Effort
    expected_value_hours: float
    reasons: dict[str, list[str]]
    factors: tuple[Factor, ...]

    def value(self, name: str) -> str:
        return str(getattr(self, name).value)


def root_cause(facts: TriageFacts, policy: Policy) -> tuple[RootCause, list[str], bool]:
    """SAVE-4: suggested from the signals and the support record; a person confirms it."""
    recorded = facts.inputs.get("root_cause")
    if recorded:
        return (
            RootCause(recorded),
            [Text("SAVE-4: confirmed by a person as {cause}", cause=recorded)],
            True,
        )
    kinds = set(facts.signals)
    support_low = (
        facts.support_score is not None
        and facts.support_score < policy.save.triage.support_problem_score
    )
    if "competitive" in kinds:
        cause, why = (
            RootCause.product_fit,
            Text("a competitor is in play (SIG-4): a better alternative may exist"),
        )
    elif kinds & {"budget", "business_change"}:
        found = ", ".join(sorted(kinds & {"budget", "business_change"}))
        cause, why = (
            RootCause.circumstantial,
            Text("{signals} signals: budget or situation changed", signals=found),
        )
    elif "negative_feedback" in kinds or support_low:
        why = (
            Text(
                "support score {score:.0f} below {minimum:g}",
                score=facts.support_score,
                minimum=policy.save.triage.support_problem_score,
            )
            if support_low
            else Text("negative feedback (SIG-3)")
        )
        cause = RootCause.service_experience
    else:
        cause = RootCause.value_perception
        why = Text("no product, service or budget signal: they may not see the value")
    return (
        cause,
        [
            Text(
                "SAVE-4: suggested {cause}: {why}; confirm with the customer",
                cause=cause.value,
                why=why,
            )
        ],
        False,
    )


def factors(
    facts: TriageFacts, cause: RootCause, policy: Policy, *, confirmed: bool = False
) -> tuple[Factor, ...]:
    """SAVE-2's five conditions, each read as favourable, mixed, unfavourable or unknown.

    A product-fit root cause counts against the save only once a person confirmed it; a
    suggestion from a competitive remark is "alternatives being evaluated" (medium)."""
    t = policy.save.triage
    kinds = set(facts.signals)
    given = facts.inputs
    found: list[Factor] = []

    if cause == RootCause.product_fit and confirmed:
        found.append(
            Factor("problems", Reading.unfavourable, Text("product-fit problem"), "product_fit")
        )
    elif cause == RootCause.product_fit:
        found.append(
            Factor(
                "problems",
                Reading.mixed,
                Text("suggested product fit: complex, confirm with them"),
            )
        )
    elif cause == RootCause.circumstantial:
        found.append(
            Factor("problems", Reading.mixed, Text("circumstantial: depends on the situation"))
        )
    else:
        found.append(
            Factor("problems", Reading.favourable, Text("{cause}: fixable", cause=cause.value))
        )

    if "relationship" in given:
        reading = {"good": Reading.favourable, "strained": Reading.mixed}.get(
            given["relationship"], Reading.unfavourable
        )
        found.append(
            Factor(
                "relationship",
                reading,
                Text("recorded: {value}", value=given["relationship"]),
                "relationship_damaged" if reading == Reading.unfavourable else None,
            )
        )
    elif facts.relationship_score is None:
        found.append(Factor("relationship", Reading.unknown, Text("no relationship data")))
    elif facts.relationship_score >= t.relationship_good:
        found.append(
            Factor(
                "relationship",
                Reading.favourable,
                Text("relationship {score:.0f}", score=facts.relationship_score),
            )
        )
    elif facts.relationship_score < t.relationship_damaged:
        found.append(
            Factor(
                "relationship",
                Reading.unfavourable,
                Text(
                    "relationship {score:.0f} below {minimum:g}",
                    score=facts.relationship_score,
                    minimum=t.relationship_damaged,
                ),
                "relationship_damaged",
            )
        )
    else:
        found.append(
            Factor(
                "relationship",
                Reading.mixed,
                Text("relationship {score:.0f}", score=facts.relationship_score),
            )
        )

    alternative = given.get("alternative")
    if alternative == "chosen":
        found.append(
            Factor(
                "alternative",
                Reading.unfavourable,
                Text("committed to an alternative"),
                "alternative_chosen",
            )
        )
    elif alternative == "evaluating" or (alternative is None and "competitive" in kinds):
        why = (
            Text("recorded: {value}", value="evaluating")
            if alternative
            else Text("competitive signal (SIG-4)")
        )
        found.append(
            Factor("alternative", Reading.mixed, Text("alternatives evaluated: {why}", why=why))
        )
    else:
        found.append(Factor("alternative", Reading.favourable, Text("no alternative in view")))

    budget = given.get("budget")
    if budget == "confirmed":
        found.append(Factor("budget", Reading.favourable, Text("budget confirmed")))
    elif budget == "none":
        found.append(Factor("budget", Reading.unfavourable, Text("no budget"), "no_budget"))
    elif budget == "uncertain" or kinds & {"budget", "business_change"}:
        found.append(Factor("budget", Reading.mixed, Text("budget uncertain")))
    else:
        found.append(Factor("budget", Reading.unknown, Text("budget not confirmed either way")))

    willingness = given.get("willingness")
    if willingness == "willing" or (
        willingness is None
        and not kinds & {"engagement_drop", "single_threading", "stakeholder_change"}
    ):
        found.append(Factor("willingness", Reading.favourable, Text("stakeholders engage")))
    elif willingness == "checked_out" or (willingness is None and "engagement_drop" in kinds):
        found.append(
            Factor(
                "willingness",
                Reading.unfavourable,
                Text("stakeholders checked out"),
                "checked_out",
            )
        )
    else:
        found.append(Factor("willingness", Reading.mixed, Text("mixed stakeholder views")))
    return tuple(found)


LOWER = {Band.high: Band.medium, Band.medium: Band.low, Band.low: Band.low}


def _reading(f: Factor) -> str:
    """One SAVE-2 condition with its reading and why (an item of the evidence)."""
    if f.reading == Reading.favourable:
        return Text("{factor}: favourable ({why})", factor=f.name, why=f.why)
    if f.reading == Reading.unfavourable:
        return Text("{factor}: unfavourable ({why})", factor=f.name, why=f.why)
    if f.reading == Reading.mixed:
        return Text("{factor}: mixed ({why})", factor=f.name, why=f.why)
    return Text("{factor}: unknown ({why})", factor=f.name, why=f.why)


def probability(
    found: tuple[Factor, ...], window: Window, policy: Policy
) -> tuple[Band, list[str]]:
    """SAVE-2 band from the factors; SAVE-6 emergency lowers it one step."""
    t = policy.save.triage
    plus = [f for f in found if f.reading == Reading.favourable]
    minus = [f for f in found if f.reading == Reading.unfavourable]
    decisive = [f for f in minus if f.decisive in t.decisive]
    listing = "; ".join(_reading(f) for f in found)
    why: str
    if decisive:
        band = Band.low
        why = Text("decisive: {reasons}", reasons=", ".join(f.why for f in decisive))
    elif len(minus) >= t.low_min_negative:
        band = Band.low
        why = Text(
            "{n} unfavourable factors (>= {minimum})", n=len(minus), minimum=t.low_min_negative
        )
    elif len(plus) >= t.high_min_positive and len(minus) <= t.high_max_negative:
        band = Band.high
        why = Text("{plus} favourable factors, {minus} against", plus=len(plus), minus=len(minus))
    else:
        band = Band.medium
        why = Text(
            "{plus} favourable, {minus} unfavourable: mixed", plus=len(plus), minus=len(minus)
        )
    reasons: list[str] = [
        Text("SAVE-2: {band}: {why}", band=band.value, why=why),
        Text("SAVE-2: evidence: {lines}", lines=listing),
    ]
    if window == Window.emergency and t.emergency_lowers_band and band != Band.low:
        band = LOWER[band]
        reasons.append(
            Text("SAVE-6: emergency window: lowered to {band} (band-aids only)", band=band.value)
        )
    return band, reasons


def success_rate(band: Band, policy: Policy) -> float:
    r = getattr(policy.save.probability, band.value)
    return round((r.min + r.max) / 2, 4)


def value_tier(facts: TriageFacts, policy: Policy) -> tuple[ValueTier, list[str]]:
    """SAVE-3: ARR first; strategic accounts (logo, reference) count as high."""
    v = policy.save.value_tiers
    arr = f"{facts.arr:,.0f}"
    if facts.arr >= v.high_min_arr:
        return ValueTier.high, [
            Text("SAVE-3: ARR {arr} >= {minimum:,.0f}", arr=arr, minimum=v.high_min_arr)
        ]
    if facts.strategic and v.strategic_is_high:
        return ValueTier.high, [Text("SAVE-3: strategic account (ARR {arr})", arr=arr)]
    if facts.arr >= v.medium_min_arr:
        return ValueTier.medium, [
            Text("SAVE-3: ARR {arr} from {minimum:,.0f}", arr=arr, minimum=v.medium_min_arr)
        ]
    return ValueTier.low, [
        Text("SAVE-3: ARR {arr} below {minimum:,.0f}", arr=arr, minimum=v.medium_min_arr)
    ]


def time_window(days: int, policy: Policy) -> tuple[Window, list[str]]:
    """SAVE-6: 90+ days comprehensive, 30-90 compressed, under 30 emergency."""
    s = policy.save
    if days >= s.comprehensive_min_days:
        return Window.comprehensive, [
            Text(
                "SAVE-6: {days} days left (>= {minimum})",
                days=days,
                minimum=s.comprehensive_min_days,
            )
        ]
    if days >= s.compressed_min_days:
        return Window.compressed, [
            Text(
                "SAVE-6: {days} days left ({low}-{high}): critical issues and quick wins only",
                days=days,
                low=s.compressed_min_days,
                high=s.comprehensive_min_days,
            )
        ]
    return Window.emergency, [
        Text(
            "SAVE-6: {days} days left (< {minimum}): emergency",
            days=days,
            minimum=s.compressed_min_days,
        )
    ]


def effort(value: ValueTier, band: Band, window: Window | None = None) -> tuple[Effort, list[str]]:
    """SAVE-5's allocation table; medium value with high probability gets standard effort
    (the table's nearest row), high value with low probability light, except in an
    emergency window (SAVE-6), where a high-value account gets CSM plus manager at once
    (SAVE-3: ARR first) rather than one conversation."""
    if value == ValueTier.low and band == Band.low:
        return Effort.none, [Text("SAVE-5: low value and low probability: graceful exit, learn")]
    if value == ValueTier.high and band == Band.low and window == Window.emergency:
        return Effort.standard, [
            Text(
                "SAVE-5, SAVE-6: high value in an emergency window: CSM plus manager now, "
                "not one conversation (SAVE-3: ARR first)"
            )
        ]
    if value == ValueTier.low or band == Band.low:
        return Effort.light, [
            Text(
                "SAVE-5: {value} value, {band} probability: CSM only, one conversation",
                value=value.value,
                band=band.value,
            )
        ]
    if value == ValueTier.high:
        return Effort.full, [
            Text(
                "SAVE-5: high value and {band} probability: all hands, executive, custom solutions",
                band=band.value,
            )
        ]
    return Effort.standard, [
        Text(
            "SAVE-5: medium value and {band} probability: CSM plus manager, standard playbook",
            band=band.value,
        )
    ]


def priority(window: str, arr: float, rate: float, policy: Policy) -> float:
    """Save-desk order (issue 16): urgency x value: the SAVE-6 window's urgency
    (`save.window_urgency`: emergency 3, compressed 2, comprehensive 1) x ARR (SAVE-3) x
    the band's success rate (SAVE-2), so a large red renewal due in 10 days comes first."""
    urgency: dict[str, float] = {str(k): v for k, v in policy.save.window_urgency.items()}
    return urgency.get(window, min(urgency.values(), default=1.0)) * arr * rate


def expected_value(effort_: Effort, rate: float, policy: Policy) -> tuple[float, list[str]]:
    """SAVE-7: hours invested x probability."""
    if effort_ == Effort.none:
        return 0.0, [Text("SAVE-7: no effort invested")]
    hours = getattr(policy.save.effort_hours, effort_.value)
    ev = round(hours * rate, 2)
    return ev, [
        Text(
            "SAVE-7: {hours:g} hours x {rate:.0%} = {ev:g} hours of expected value",
            hours=hours,
            rate=rate,
            ev=ev,
        )
    ]


def triage(
    facts: TriageFacts, policy: Policy, overrides: Mapping[str, Mapping[str, Any]] | None = None
) -> Triage:
    """SAVE-2..7 for one at-risk renewal; a person's override of a field wins and the
    fields that follow from it (effort, expected value) are derived from the override."""
    overrides = overrides or {}
    reasons: dict[str, list[str]] = {}

    def overridden(name: str, value: Any, why: list[str], kind: type) -> Any:
        o = overrides.get(name)
        if not o:
            reasons[name] = why
            return value
        reasons[name] = [
            *why,
            Text(
                "override by {who}: {value} ({reason})",
                who=o.get("by"),
                value=o.get("value"),
                reason=o.get("reason"),
            ),
        ]
        return kind(o["value"])

    window, why = time_window(facts.days_to_renewal, policy)
    window = overridden("time_window", window, why, Window)
    cause, why, confirmed = root_cause(facts, policy)
    if "root_cause" in overrides:
        confirmed = True
    cause = overridden("root_cause", cause, why, RootCause)
    found = factors(facts, cause, policy, confirmed=confirmed)
    band, why = probability(found, window, policy)
    band = overridden("probability_band", band, why, Band)
    tier, why = value_tier(facts, policy)
    tier = overridden("value_tier", tier, why, ValueTier)
    effort_, why = effort(tier, band, window)
    effort_ = overridden("effort", effort_, why, Effort)
    rate = success_rate(band, policy)
    ev, why = expected_value(effort_, rate, policy)
    reasons["expected_value_hours"] = why
    return Triage(band, rate, tier, cause, confirmed, window, effort_, ev, reasons, found)


def with_inputs(facts: TriageFacts, inputs: Mapping[str, str]) -> TriageFacts:
    return replace(facts, inputs=dict(inputs))
