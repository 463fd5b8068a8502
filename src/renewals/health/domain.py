"""The health scorecard (HEALTH-1..5): pure rules on plain values, no I/O, no clock.

An account's features (plain numbers, `None` when there is no data) are turned
into component scores by the policy's measures, the components into one 0-100
score by the policy's weights (re-weighted over the components that have data),
and the score into a category (HEALTH-2, HEALTH-3). Every step keeps the facts
and rule IDs that produced it, so the score can explain itself (HEALTH-5).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from renewals.account.domain import Segment
from renewals.kit.i18n import Text
from renewals.policy.domain import Health, Measure, Signals
from renewals.policy.facts import judge

COMPONENTS = (
    "usage",
    "adoption",
    "support",
    "relationship",
    "outcomes",
    "sentiment",
    "competitive",
    "tenure",
)
NEUTRAL = 50.0  # a measure at 50 neither helps nor hurts: drivers are measured from here


class Category(StrEnum):
    """HEALTH-3."""

    green = "green"
    yellow = "yellow"
    red = "red"
    expansion = "expansion"


class Trend(StrEnum):
    """HEALTH-5: change since the previous snapshot."""

    up = "up"
    down = "down"
    same = "same"
    new = "new"


@dataclass(frozen=True)
class FeatureInfo:
    label: str
    unit: str  # "pct" (a share shown as %), "change" (signed %), "count", "days", "score", "ratio"


# What each feature means, for explanations (docs/health.md lists the same).
FEATURES: dict[str, FeatureInfo] = {
    "usage_change_30d": FeatureInfo(Text("usage in the last 30 days vs the previous 30"), "change"),
    "usage_trend_90d": FeatureInfo(Text("weekly usage trend over 90 days"), "change"),
    "days_since_last_activity": FeatureInfo(Text("days since the last product activity"), "days"),
    "seat_utilisation": FeatureInfo(Text("seats active in the last 30 days"), "pct"),
    "key_feature_adoption": FeatureInfo(Text("key features used in the last 30 days"), "pct"),
    "features_30d": FeatureInfo(Text("distinct features used in the last 30 days"), "count"),
    "active_user_change_30d": FeatureInfo(Text("active users vs the previous 30 days"), "change"),
    "repeated_complaints": FeatureInfo(Text("problems reported more than once"), "count"),
    "ticket_satisfaction": FeatureInfo(Text("mean ticket satisfaction (1-5)"), "score"),
    "ticket_volume_ratio": FeatureInfo(Text("tickets vs the window before"), "ratio"),
    "urgent_tickets": FeatureInfo(Text("high and urgent tickets"), "count"),
    "missed_meeting_rate": FeatureInfo(Text("meetings cancelled, missed or declined"), "pct"),
    "engaged_contacts": FeatureInfo(Text("stakeholders engaged recently"), "count"),
    "champion_reply_hours": FeatureInfo(Text("champion's mean reply time, hours"), "count"),
    "champion_response_ratio": FeatureInfo(Text("champion reply time now vs before"), "ratio"),
    "key_departures": FeatureInfo(Text("champions and decision makers who left"), "count"),
    "goals_achieved_rate": FeatureInfo(Text("business goals achieved (of those due)"), "pct"),
    "nps": FeatureInfo(Text("mean NPS (0-10)"), "score"),
    "nps_change": FeatureInfo(Text("NPS change vs the half-year before"), "score"),
    "csat": FeatureInfo(Text("mean CSAT (1-5)"), "score"),
    "competitive_mentions": FeatureInfo(Text("competitive remarks in notes and tickets"), "count"),
    "usage_level_pct": FeatureInfo(
        Text("usage in the last 30 days, percentile among peers"), "pct"
    ),
    "active_users_pct": FeatureInfo(Text("seats or users active, percentile among peers"), "pct"),
    "usage_depth_pct": FeatureInfo(Text("use per active user, percentile among peers"), "pct"),
    "breadth_pct": FeatureInfo(Text("features used, percentile among peers"), "pct"),
    "negative_share_pct": FeatureInfo(
        Text("share of negative events (removing, rejecting), percentile among peers"), "pct"
    ),
    "negative_event_share_30d": FeatureInfo(Text("negative events in the last 30 days"), "pct"),
    "tenure_days": FeatureInfo(Text("days as a customer"), "days"),
    "history_days": FeatureInfo(Text("days of usage history"), "days"),
    # stored with every score; no default measure reads them, `health calibrate` may
    # (health.calibration_candidates)
    "term_months": FeatureInfo(Text("contract term in months"), "count"),
    "usage_events_30d": FeatureInfo(Text("usage events in the last 30 days"), "count"),
    "usage_events_per_user_30d": FeatureInfo(
        Text("usage events per active user in the last 30 days"), "count"
    ),
    "active_users_30d": FeatureInfo(Text("active users in the last 30 days"), "count"),
    "negative_events_30d": FeatureInfo(
        Text("negative events in the last 30 days (count)"), "count"
    ),
}

# The facts stored with a score for context (no measure scores them), in words (HEALTH-5).
CONTEXT_FEATURES: dict[str, Text] = {
    "arr": Text("annual recurring revenue (ARR)"),
    "seats": Text("seats bought"),
    "contacts": Text("contacts on record"),
    "tickets": Text("support tickets"),
    "events_30d": Text("product events in the last 30 days"),
    "usage_events_per_seat_30d": Text("usage events per seat in the last 30 days"),
    "missed_meetings": Text("meetings cancelled, missed or declined (count)"),
    "goals_achieved": Text("business goals achieved"),
    "goals_missed": Text("business goals missed"),
    "budget_authority_engaged": Text("economic buyer engaged (1 yes, 0 no)"),
}

# FUND-6 (issue 17): trends need history. A trend feature is not scored while the account's
# usage history (`history_days`) is shorter than `health.trend_min_history_days`, or than
# the window the feature itself spans, whichever is longer: "too new to trend".
TREND_FEATURES: dict[str, int] = {
    "usage_change_30d": 60,
    "active_user_change_30d": 60,
    "usage_trend_90d": 91,
}


def too_new_to_trend(
    features: Mapping[str, float | None], policy: Health
) -> tuple[dict[str, float | None], str | None]:
    """FUND-6: the features with the trends an account is too new for set to None, and the
    reason (None when nothing was held back)."""
    history = features.get("history_days")
    if history is None:
        return dict(features), None
    held = [
        f
        for f, window in TREND_FEATURES.items()
        if features.get(f) is not None and history < max(window, policy.trend_min_history_days)
    ]
    if not held:
        return dict(features), None
    kept = {k: (None if k in held else v) for k, v in features.items()}
    labels = ", ".join(FEATURES[f].label for f in held)
    return kept, Text(
        "FUND-6: too new to trend: {days:.0f} days of usage history "
        "(health.trend_min_history_days {minimum}); not scored: {labels}",
        days=history,
        minimum=policy.trend_min_history_days,
        labels=labels,
    )


def format_value(feature: str, value: float | None) -> str:
    """A feature value as a person reads it: 42%, +15%, 3, 2.5x."""
    if value is None:
        return Text("no data")
    unit = FEATURES[feature].unit if feature in FEATURES else "score"
    if unit == "pct":
        return f"{value:.0%}"
    if unit == "change":
        return f"{value:+.0%}"
    if unit in ("count", "days"):
        return f"{value:,.0f}"
    if unit == "ratio":
        return f"{value:.1f}x"
    return f"{value:.1f}"


def interpolate(value: float, points: Sequence[tuple[float, float]]) -> float:
    """HEALTH-1: the score at `value` on the piecewise-linear curve, clamped at both ends."""
    (x0, y0), (xn, yn) = points[0], points[-1]
    if value <= x0:
        return y0
    if value >= xn:
        return yn
    for (a, fa), (b, fb) in zip(points, points[1:], strict=False):
        if a <= value <= b:
            return fa + (fb - fa) * (value - a) / (b - a)
    return yn  # unreachable: the points rise strictly


@dataclass(frozen=True)
class MeasureScore:
    feature: str
    value: float | None
    score: float | None
    weight: float


@dataclass(frozen=True)
class ComponentScore:
    name: str
    score: float | None  # None = no data for any measure: shown as missing, never 0
    weight: float  # the policy weight for the account's segment
    share: float  # the weight's share of the score after re-weighting (0 when missing)
    measures: tuple[MeasureScore, ...]


@dataclass(frozen=True)
class Driver:
    """HEALTH-5: one fact that moved the score, by how many points, under which rule."""

    component: str
    feature: str
    value: float
    score: float
    impact: float  # points this measure adds to (or takes from) the score, relative to 50
    rule: str
    text: str


@dataclass(frozen=True)
class HealthScore:
    score: float | None
    components: tuple[ComponentScore, ...]
    drivers: tuple[Driver, ...]
    missing: tuple[str, ...]
    reasons: tuple[str, ...] = field(default=())

    def component(self, name: str) -> ComponentScore:
        return next(c for c in self.components if c.name == name)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _measure_score(
    measure: Measure, features: Mapping[str, float | None]
) -> tuple[float | None, float | None]:
    """HEALTH-1: a measure's usable value (None: no data, or not a finite number) and its
    score on the measure's curve."""
    value = features.get(measure.feature)
    if value is None or not math.isfinite(value):
        return None, None
    return value, interpolate(value, measure.points)


def _weighted_mean(pairs: Sequence[tuple[float, float]]) -> float | None:
    """HEALTH-1: the weighted mean of (score, weight) pairs; None when there are none."""
    if not pairs:
        return None
    total = sum(w for _, w in pairs)
    return sum(s * w for s, w in pairs) / total


def score_component(
    name: str, measures: Sequence[Measure], features: Mapping[str, float | None]
) -> tuple[float | None, tuple[MeasureScore, ...]]:
    """HEALTH-1: weighted mean of the component's measures that have data."""
    scored = []
    for measure in measures:
        value, score = _measure_score(measure, features)
        scored.append(MeasureScore(measure.feature, value, score, measure.weight))
    present = [(m.score, m.weight) for m in scored if m.score is not None]
    return _weighted_mean(present), tuple(scored)


_Plan = tuple[tuple[tuple[str, tuple[Measure, ...]], ...], dict[Segment | None, dict[str, float]]]
# Per policy (held, so its id is not reused while it is here): its components' measures and
# its weights per segment, worked out once, not for every account scored (issue 20: twice
# per account a day, 18,000 times on the 10,000-account book).
_PLANS: dict[int, tuple[Health, _Plan]] = {}


def _plan(policy: Health) -> _Plan:
    found = _PLANS.get(id(policy))
    if found is None or found[0] is not policy:
        if len(_PLANS) >= 16:
            _PLANS.clear()
        by_component = tuple(
            (name, tuple(m for m in policy.measures if m.component == name)) for name in COMPONENTS
        )
        found = (policy, (by_component, {}))
        _PLANS[id(policy)] = found
    return found[1]


def _by_component(policy: Health) -> tuple[tuple[str, tuple[Measure, ...]], ...]:
    """HEALTH-1: each component with its measures, in COMPONENTS' order."""
    return _plan(policy)[0]


def _weights(policy: Health, segment: Segment | None) -> dict[str, float]:
    """HEALTH-1: `policy.weights_for(segment)`, worked out once per policy and segment (read
    only: the same dict for every account)."""
    weights = _plan(policy)[1]
    if segment not in weights:
        weights[segment] = policy.weights_for(segment)
    return weights[segment]


def _present(
    parts: Sequence[tuple[str, float | None, float]], policy: Health
) -> tuple[list[tuple[str, float, float]], tuple[str, ...], float, bool]:
    """HEALTH-1: of (component, score, weight), those with data and weight, those missing,
    their total weight, and whether they are enough to score (`min_components`)."""
    present = [(n, s, w) for n, s, w in parts if s is not None and w > 0]
    missing = tuple(n for n, s, w in parts if s is None and w > 0)
    total_weight = sum(w for _, _, w in present)
    return (
        present,
        missing,
        total_weight,
        len(present) >= policy.min_components and total_weight > 0,
    )


def score_health(
    features: Mapping[str, float | None], policy: Health, *, segment: Segment | None
) -> HealthScore:
    """HEALTH-1, HEALTH-5: the weighted score, its components, drivers and what is missing
    (trends the account is too new for are left out, FUND-6)."""
    features, young = too_new_to_trend(features, policy)
    weights = _weights(policy, segment)
    parts: list[tuple[str, float | None, float, tuple[MeasureScore, ...]]] = []
    for name, measures in _by_component(policy):
        score, scored = score_component(name, measures, features)
        parts.append((name, score, weights[name] if measures else 0.0, scored))
    present, missing, total_weight, enough = _present([p[:3] for p in parts], policy)
    components = tuple(
        ComponentScore(
            name=n,
            score=None if s is None else round(s, 1),
            weight=w,
            share=(w / total_weight) if (enough and s is not None and w > 0) else 0.0,
            measures=scored,
        )
        for n, s, w, scored in parts
    )
    if not enough:
        reason = Text(
            "HEALTH-1: only {n} of {total} components have data "
            "(at least {needed} needed); missing: {missing}",
            n=len(present),
            total=len(COMPONENTS),
            needed=policy.min_components,
            missing=", ".join(missing) or Text("none"),
        )
        return HealthScore(None, components, (), missing, (reason,) + ((young,) if young else ()))
    score = _weighted_mean([(s, w) for _, s, w in present])
    assert score is not None  # enough: at least one component with data
    drivers = _drivers(components, policy)
    mean = (
        Text(
            "HEALTH-1: weighted mean of {n} components; re-weighted without {missing} (no data)",
            n=len(present),
            missing=", ".join(missing),
        )
        if missing
        else Text("HEALTH-1: weighted mean of {n} components", n=len(present))
    )
    reasons = (mean,) + ((young,) if young else ())
    return HealthScore(round(score, 1), components, drivers, missing, reasons)


def health_score_value(
    features: Mapping[str, float | None], policy: Health, *, segment: Segment | None
) -> float | None:
    """HEALTH-1: `score_health(...).score` alone, the same number by the same steps, without
    the components, drivers and reasons that explain it (about a quarter of the work): for ranking
    a whole book (HEALTH-2's bottom quartile) where only some accounts' explanations are
    read, as the learned model's training rows do on every past week (issue 14)."""
    features, _ = too_new_to_trend(features, policy)
    weights = _weights(policy, segment)
    parts: list[tuple[str, float | None, float]] = []
    for name, measures in _by_component(policy):
        pairs = []
        for measure in measures:
            _, score = _measure_score(measure, features)
            if score is not None:
                pairs.append((score, measure.weight))
        parts.append((name, _weighted_mean(pairs), weights[name] if measures else 0.0))
    present, _, _, enough = _present(parts, policy)
    if not enough:
        return None
    score = _weighted_mean([(s, w) for _, s, w in present])
    return None if score is None else round(score, 1)


def _drivers(components: Sequence[ComponentScore], policy: Health) -> tuple[Driver, ...]:
    """HEALTH-5: the measures that moved the score most, in points, with their facts.

    Every measure's impact is computed, but only the top `top_drivers` get their sentence
    (formatting one per measure was a third of scoring the book, issue 20)."""
    found: list[tuple[float, str, MeasureScore]] = []
    for component in components:
        present = [m for m in component.measures if m.score is not None]
        total = sum(m.weight for m in present)
        for m in present:
            impact = component.share * (m.weight / total) * (m.score - NEUTRAL)  # type: ignore[operator]
            found.append((impact, component.name, m))
    found.sort(key=lambda d: -abs(round(d[0], 1)))  # by the impact shown, ties in order
    drivers = []
    for impact, component_name, m in found[: policy.top_drivers]:
        label = FEATURES.get(m.feature, FeatureInfo(m.feature, "score")).label
        drivers.append(
            Driver(
                component=component_name,
                feature=m.feature,
                value=m.value,  # type: ignore[arg-type]
                score=round(m.score, 1),  # type: ignore[arg-type]
                impact=round(impact, 1),
                rule="HEALTH-1",
                text=Text(
                    "{label}: {value} (scores {score:.0f}/100, {impact:+.1f} points)",
                    label=label,
                    value=format_value(m.feature, m.value),
                    score=m.score,
                    impact=impact,
                ),
            )
        )
    return tuple(drivers)


@dataclass(frozen=True)
class CategoryDecision:
    category: Category
    warning: bool
    reasons: tuple[str, ...]


def bottom_cutoff(scores: Sequence[float], share: float) -> float | None:
    """HEALTH-2: the highest score still inside the bottom `share` of the book."""
    ordered = sorted(scores)
    if not ordered:
        return None
    count = max(1, math.floor(len(ordered) * share))
    return ordered[count - 1]


def categorize(
    score: float,
    policy: Health,
    *,
    bottom_cutoff: float | None,
    features: Mapping[str, float | None],
    signals: Signals,
) -> CategoryDecision:
    """HEALTH-2, HEALTH-3: red below yellow_min_score; a warning below warning_score or in
    the bottom quartile (which also keeps the account out of green); expansion = green plus
    growth signals and, if the policy asks, an engaged budget authority; each HEALTH-3 guard
    whose signal fact holds (judged by the signals' thresholds) caps the category."""
    decision = _by_score(score, policy, bottom_cutoff=bottom_cutoff, features=features)
    return _guarded(decision, policy, features, signals)


def guards_fired(
    features: Mapping[str, float | None], policy: Health, signals: Signals
) -> list[tuple[str, str]]:
    """HEALTH-3: the policy's guards that hold for these features, as (cap, reason). Each
    reads its fact through `renewals.policy.facts.judge`, the judgement the SIG-x detector makes too, so
    one threshold (the signals key) decides both the signal and the guard."""
    return [(cap, f"{reason} ({why})") for cap, reason, why in _fired(features, policy, signals)]


def _fired(
    features: Mapping[str, float | None], policy: Health, signals: Signals
) -> list[tuple[str, str, str]]:
    """guards_fired's guards as (cap, the guard's reason, the fact that holds)."""
    fired: list[tuple[str, str, str]] = []
    for guard in policy.guards:
        why = judge(signals, guard.signal, features)
        if why is not None:
            fired.append((guard.cap, guard.reason, why))
    return fired


_RANK = {Category.red: 0, Category.yellow: 1, Category.green: 2, Category.expansion: 3}


def _guarded(
    decision: CategoryDecision,
    policy: Health,
    features: Mapping[str, float | None],
    signals: Signals,
) -> CategoryDecision:
    """HEALTH-3 by definition, not only by score: each guard that holds caps the category
    (green needs high adoption, engagement, positive feedback and no known issues), and
    `red_min_guards` of them together make it red; each is shown as a reason."""
    fired = _fired(features, policy, signals)
    if not fired:
        return decision
    cap = Category.red if len(fired) >= policy.red_min_guards else Category.yellow
    for guard_cap, _, _ in fired:
        if guard_cap == "red":
            cap = Category.red
    reasons = list(decision.reasons)
    # the guard's reason is the policy's wording: its default reads in each language (issue 22)
    reasons += [
        Text("HEALTH-3: at most {cap}: {reason} ({why})", cap=c, reason=reason, why=why)
        for c, reason, why in fired
    ]
    if _RANK[decision.category] <= _RANK[cap]:
        return CategoryDecision(decision.category, decision.warning, tuple(reasons))
    if cap == Category.red and len(fired) >= policy.red_min_guards:
        reasons.append(
            Text(
                "HEALTH-3: red: {n} definitions of trouble hold at once "
                "(health.red_min_guards {minimum})",
                n=len(fired),
                minimum=policy.red_min_guards,
            )
        )
    return CategoryDecision(cap, decision.warning, tuple(reasons))


def _by_score(
    score: float,
    policy: Health,
    *,
    bottom_cutoff: float | None,
    features: Mapping[str, float | None],
) -> CategoryDecision:
    reasons: list[str] = []
    in_bottom = bottom_cutoff is not None and score <= bottom_cutoff
    warning = score < policy.warning_score or in_bottom
    if score < policy.warning_score:
        reasons.append(
            Text(
                "HEALTH-2: score {score:.0f} is below {warning:g}",
                score=score,
                warning=policy.warning_score,
            )
        )
    if in_bottom:
        reasons.append(
            Text(
                "HEALTH-2: score {score:.0f} is in the bottom {share:.0%} "
                "of the book (at or below {cutoff:.0f})",
                score=score,
                share=policy.bottom_quartile,
                cutoff=bottom_cutoff,
            )
        )
    if score < policy.yellow_min_score:
        reasons.append(Text("HEALTH-3: red below {yellow:g}", yellow=policy.yellow_min_score))
        return CategoryDecision(Category.red, warning, tuple(reasons))
    if score < policy.green_min_score or in_bottom:
        if score >= policy.green_min_score:
            reasons.append(Text("HEALTH-3: yellow, not green, while in the bottom of the book"))
        else:
            reasons.append(
                Text(
                    "HEALTH-3: yellow from {yellow:g} to below {green:g}",
                    yellow=policy.yellow_min_score,
                    green=policy.green_min_score,
                )
            )
        return CategoryDecision(Category.yellow, warning, tuple(reasons))
    reasons.append(Text("HEALTH-3: green at {green:g} or above", green=policy.green_min_score))
    growth = _growth_signals(features, policy)
    authority = (features.get("budget_authority_engaged") or 0) > 0
    if growth and (authority or not policy.expansion_needs_budget_authority):
        signals = "; ".join(growth)
        reasons.append(
            Text(
                "HEALTH-3: expansion opportunity: {signals}; budget authority engaged",
                signals=signals,
            )
            if authority
            else Text("HEALTH-3: expansion opportunity: {signals}", signals=signals)
        )
        return CategoryDecision(Category.expansion, warning, tuple(reasons))
    return CategoryDecision(Category.green, warning, tuple(reasons))


def _growth_signals(features: Mapping[str, float | None], policy: Health) -> list[str]:
    found: list[str] = []
    seats = features.get("seat_utilisation")
    if seats is not None and seats >= policy.expansion_seat_utilisation:
        found.append(Text("{share:.0%} of seats active", share=seats))
    growth = features.get("usage_trend_90d")
    if growth is not None and growth >= policy.expansion_usage_trend:
        found.append(
            Text(
                "usage growing {growth:+.1%} of its mean week, week on week, for 90 days",
                growth=growth,
            )
        )
    return found


def trend_of(score: float | None, previous: float | None, policy: Health) -> Trend:
    """HEALTH-5: up or down when the score moved at least trend_points since last time."""
    if score is None or previous is None:
        return Trend.new
    if score - previous >= policy.trend_points:
        return Trend.up
    if previous - score >= policy.trend_points:
        return Trend.down
    return Trend.same
