"""Risk signals from numbers (SIG-1..9) and the combined risk of several (SIG-0).

Pure rules on plain values: the features an account had on `as_of`, its health
and the policy. Every signal says which rule fired, how strongly, and quotes its
evidence (the numbers here; the sentence for text signals, see `text.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from renewals.kit.i18n import Text
from renewals.policy.domain import Health, Signals
from renewals.policy.facts import judge


class SignalKind(StrEnum):
    health_drop = "health_drop"  # SIG-1
    engagement_drop = "engagement_drop"  # SIG-2
    negative_feedback = "negative_feedback"  # SIG-3
    competitive = "competitive"  # SIG-4
    budget = "budget"  # SIG-5
    stakeholder_change = "stakeholder_change"  # SIG-6
    usage_decline = "usage_decline"  # SIG-7
    business_change = "business_change"  # SIG-8
    single_threading = "single_threading"  # SIG-9


RULES: dict[SignalKind, str] = {
    SignalKind.health_drop: "SIG-1",
    SignalKind.engagement_drop: "SIG-2",
    SignalKind.negative_feedback: "SIG-3",
    SignalKind.competitive: "SIG-4",
    SignalKind.budget: "SIG-5",
    SignalKind.stakeholder_change: "SIG-6",
    SignalKind.usage_decline: "SIG-7",
    SignalKind.business_change: "SIG-8",
    SignalKind.single_threading: "SIG-9",
}


class Severity(StrEnum):
    low = "low"
    medium = "medium"
    high = "high"


class Risk(StrEnum):
    """SIG-0: what the signals of one account add up to."""

    none = "none"
    watch = "watch"  # one signal: may be noise
    at_risk = "at_risk"  # several signals together, or a red health score
    save = "save"  # a competitive signal: save mode (SIG-4)


@dataclass(frozen=True)
class Detected:
    """One signal as found; `source`/`source_id` make it unique per account and kind."""

    kind: SignalKind
    severity: Severity
    source: str
    source_id: str
    source_date: date
    evidence: str
    facts: dict[str, Any] = field(default_factory=dict)
    language: str | None = None

    @property
    def rule(self) -> str:
        return RULES[self.kind]


@dataclass(frozen=True)
class HealthFacts:
    score: float | None
    category: str | None
    warning: bool
    previous_score: float | None
    previous_as_of: date | None
    reasons: tuple[str, ...] = ()


def numeric_signals(
    features: Mapping[str, float | None],
    health: HealthFacts,
    *,
    as_of: date,
    signals: Signals,
    health_policy: Health,
) -> list[Detected]:
    """SIG-1, SIG-2, SIG-3, SIG-6, SIG-7, SIG-9 from one account's features and health."""
    found: list[Detected] = []

    def add(
        kind: SignalKind, severity: Severity, source: str, key: str, evidence: str, **facts: Any
    ) -> None:
        found.append(Detected(kind, severity, source, key, as_of, evidence, facts))

    def value(name: str) -> float | None:
        return features.get(name)

    # SIG-1: health below the warning line or in the bottom quartile, or a sharp fall.
    if health.score is not None and health.warning:
        severity = Severity.high if health.category == "red" else Severity.medium
        why = "; ".join(r for r in health.reasons if r.startswith("HEALTH-2")) or "warning"
        add(
            SignalKind.health_drop,
            severity,
            "health",
            "warning",
            Text("health {score:.0f}: {reasons}", score=health.score, reasons=why),
            score=health.score,
        )
    if health.score is not None and health.previous_score is not None:
        fall = health.previous_score - health.score
        if fall >= signals.health_drop_points:
            add(
                SignalKind.health_drop,
                _escalated(fall, signals.health_drop_points, signals),
                "health",
                "fall",
                Text(
                    "health fell {fall:.0f} points, from {previous:.0f} on {day} to {score:.0f}",
                    fall=fall,
                    previous=health.previous_score,
                    day=health.previous_as_of,
                    score=health.score,
                ),
                previous=health.previous_score,
                score=health.score,
            )

    # SIG-2: engagement drop. Facts the HEALTH-3 guards read too are judged once, by
    # renewals.policy.facts.judge (the same threshold keys for the signal and the guard).
    missed, rate = value("missed_meetings") or 0, value("missed_meeting_rate") or 0
    if judge(signals, "missed_meetings", features):
        add(
            SignalKind.engagement_drop,
            _escalated(rate, signals.missed_meeting_rate, signals),
            "interactions",
            "missed_meetings",
            Text(
                "{missed:.0f} meetings cancelled, missed or declined in {days} days "
                "({rate:.0%} of those scheduled)",
                missed=missed,
                days=signals.lookback_days,
                rate=rate,
            ),
            missed=missed,
            rate=round(rate, 3),
        )
    slowdown = value("champion_response_ratio")
    if slowdown is not None and slowdown >= signals.champion_slowdown_factor:
        add(
            SignalKind.engagement_drop,
            Severity.medium,
            "interactions",
            "champion_reply",
            Text(
                "champion replies {slowdown:.1f}x slower than before "
                "({hours:.0f} hours on average now)",
                slowdown=slowdown,
                hours=value("champion_reply_hours") or 0,
            ),
            ratio=round(slowdown, 2),
        )
    users = value("active_user_change_30d")
    if users is not None and users <= -signals.usage_drop_pct / 100:
        add(
            SignalKind.engagement_drop,
            Severity.medium,
            "usage",
            "active_users",
            Text("active users {change:+.0%} on the previous 30 days", change=users),
            change=round(users, 3),
        )

    # SIG-3: negative feedback.
    nps = value("nps") or 0
    if judge(signals, "detractor_nps", features):
        add(
            SignalKind.negative_feedback,
            Severity.medium,
            "surveys",
            "nps",
            Text("mean NPS {nps:.1f} (detractor at {low} or below)", nps=nps, low=signals.low_nps),
            nps=round(nps, 2),
        )
    nps_change = value("nps_change")
    if nps_change is not None and nps_change <= -signals.nps_drop_points:
        add(
            SignalKind.negative_feedback,
            Severity.medium,
            "surveys",
            "nps_trend",
            Text("NPS down {points:.1f} points on the half-year before", points=-nps_change),
            change=round(nps_change, 2),
        )
    csat = value("csat")
    if csat is not None and csat <= signals.low_csat:
        add(
            SignalKind.negative_feedback,
            Severity.low,
            "surveys",
            "csat",
            Text(
                "mean CSAT {csat:.1f} of 5 (negative at {low} or below)",
                csat=csat,
                low=signals.low_csat,
            ),
            csat=round(csat, 2),
        )
    repeats = value("repeated_complaints") or 0
    if judge(signals, "repeated_complaints", features):
        add(
            SignalKind.negative_feedback,
            _escalated(repeats, 1, signals),
            "tickets",
            "repeated_complaints",
            Text(
                "{repeats:.0f} problem(s) reported more than once in {days} days",
                repeats=repeats,
                days=signals.lookback_days,
            ),
            repeated=repeats,
        )

    # SIG-6: a champion or decision maker left.
    departures = value("key_departures")
    if departures:
        add(
            SignalKind.stakeholder_change,
            Severity.high,
            "stakeholders",
            "departures",
            Text(
                "{departures:.0f} champion(s) or decision maker(s) left in the last {days} days",
                departures=departures,
                days=signals.stakeholder_change_days,
            ),
            departures=departures,
        )

    # SIG-7: usage decline, seats unused.
    usage = value("usage_change_30d") or 0
    if judge(signals, "usage_drop", features):
        add(
            SignalKind.usage_decline,
            Severity.high,
            "usage",
            "events",
            Text(
                "usage {change:+.0%} on the previous 30 days (decline at -{drop:g}%)",
                change=usage,
                drop=signals.usage_drop_pct,
            ),
            change=round(usage, 3),
        )
    seats = value("seat_utilisation") or 0
    if judge(signals, "seats_unused", features):
        add(
            SignalKind.usage_decline,
            Severity.medium,
            "usage",
            "seats",
            Text("only {share:.0%} of seats active in the last 30 days", share=seats),
            utilisation=round(seats, 3),
        )

    # SIG-9: single-threading.
    engaged = value("engaged_contacts")
    if engaged is not None and engaged <= signals.single_thread_max_contacts:
        add(
            SignalKind.single_threading,
            Severity.medium if engaged else Severity.high,
            "stakeholders",
            "engaged_contacts",
            Text(
                "{engaged:.0f} contact(s) engaged in the last {days} days",
                engaged=engaged,
                days=signals.engaged_within_days,
            ),
            engaged=engaged,
        )
    return found


def _escalated(value: float, threshold: float, signals: Signals) -> Severity:
    """SIG-0: high when the fact is `high_severity_multiple` times past its threshold."""
    return Severity.high if value >= signals.high_severity_multiple * threshold else Severity.medium


@dataclass(frozen=True)
class RiskDecision:
    risk: Risk
    kinds: tuple[str, ...]
    reasons: tuple[str, ...]


def combined_risk(kinds: Iterable[str], *, category: str | None, signals: Signals) -> RiskDecision:
    """SIG-0: one weak signal alone is noise; several together (or red health) are real risk;
    any competitive signal switches the account to save mode (SIG-4)."""
    distinct = tuple(sorted(set(kinds)))
    reasons: list[str] = []
    if signals.competitive_switches_to_save and SignalKind.competitive in distinct:
        reasons.append(Text("SIG-4: a competitive signal switches the account to save mode"))
        return RiskDecision(Risk.save, distinct, tuple(reasons))
    if len(distinct) >= signals.min_signals_for_risk:
        reasons.append(
            Text(
                "SIG-0: {n} kinds of signal together ({signals}) are real risk",
                n=len(distinct),
                signals=", ".join(distinct),
            )
        )
        return RiskDecision(Risk.at_risk, distinct, tuple(reasons))
    if category == "red":
        reasons.append(Text("HEALTH-4: a red health score flags the account at risk"))
        return RiskDecision(Risk.at_risk, distinct, tuple(reasons))
    if distinct:
        reasons.append(
            Text("SIG-0: one kind of signal ({kind}) alone may be noise: watch", kind=distinct[0])
        )
        return RiskDecision(Risk.watch, distinct, tuple(reasons))
    return RiskDecision(Risk.none, distinct, (Text("SIG-0: no signals"),))
