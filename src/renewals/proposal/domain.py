"""Proposal rules on plain values: the value summary (FUND-5, ROI-1) and the good/better/best
options (BUN-1, BUN-2, MY-1..4).

Nothing here reads the database or the clock: the service gathers the facts (contract,
health snapshots, wins, goals, tickets, surveys, ROI inputs) and passes them in with
`as_of`. Every figure carries the facts it comes from; every decision its value, its
reasons and the rule IDs. Prices are Decimal, rounded to cents (half up).

Options (BUN-2):

| option | what | offered when |
|---|---|---|
| good | flat renewal at the current ARR and term | always |
| better | renewal plus modest expansion, sized from growth signals | BUN-1 says bundle |
| best | renewal plus full expansion plus a multi-year term | BUN-1 bundles or MY-1 passes |

When BUN-1 says separate, "best" is the multi-year renewal without expansion (if MY-1
passes); when MY-1 fails, "best" is the bundle on the current term. An at-risk renewal
fails both, so only "good" is offered and the reasons say why; its flat option runs
`proposal.at_risk_term_months` (12), not the current multi-year term (MY-1).

An approved concession (CONC-3) adds the `agreed` option, and the proposal leads with
it: the flat renewal at the approved discount, for the term its give-back commits to
(multi_year: `proposal.best_term_years`, CONC-4), with the MY-4 flexibility clauses of
a multi-year term and the concession's sunset clause (CONC-7).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from renewals.errors import RenewalsError
from renewals.kit.i18n import Text
from renewals.policy.domain import Policy, Range

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
AT_RISK_LEVELS = frozenset({"at_risk", "save"})
HEALTHY_CATEGORIES = frozenset({"green", "expansion"})


class ProposalError(RenewalsError):
    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message, status)


class OptionName(StrEnum):
    good = "good"
    better = "better"
    best = "best"
    agreed = "agreed"  # an approved concession's terms (CONC-3, CONC-4)


@dataclass(frozen=True)
class AgreedConcession:
    """An approved concession of the renewal (CONC-3): what the proposal may now offer."""

    concession_id: int
    discount_pct: float
    give_back: str | None
    sunset_clause: str | None
    kinds: tuple[str, ...]
    approved_by: str | None
    clauses: tuple[str, ...] = ()  # CONC-8: what its concessions beyond price become


class PricingApproach(StrEnum):
    """MY-3."""

    fixed = "fixed"  # simple, price locked: stable accounts
    escalating = "escalating"  # +5-10% a year: growing accounts
    expansion_friendly = "expansion_friendly"  # lower base plus usage overage


def money(value: Decimal | float | int) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _pct(value: float) -> str:
    return f"{value:g}%"


@dataclass(frozen=True)
class Decision:
    """A decision with its value, the reasons and the rule IDs behind it."""

    value: Any
    reasons: tuple[str, ...]
    rules: tuple[str, ...]
    code: str = ""  # a stable key the document templates translate

    def as_record(self) -> dict[str, Any]:
        value = self.value.value if isinstance(self.value, StrEnum) else self.value
        return {
            "value": value,
            "code": self.code,
            "reasons": list(self.reasons),
            "rules": list(self.rules),
        }


# --- value summary (FUND-5, ROI-1, HEALTH-1) -------------------------------------------------


@dataclass(frozen=True)
class UsagePoint:
    """One health snapshot's usage and adoption features (HEALTH-1)."""

    on: date
    features: dict[str, float | None]


@dataclass(frozen=True)
class Win:
    """A dated value moment (FUND-5)."""

    id: int
    on: date
    title: str
    detail: str = ""
    hours_saved: float | None = None
    revenue: Decimal | None = None


@dataclass(frozen=True)
class GoalFact:
    description: str
    due: date | None
    status: str  # achieved | missed | open | ...


@dataclass(frozen=True)
class TicketFact:
    id: str
    opened: date
    resolution_hours: float | None  # None while open
    priority: str
    satisfaction: int | None


@dataclass(frozen=True)
class SurveyFact:
    kind: str  # nps | csat
    score: int
    on: date


@dataclass(frozen=True)
class RoiFacts:
    """Per-account ROI inputs (ROI-1); None = not recorded (the policy rate fills the rate)."""

    hours_saved_per_week: float | None = None
    loaded_hourly_rate: Decimal | None = None
    revenue_generated: Decimal | None = None
    losses_prevented: Decimal | None = None
    qualitative: str = ""
    source: str = ""
    updated_by: str | None = None
    updated_on: date | None = None


@dataclass(frozen=True)
class ValueInputs:
    account_name: str
    currency: str
    arr: Decimal
    term_start: date
    term_end: date
    seats: int | None
    usage: Sequence[UsagePoint]  # the snapshots of the term, oldest first
    wins: Sequence[Win]
    goals: Sequence[GoalFact]
    tickets: Sequence[TicketFact]
    surveys: Sequence[SurveyFact]
    roi: RoiFacts | None


USAGE_FIGURES: tuple[str, ...] = (
    "active_users_30d",
    "seat_utilisation",
    "key_feature_adoption",
    "features_30d",
    "events_30d",
    "usage_change_30d",
)


def _figure(key: str, value: Any, facts: str, rules: Sequence[str], **more: Any) -> dict[str, Any]:
    if isinstance(value, Decimal):
        value = str(value)
    return {"key": key, "value": value, "facts": facts, "rules": list(rules), **more}


def _usage(inputs: ValueInputs, as_of: date) -> dict[str, Any]:
    points = [p for p in inputs.usage if inputs.term_start <= p.on <= as_of]
    if not points:
        return {
            "first_on": None,
            "latest_on": None,
            "figures": [],
            "note": Text("no health snapshot in this term yet: run the daily job (HEALTH-1)"),
        }
    first, latest = points[0], points[-1]
    figures = []
    for key in USAGE_FIGURES:
        now = latest.features.get(key)
        if now is None:
            continue
        then = first.features.get(key) if first.on != latest.on else None
        facts = (
            Text(
                "health snapshot of {day}: {key} = {now:g}; {first}: {then:g}",
                day=latest.on.isoformat(),
                key=key,
                now=now,
                first=first.on.isoformat(),
                then=then,
            )
            if then is not None
            else Text(
                "health snapshot of {day}: {key} = {now:g}",
                day=latest.on.isoformat(),
                key=key,
                now=now,
            )
        )
        figures.append(
            _figure(
                key, now, facts, ["HEALTH-1", "TECH-3"], start=then, start_on=first.on.isoformat()
            )
        )
    if inputs.seats is not None:
        figures.append(
            _figure(
                "seats",
                inputs.seats,
                Text("contract: {seats} seats", seats=inputs.seats),
                ["TECH-3"],
            )
        )
    return {
        "first_on": first.on.isoformat(),
        "latest_on": latest.on.isoformat(),
        "figures": figures,
        "note": "" if first.on != latest.on else Text("one snapshot in this term so far"),
    }


def _support(inputs: ValueInputs, as_of: date) -> dict[str, Any]:
    tickets = [t for t in inputs.tickets if inputs.term_start <= t.opened <= as_of]
    resolved = sorted(t.resolution_hours for t in tickets if t.resolution_hours is not None)
    rated = [t.satisfaction for t in tickets if t.satisfaction is not None]
    urgent = [t for t in tickets if t.priority in ("high", "urgent")]
    surveys = [s for s in inputs.surveys if inputs.term_start <= s.on <= as_of]
    csat = [s.score for s in surveys if s.kind == "csat"]
    nps = sorted((s for s in surveys if s.kind == "nps"), key=lambda s: s.on)
    ids = ", ".join(t.id for t in tickets[:10]) + (" ..." if len(tickets) > 10 else "")
    figures = [
        _figure(
            "tickets",
            len(tickets),
            Text(
                "tickets opened {term_start}..{as_of}: {ids}",
                term_start=inputs.term_start,
                as_of=as_of,
                ids=ids or Text("none"),
            ),
            ["HEALTH-1"],
        ),
        _figure(
            "tickets_resolved",
            len(resolved),
            Text("{closed} of {total} closed", closed=len(resolved), total=len(tickets)),
            ["HEALTH-1"],
        ),
    ]
    if resolved:
        median = (
            resolved[len(resolved) // 2]
            if len(resolved) % 2
            else ((resolved[len(resolved) // 2 - 1] + resolved[len(resolved) // 2]) / 2)
        )
        figures.append(
            _figure(
                "median_resolution_hours",
                round(median, 1),
                Text("opened to closed over {closed} closed tickets", closed=len(resolved)),
                ["HEALTH-1"],
            )
        )
    figures.append(
        _figure("urgent_tickets", len(urgent), Text("priority high or urgent"), ["HEALTH-1"])
    )
    if rated:
        figures.append(
            _figure(
                "ticket_satisfaction",
                round(sum(rated) / len(rated), 1),
                Text("mean of {n} ticket rating(s), 1-5", n=len(rated)),
                ["HEALTH-1"],
            )
        )
    if csat:
        figures.append(
            _figure(
                "csat",
                round(sum(csat) / len(csat), 1),
                Text("mean of {n} CSAT response(s)", n=len(csat)),
                ["HEALTH-1"],
            )
        )
    if nps:
        figures.append(
            _figure(
                "nps_latest",
                nps[-1].score,
                Text("NPS response of {day}", day=nps[-1].on.isoformat()),
                ["HEALTH-1"],
            )
        )
    return {"figures": figures}


def _goals(inputs: ValueInputs, as_of: date) -> dict[str, Any]:
    due = [g for g in inputs.goals if g.due is None or g.due <= as_of or g.status != "open"]
    achieved = [g for g in inputs.goals if g.status == "achieved"]
    return {
        "achieved": len(achieved),
        "decided": len([g for g in due if g.status in ("achieved", "missed")]),
        "total": len(inputs.goals),
        "items": [
            {
                "description": g.description,
                "due": g.due.isoformat() if g.due else None,
                "status": g.status,
                "in_term": g.due is not None and inputs.term_start <= g.due <= inputs.term_end,
            }
            for g in sorted(inputs.goals, key=lambda g: (g.due or date.max, g.description))
        ],
        "rules": ["HEALTH-1", "TECH-3"],
    }


def _wins(inputs: ValueInputs, as_of: date) -> dict[str, Any]:
    wins = sorted(
        (w for w in inputs.wins if inputs.term_start <= w.on <= as_of), key=lambda w: (w.on, w.id)
    )
    return {
        "items": [
            {
                "id": w.id,
                "on": w.on.isoformat(),
                "title": w.title,
                "detail": w.detail,
                "hours_saved": w.hours_saved,
                "revenue": None if w.revenue is None else str(w.revenue),
            }
            for w in wins
        ],
        "note": ""
        if wins
        else Text("no wins recorded this term (SIG-3: the absence of success stories is a signal)"),
        "rules": ["FUND-5"],
    }


def roi(inputs: ValueInputs, *, as_of: date, policy: Policy) -> dict[str, Any]:
    """ROI-1: hours saved x loaded hourly rate, revenue generated, losses prevented.

    Recurring labour value = hours a week (ROI inputs) x weeks a year x rate; one-off
    hours of the term's wins x rate; revenue = the ROI inputs' figure if recorded, else
    the sum of the term's wins' revenue (never both: no double counting).
    """
    facts = inputs.roi or RoiFacts()
    wins = [w for w in inputs.wins if inputs.term_start <= w.on <= as_of]
    lines: list[dict[str, Any]] = []
    if facts.loaded_hourly_rate is not None:
        rate = money(facts.loaded_hourly_rate)
        rate_source = Text("account ROI inputs ({who})", who=facts.updated_by or Text("unknown"))
    else:
        rate = money(policy.roi.loaded_hourly_rate)
        rate_source = Text("policy roi.loaded_hourly_rate (ROI-1 default)")
    weeks = policy.roi.weeks_per_year
    if facts.hours_saved_per_week is not None:
        hours_year = Decimal(str(facts.hours_saved_per_week)) * weeks
        lines.append(
            _figure(
                "labour_value",
                money(hours_year * rate),
                Text(
                    "{hours_saved_per_week:g} h/week x {weeks} weeks x {rate} {currency}/h ({rate_source})",
                    hours_saved_per_week=facts.hours_saved_per_week,
                    weeks=weeks,
                    rate=rate,
                    currency=inputs.currency,
                    rate_source=rate_source,
                ),
                ["ROI-1"],
            )
        )
    win_hours = sum((w.hours_saved or 0.0) for w in wins)
    if win_hours:
        lines.append(
            _figure(
                "win_hours_value",
                money(Decimal(str(win_hours)) * rate),
                Text(
                    "{win_hours:g} h saved by {wins} win(s) x {rate} {currency}/h",
                    win_hours=win_hours,
                    wins=sum(1 for w in wins if w.hours_saved),
                    rate=rate,
                    currency=inputs.currency,
                ),
                ["ROI-1", "FUND-5"],
            )
        )
    if facts.revenue_generated is not None:
        lines.append(
            _figure(
                "revenue_generated",
                money(facts.revenue_generated),
                Text("account ROI inputs (revenue generated)"),
                ["ROI-1"],
            )
        )
    else:
        win_revenue = sum((w.revenue for w in wins if w.revenue is not None), Decimal(0))
        if win_revenue:
            lines.append(
                _figure(
                    "revenue_generated",
                    money(win_revenue),
                    "sum of the term's wins with revenue: "
                    + ", ".join(f"#{w.id}" for w in wins if w.revenue),
                    ["ROI-1", "FUND-5"],
                )
            )
    if facts.losses_prevented is not None:
        lines.append(
            _figure(
                "losses_prevented",
                money(facts.losses_prevented),
                Text("account ROI inputs (losses prevented)"),
                ["ROI-1"],
            )
        )
    total = money(sum((Decimal(x["value"]) for x in lines), Decimal(0)))
    multiple = (
        float((total / inputs.arr).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
        if lines and inputs.arr > 0
        else None
    )
    return {
        "rate": str(rate),
        "rate_source": rate_source,
        "weeks_per_year": weeks,
        "hours_saved_per_week": facts.hours_saved_per_week,
        "lines": lines,
        "total": str(total) if lines else None,
        "multiple_of_price": multiple,
        "qualitative": facts.qualitative,
        "source": facts.source,
        "note": ""
        if lines
        else Text(
            "no ROI figures recorded: set them with `renewals roi set` (ROI-1: never computed "
            "ROI is a value-perception risk, SAVE-4)"
        ),
        "rules": ["ROI-1"],
    }


def value_summary(inputs: ValueInputs, *, as_of: date, policy: Policy) -> dict[str, Any]:
    """TECH-3, FUND-5: the account's value over the term, every figure with its facts."""
    return {
        "account": inputs.account_name,
        "currency": inputs.currency,
        "arr": str(money(inputs.arr)),
        "term": {"start": inputs.term_start.isoformat(), "end": inputs.term_end.isoformat()},
        "as_of": as_of.isoformat(),
        "usage": _usage(inputs, as_of),
        "wins": _wins(inputs, as_of),
        "goals": _goals(inputs, as_of),
        "support": _support(inputs, as_of),
        "roi": roi(inputs, as_of=as_of, policy=policy),
    }


# --- content guard (issue 16: FUND-5, ROI-1, SAVE-11) -------------------------------------------


def guard_summary(summary: dict[str, Any], *, policy: Policy) -> dict[str, Any]:
    """What the customer's document may show of a value summary, and what stays internal.

    Only favourable, true facts reach the customer: usage figures by the campaign's
    content guard (`guard_value`: growth, seats in use, key features adopted), the wins,
    the goals achieved (never "0 of 3"), support satisfaction, CSAT and NPS at or above
    `campaign.favourable_*`, the ROI lines and a ROI multiple of at least 1. Everything
    else goes to `internal_brief`; `drew_on` names each fact shown, for the reviewer.
    With nothing favourable, `in_preparation` is true and the document says a value
    review is in preparation.
    """
    from renewals.playbook.timeline import guard_value

    c = policy.campaign
    usage = summary["usage"]
    values = {f["key"]: f["value"] for f in usage["figures"]}
    guarded = guard_value(values, policy)
    figures = [f for f in usage["figures"] if f["key"] in guarded.shown]
    brief: dict[str, Any] = {f"usage.{k}": v for k, v in guarded.internal.items()}
    goals = summary["goals"]
    achieved = [g for g in goals["items"] if g["status"] == "achieved"]
    for g in goals["items"]:
        if g["status"] != "achieved":
            brief[f"goal: {g['description']}"] = g["status"]
    favourable_support = {
        "ticket_satisfaction": c.favourable_satisfaction,
        "csat": c.favourable_satisfaction,
        "nps_latest": c.favourable_nps,
    }
    support = []
    for f in summary["support"]["figures"]:
        floor = favourable_support.get(f["key"])
        if floor is not None and f["value"] is not None and f["value"] >= floor:
            support.append(f)
        else:
            brief[f"support.{f['key']}"] = f["value"]
    roi = dict(summary["roi"])
    if roi.get("multiple_of_price") is not None and roi["multiple_of_price"] < 1:
        brief["roi.multiple_of_price"] = roi["multiple_of_price"]
        roi["multiple_of_price"] = None
    wins = summary["wins"]
    drew_on = [
        *(f"usage.{f['key']}" for f in figures),
        *(Text("win #{id}", id=w["id"]) for w in wins["items"]),
        *(Text("goal achieved: {goal}", goal=g["description"]) for g in achieved),
        *(f"support.{f['key']}" for f in support),
        *(f"roi.{line['key']}" for line in roi["lines"]),
    ]
    shown = {
        **summary,
        "usage": {**usage, "figures": figures},
        "goals": {**goals, "items": achieved, "achieved": len(achieved), "total": len(achieved)},
        "support": {**summary["support"], "figures": support},
        "roi": roi,
        "in_preparation": not drew_on,
    }
    return {"shown": shown, "internal_brief": brief, "drew_on": drew_on}


# --- pricing (BUN-1, BUN-2, MY-1..4) ---------------------------------------------------------


@dataclass(frozen=True)
class PricingInputs:
    arr: Decimal
    currency: str
    term_months: int
    seats: int | None
    active_users: float | None
    seat_utilisation: float | None
    usage_trend_90d: float | None
    active_user_change_30d: float | None
    relationship_score: float | None
    budget_authority_engaged: bool | None
    health_category: str | None
    health_score: float | None
    risk: str | None
    opportunity_type: str
    signals: tuple[str, ...]
    customer_since: date | None
    industry: str | None
    strategic: bool = False


def months_between(start: date, end: date) -> int:
    """Whole calendar months from `start` to `end` (a month counts once its day is reached)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if end.day < start.day else months


def is_at_risk(p: PricingInputs) -> tuple[str, ...]:
    """Why the renewal is at risk (empty when it is not): SEG-3, SIG-0, HEALTH-3."""
    return at_risk_reasons(p.opportunity_type, p.risk, p.health_category)


def at_risk_reasons(
    opportunity_type: str | None, risk: str | None, health_category: str | None
) -> tuple[str, ...]:
    """Why a renewal is at risk (empty when it is not): SEG-3, SIG-0, HEALTH-3."""
    why = []
    if opportunity_type == "at_risk":
        why.append(Text("SEG-3: the renewal is an at-risk opportunity"))
    if risk in AT_RISK_LEVELS:
        why.append(Text("SIG-0: combined risk is {risk}", risk=risk))
    if health_category == "red":
        why.append(Text("HEALTH-3: health is red"))
    return tuple(why)


def growth_signals(p: PricingInputs, policy: Policy) -> tuple[str, ...]:
    """BUN-2, HEALTH-3: what says the account is growing."""
    found = []
    threshold = policy.bundling.expansion_seat_utilisation
    if p.seat_utilisation is not None and p.seat_utilisation >= threshold:
        found.append(
            Text(
                "BUN-2: {seat_utilisation:.0%} of seats active (at or above {threshold:.0%})",
                seat_utilisation=p.seat_utilisation,
                threshold=threshold,
            )
        )
    trend = policy.health.expansion_usage_trend
    if p.usage_trend_90d is not None and p.usage_trend_90d >= trend:
        found.append(
            Text(
                "HEALTH-3: usage growing {usage_trend_90d:+.1%} a week for 90 days",
                usage_trend_90d=p.usage_trend_90d,
            )
        )
    if p.health_category == "expansion":
        found.append(Text("HEALTH-3: health category is expansion opportunity"))
    return tuple(found)


def multi_year_eligibility(p: PricingInputs, *, as_of: date, policy: Policy) -> Decision:
    """MY-1: is the renewal a good multi-year candidate? Every fact for and against.

    Not a candidate: at risk (SEG-3/SIG-0/red), health not strong (not green or
    expansion), a relationship below the policy score, a customer younger than
    `min_customer_months` (or of unknown age), fast growth that will outgrow the terms,
    a high-change industry, or a budget signal (SIG-5: no budget predictability).
    """
    rules = policy.multi_year
    against: list[str] = []
    code = ""
    for why in is_at_risk(p):
        against.append(Text("MY-1: at-risk accounts are bad candidates ({why})", why=why))
        code = code or "at_risk"
    support: list[str] = []
    if p.health_category in HEALTHY_CATEGORIES:
        score = f" ({p.health_score:.0f})" if p.health_score is not None else ""
        support.append(
            Text(
                "MY-1: strong health: {health_category}{score}",
                health_category=p.health_category,
                score=score,
            )
        )
    else:
        against.append(
            Text(
                "MY-1: health is {health_category}, not strong (green or expansion)",
                health_category=p.health_category or Text("not scored"),
            )
        )
        code = code or "health"
    if p.relationship_score is None:
        against.append(Text("MY-1: relationship strength unknown (no relationship score)"))
        code = code or "relationship"
    elif p.relationship_score < rules.min_relationship_score:
        against.append(
            Text(
                "MY-1: relationship score {relationship_score:.0f} is below {min_relationship_score:g}",
                relationship_score=p.relationship_score,
                min_relationship_score=rules.min_relationship_score,
            )
        )
        code = code or "relationship"
    else:
        support.append(
            Text(
                "MY-1: strong relationship (score {relationship_score:.0f}, at least {min_relationship_score:g})",
                relationship_score=p.relationship_score,
                min_relationship_score=rules.min_relationship_score,
            )
        )
    if p.customer_since is None:
        against.append(Text("MY-1: customer since unknown: value not proven"))
        code = code or "new_customer"
    else:
        months = months_between(p.customer_since, as_of)
        if months < rules.min_customer_months:
            against.append(
                Text(
                    "MY-1: new customer ({months} months since {day}, fewer than {min_customer_months}): value not yet proven",
                    months=months,
                    day=p.customer_since.isoformat(),
                    min_customer_months=rules.min_customer_months,
                )
            )
            code = code or "new_customer"
        else:
            support.append(Text("MY-1: customer for {months} months: value proven", months=months))
    if (
        p.active_user_change_30d is not None
        and p.active_user_change_30d >= rules.fast_growth_user_change
    ):
        against.append(
            Text(
                "MY-1: fast-growing (active users {active_user_change_30d:+.0%} in 30 days, at least {fast_growth_user_change:+.0%}): would outgrow multi-year terms",
                active_user_change_30d=p.active_user_change_30d,
                fast_growth_user_change=rules.fast_growth_user_change,
            )
        )
        code = code or "fast_growth"
    industries = {i.strip().lower() for i in rules.high_change_industries}
    if p.industry and p.industry.strip().lower() in industries:
        against.append(Text("MY-1: {industry} is a high-change industry", industry=p.industry))
        code = code or "industry"
    if "budget" in p.signals:
        against.append(Text("MY-1: budget signal (SIG-5): budget is not predictable"))
        code = code or "budget"
    else:
        support.append(Text("MY-1: no budget signal: budget predictable"))
    if p.strategic:
        support.append(Text("MY-1: strategic account"))
    if against:
        return Decision(False, tuple(against + support), ("MY-1",), code or "not_candidate")
    return Decision(True, tuple(support), ("MY-1",), "candidate")


@dataclass(frozen=True)
class Incentive:
    """MY-2: the band for a term, the opening offer and whether it is a price lock."""

    years: int
    band: Range | None
    discount_pct: float
    price_lock: bool
    reasons: tuple[str, ...]

    def as_record(self) -> dict[str, Any]:
        return {
            "years": self.years,
            "band": None if self.band is None else {"min": self.band.min, "max": self.band.max},
            "discount_pct": self.discount_pct,
            "price_lock": self.price_lock,
            "reasons": list(self.reasons),
            "rules": ["MY-2"],
        }


def multi_year_incentive(years: int, policy: Policy) -> Incentive:
    """MY-2: 10-20% for two years, 15-25% for three (opening at the minimum), or a price lock.

    One year is no multi-year (no incentive); terms other than 1-3 years have no band.
    """
    if years == 1:
        return Incentive(1, None, 0.0, False, (Text("MY-2: a one-year term has no incentive"),))
    bands = {
        2: policy.multi_year.two_year_discount_pct,
        3: policy.multi_year.three_year_discount_pct,
    }
    if years not in bands:
        raise ProposalError(f"MY-2 has incentives for 2 or 3 years only, not {years}")
    band = bands[years]
    if policy.proposal.multi_year_incentive == "price_lock":
        return Incentive(
            years,
            band,
            0.0,
            True,
            (
                Text(
                    "MY-2: price lock: no increase for {years} years instead of a discount",
                    years=years,
                ),
            ),
        )
    return Incentive(
        years,
        band,
        band.min,
        False,
        (
            Text(
                "MY-2: {years}-year incentive {low:g}-{high:g}%: the offer opens at {low:g}%; "
                "more needs approval as a concession (CONC-3)",
                years=years,
                low=band.min,
                high=band.max,
            ),
        ),
    )


def bundle_decision(p: PricingInputs, *, policy: Policy) -> Decision:
    """BUN-1: bundle the expansion with the renewal, or run it separately (and why)."""
    risk = is_at_risk(p)
    if risk:
        return Decision(
            "separate",
            (
                Text("BUN-1: at risk: secure the renewal first; no bundled expansion"),
                *risk,
            ),
            ("BUN-1",),
            "at_risk",
        )
    if p.health_category not in HEALTHY_CATEGORIES:
        return Decision(
            "separate",
            (
                Text(
                    "BUN-1: health is {health_category}, not healthy: secure the renewal first",
                    health_category=p.health_category or Text("not scored"),
                ),
            ),
            ("BUN-1", "HEALTH-3"),
            "not_healthy",
        )
    growth = growth_signals(p, policy)
    if not growth:
        return Decision(
            "separate",
            (
                Text(
                    "BUN-1: no clear expansion opportunity (no growth signal): the expansion is "
                    "exploratory, run it as a parallel track"
                ),
            ),
            ("BUN-1", "BUN-2"),
            "exploratory",
        )
    if policy.proposal.bundle_needs_budget_authority and not p.budget_authority_engaged:
        return Decision(
            "separate",
            (
                Text(
                    "BUN-1: the economic buyer is not engaged: the expansion budget is not ready "
                    "and needs other stakeholders; run it separately"
                ),
                *growth,
            ),
            ("BUN-1",),
            "budget_not_ready",
        )
    return Decision(
        "bundle",
        (
            Text("BUN-1: healthy with a clear expansion opportunity: bundle it with the renewal"),
            *growth,
        ),
        ("BUN-1", "BUN-2"),
        "bundle",
    )


@dataclass(frozen=True)
class Expansion:
    """BUN-2: an expansion in seats (or as a share of ARR when seats are unknown)."""

    seats: int | None
    arr: Decimal
    pct_of_arr: float
    reasons: tuple[str, ...]

    def as_record(self) -> dict[str, Any]:
        return {
            "seats": self.seats,
            "arr": str(self.arr),
            "pct_of_arr": self.pct_of_arr,
            "reasons": list(self.reasons),
            "rules": ["BUN-2"],
        }


def size_expansions(p: PricingInputs, policy: Policy) -> tuple[Expansion, Expansion]:
    """BUN-2: the modest ("better") and full ("best") expansions, sized from growth.

    With seats: modest = the policy share of seats (rounded up, at least one), raised to
    the seats the active users need to fall below the utilisation threshold; full = the
    full share, never less than modest; priced at the current per-seat price. Without
    seats: the policy shares of ARR.
    """
    b = policy.bundling
    arr = money(p.arr)
    if not p.seats:
        modest = money(arr * Decimal(str(b.modest_expansion_pct)) / HUNDRED)
        full = money(arr * Decimal(str(b.full_expansion_pct)) / HUNDRED)
        why = Text("BUN-2: seats unknown: expansion as a share of ARR")
        return (
            Expansion(
                None, modest, b.modest_expansion_pct, (f"{why} ({_pct(b.modest_expansion_pct)})",)
            ),
            Expansion(None, full, b.full_expansion_pct, (f"{why} ({_pct(b.full_expansion_pct)})",)),
        )
    seats = p.seats
    per_seat = arr / seats
    modest_seats = max(1, math.ceil(seats * b.modest_expansion_pct / 100 - 1e-9))
    reasons_modest: list[str] = [
        Text(
            "BUN-2: modest expansion {pct} of {seats} seats, rounded up: {modest_seats} seat(s)",
            pct=_pct(b.modest_expansion_pct),
            seats=seats,
            modest_seats=modest_seats,
        )
    ]
    needed = 0
    if (
        p.active_users is not None
        and p.seat_utilisation is not None
        and p.seat_utilisation >= b.expansion_seat_utilisation
    ):
        needed = math.floor(p.active_users / b.expansion_seat_utilisation) + 1 - seats
        needed = max(needed, 0)
        if needed > modest_seats:
            reasons_modest.append(
                Text(
                    "BUN-2: {active_users:g} active users on {seats} seats ({seat_utilisation:.0%}) need {needed} more seat(s) to fall below {expansion_seat_utilisation:.0%}",
                    active_users=p.active_users,
                    seats=seats,
                    seat_utilisation=p.seat_utilisation,
                    needed=needed,
                    expansion_seat_utilisation=b.expansion_seat_utilisation,
                )
            )
            modest_seats = needed
    full_seats = max(math.ceil(seats * b.full_expansion_pct / 100 - 1e-9), modest_seats)
    reasons_full: list[str] = [
        Text(
            "BUN-2: full expansion {pct} of {seats} seats, rounded up, at least the modest one: {full_seats} seat(s)",
            pct=_pct(b.full_expansion_pct),
            seats=seats,
            full_seats=full_seats,
        )
    ]

    def make(extra: int, reasons: list[str]) -> Expansion:
        value = money(per_seat * extra)
        pct = float((value / arr * HUNDRED).quantize(Decimal("0.1"))) if arr else 0.0
        reasons.append(
            Text(
                "BUN-2: priced at the current {money} {currency} a seat",
                money=money(per_seat),
                currency=p.currency,
            )
        )
        return Expansion(extra, value, pct, tuple(reasons))

    return make(modest_seats, reasons_modest), make(full_seats, reasons_full)


def pricing_approach(p: PricingInputs, policy: Policy) -> Decision:
    """MY-3: fixed for stable accounts, escalating for growing ones, expansion-friendly
    (lower base plus overage) when usage already outruns the seats bought."""
    growth = growth_signals(p, policy)
    if p.seat_utilisation is not None and p.seat_utilisation > 1:
        return Decision(
            PricingApproach.expansion_friendly,
            (
                Text(
                    "MY-3: {seat_utilisation:.0%} seat utilisation: usage outruns the seats bought; expansion-friendly: base price plus overage for seats above the contract",
                    seat_utilisation=p.seat_utilisation,
                ),
            ),
            ("MY-3",),
            "expansion_friendly",
        )
    if growth:
        e = policy.multi_year.escalator_pct
        return Decision(
            PricingApproach.escalating,
            (
                Text(
                    "MY-3: growing account: escalating {low:g}% a year (band {low:g}-{high:g}%)",
                    low=e.min,
                    high=e.max,
                ),
                *growth,
            ),
            ("MY-3",),
            "escalating",
        )
    return Decision(
        PricingApproach.fixed,
        (Text("MY-3: stable account (no growth signal): fixed price for the whole term"),),
        ("MY-3",),
        "fixed",
    )


@dataclass
class Option:
    name: OptionName
    offered: bool
    annual_price: Decimal | None = None
    term_months: int = 12
    expansion: Expansion | None = None
    discount_pct: float = 0.0
    incentive: Incentive | None = None
    approach: Decision | None = None
    years: list[Decimal] = field(default_factory=list)  # price of each contract year
    clauses: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    not_offered_code: str = ""
    give_back: str | None = None  # CONC-4, the agreed option only
    concession_id: int | None = None  # CONC-3, the agreed option only

    @property
    def total(self) -> Decimal | None:
        return money(sum(self.years, Decimal(0))) if self.years else None

    def as_record(self) -> dict[str, Any]:
        return {
            "name": self.name.value,
            "offered": self.offered,
            "annual_price": None if self.annual_price is None else str(self.annual_price),
            "term_months": self.term_months,
            "expansion": None if self.expansion is None else self.expansion.as_record(),
            "discount_pct": self.discount_pct,
            "incentive": None if self.incentive is None else self.incentive.as_record(),
            "approach": None if self.approach is None else self.approach.as_record(),
            "years": [str(y) for y in self.years],
            "total": None if self.total is None else str(self.total),
            "clauses": list(self.clauses),
            "reasons": list(self.reasons),
            "rules": sorted(set(self.rules)),
            "not_offered_code": self.not_offered_code,
            "give_back": self.give_back,
            "concession_id": self.concession_id,
        }


def _schedule(
    annual: Decimal, years: int, approach: PricingApproach, escalator_pct: float
) -> list[Decimal]:
    prices = [money(annual)]
    for _ in range(1, years):
        if approach is PricingApproach.escalating:
            prices.append(money(prices[-1] * (1 + Decimal(str(escalator_pct)) / HUNDRED)))
        else:
            prices.append(prices[-1])
    return prices


def _term_years(term_months: int) -> int:
    return max(1, math.ceil(term_months / 12))


def agreed_option(
    agreed: AgreedConcession, arr: Decimal, flat_term: int, *, policy: Policy
) -> Option:
    """CONC-3, CONC-4, CONC-7: the approved concession as an option: its price, the term
    its give-back commits to, its clauses."""
    multi_year = agreed.give_back == "multi_year"
    term = policy.proposal.best_term_years * 12 if multi_year else flat_term
    price = money(arr * (HUNDRED - Decimal(str(agreed.discount_pct))) / HUNDRED)
    clauses: list[str] = list(policy.proposal.flexibility_clauses) if multi_year else []
    if agreed.sunset_clause:
        clauses.append(agreed.sunset_clause)
    clauses.extend(agreed.clauses)  # CONC-8: payment terms, exit clause, ...
    reasons: list[str] = [
        Text(
            "CONC-3: concession #{id} approved by {who}: {pct:g}% off the current {arr}",
            id=agreed.concession_id,
            who=agreed.approved_by,
            pct=agreed.discount_pct,
            arr=arr,
        )
        if agreed.approved_by
        else Text(
            "CONC-3: concession #{id} approved: {pct:g}% off the current {arr}",
            id=agreed.concession_id,
            pct=agreed.discount_pct,
            arr=arr,
        ),
        Text(
            "CONC-4: given back: {give_back}, a {months}-month term",
            give_back=agreed.give_back or Text("nothing (no discount)"),
            months=term,
        )
        if multi_year
        else Text(
            "CONC-4: given back: {give_back}",
            give_back=agreed.give_back or Text("nothing (no discount)"),
        ),
    ]
    if agreed.sunset_clause:
        reasons.append(
            Text("CONC-7: sunset clause: {sunset_clause}", sunset_clause=agreed.sunset_clause)
        )
    for clause in agreed.clauses:
        reasons.append(Text("CONC-8: approved beyond price: {clause}", clause=clause))
    if multi_year:
        reasons.append(
            Text(
                "MY-4: flexibility clauses: {clauses}",
                clauses=", ".join(policy.proposal.flexibility_clauses),
            )
        )
    return Option(
        OptionName.agreed,
        True,
        price,
        term,
        discount_pct=agreed.discount_pct,
        years=[price] * _term_years(term),
        clauses=clauses,
        reasons=reasons,
        rules=[
            "CONC-3",
            "CONC-4",
            "CONC-7",
            *(["CONC-8"] if agreed.clauses else []),
            *(["MY-4"] if multi_year else []),
        ],
        give_back=agreed.give_back,
        concession_id=agreed.concession_id,
    )


def price_options(
    p: PricingInputs,
    *,
    as_of: date,
    policy: Policy,
    agreed: AgreedConcession | None = None,
) -> dict[str, Any]:
    """BUN-2: good, better and best, with the BUN-1 and MY-1 decisions behind them; and
    the `agreed` option of an approved concession, which the proposal then leads with."""
    if p.arr <= 0:
        raise ProposalError(
            Text("the renewal has no positive ARR ({arr}): nothing to price", arr=str(p.arr))
        )
    arr = money(p.arr)
    term = p.term_months if p.term_months > 0 else 12
    bundle = bundle_decision(p, policy=policy)
    eligible = multi_year_eligibility(p, as_of=as_of, policy=policy)
    modest, full = size_expansions(p, policy)
    approach = pricing_approach(p, policy)
    risky = is_at_risk(p)
    good_reasons: list[str] = [
        Text(
            "BUN-2: good: flat renewal at the current {arr} {currency}, same terms",
            arr=arr,
            currency=p.currency,
        )
    ]
    good_rules = ["BUN-2"]
    if risky and term != policy.proposal.at_risk_term_months:
        good_reasons.append(
            Text(
                "MY-1: at risk ({why}): a {at_risk_term_months}-month term, not the current {term} months (proposal.at_risk_term_months)",
                why=risky[0],
                at_risk_term_months=policy.proposal.at_risk_term_months,
                term=term,
            )
        )
        good_rules.append("MY-1")
        term = policy.proposal.at_risk_term_months
    yearly = _term_years(term)

    good = Option(
        OptionName.good,
        True,
        arr,
        term,
        years=[arr] * yearly,
        reasons=good_reasons,
        rules=good_rules,
    )
    if bundle.value == "bundle":
        better = Option(
            OptionName.better,
            True,
            money(arr + modest.arr),
            term,
            expansion=modest,
            reasons=[Text("BUN-2: better: renewal plus modest expansion"), *bundle.reasons],
            rules=["BUN-2", "BUN-1"],
        )
        better.years = [better.annual_price] * yearly  # type: ignore[list-item]
    else:
        better = Option(
            OptionName.better,
            False,
            reasons=[
                Text("BUN-2: better (renewal plus modest expansion) is not offered"),
                *bundle.reasons,
            ],
            rules=["BUN-2", "BUN-1"],
            not_offered_code=bundle.code,
        )

    best_reasons: list[str] = [Text("BUN-2: best: renewal plus full expansion plus multi-year")]
    base = arr
    expansion: Expansion | None = None
    if bundle.value == "bundle":
        base, expansion = money(arr + full.arr), full
        best_reasons.append(Text("BUN-1: full expansion bundled"))
    else:
        best_reasons.append(
            Text(
                "BUN-1: no expansion in best: {why}",
                why=bundle.reasons[0].removeprefix("BUN-1: "),
            )
        )
    if eligible.value:
        years = policy.proposal.best_term_years
        incentive = multi_year_incentive(years, policy)
        discounted = money(base * (HUNDRED - Decimal(str(incentive.discount_pct))) / HUNDRED)
        kind = approach.value
        if incentive.price_lock and kind is PricingApproach.escalating:
            kind = PricingApproach.fixed  # a price lock forbids the escalator (MY-2)
        schedule = _schedule(discounted, years, kind, policy.multi_year.escalator_pct.min)
        best = Option(
            OptionName.best,
            True,
            discounted,
            years * 12,
            expansion=expansion,
            discount_pct=incentive.discount_pct,
            incentive=incentive,
            approach=approach,
            years=schedule,
            clauses=list(policy.proposal.flexibility_clauses),
            reasons=[
                *best_reasons,
                *eligible.reasons,
                *incentive.reasons,
                *approach.reasons,
                Text(
                    "MY-4: flexibility clauses: {clauses}",
                    clauses=", ".join(policy.proposal.flexibility_clauses),
                ),
            ],
            rules=["BUN-2", "BUN-1", "MY-1", "MY-2", "MY-3", "MY-4"],
        )
        if incentive.price_lock and approach.value is PricingApproach.escalating:
            best.reasons.append(Text("MY-2: the price lock replaces the MY-3 escalator"))
    elif bundle.value == "bundle":
        best = Option(
            OptionName.best,
            True,
            base,
            term,
            expansion=expansion,
            years=[base] * yearly,
            reasons=[*best_reasons, Text("MY-1: multi-year not offered:"), *eligible.reasons],
            rules=["BUN-2", "BUN-1", "MY-1"],
        )
    else:
        best = Option(
            OptionName.best,
            False,
            reasons=[
                Text("BUN-2: best is not offered: no bundled expansion and no multi-year"),
                *bundle.reasons,
                *eligible.reasons,
            ],
            rules=["BUN-2", "BUN-1", "MY-1"],
            not_offered_code=bundle.code,
        )
    listed = [good, better, best]
    if agreed is not None:
        listed.append(agreed_option(agreed, arr, term, policy=policy))
    return {
        "currency": p.currency,
        "current_arr": str(arr),
        "bundle": bundle.as_record(),
        "multi_year": eligible.as_record(),
        "approach": approach.as_record(),
        "options": {o.name.value: o.as_record() for o in listed},
        "recommended": (
            OptionName.agreed.value if agreed is not None else _recommend(good, better, best).value
        ),
    }


def _recommend(good: Option, better: Option, best: Option) -> OptionName:
    """The richest option offered (the customer still chooses)."""
    for option in (best, better, good):
        if option.offered:
            return option.name
    return OptionName.good


def choose(options: dict[str, Any], name: str | None) -> str:
    """The option the proposal leads with: `name` if offered, else the recommended one."""
    if name is None:
        return str(options["recommended"])
    try:
        wanted = OptionName(name.strip().lower())
    except ValueError:
        raise ProposalError(
            Text(
                "--option must be one of {choices}, got {value}",
                choices=", ".join(OptionName),
                value=repr(name),
            )
        ) from None
    option = options["options"].get(wanted.value)
    if option is None:
        raise ProposalError(
            Text(
                "option {option} is not offered for this renewal: no approved concession (CONC-3)",
                option=wanted.value,
            )
        )
    if not option["offered"]:
        raise ProposalError(
            Text(
                "option {option} is not offered for this renewal: {reasons}",
                option=wanted.value,
                reasons="; ".join(option["reasons"][1:3]),
            )
        )
    return wanted.value
