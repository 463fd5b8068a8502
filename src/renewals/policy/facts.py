"""Facts judged once (issue 16, HEALTH-3 and SIG-x): a numeric fact that both raises a
signal (renewals.signal.domain) and caps a health category (renewals.health.domain guards)
is decided here, by the signals policy key, so the two can never use different numbers."""

from __future__ import annotations

from collections.abc import Mapping

from renewals.policy.domain import SignalFact, Signals


def judge(signals: Signals, name: SignalFact, features: Mapping[str, float | None]) -> str | None:
    """The one judgement of a numeric fact that both the signal detectors (SIG-2, SIG-3,
    SIG-4, SIG-7) and the HEALTH-3 guards read: why it holds (feature, value and the
    policy key it was judged by), or None when it does not or there is no data."""

    def value(feature: str) -> float | None:
        return features.get(feature)

    if name == "seats_unused":  # SIG-7 seats unused; HEALTH-3 green needs high adoption
        seats = value("seat_utilisation")
        limit = signals.low_seat_utilisation
        if seats is not None and seats < limit:
            return f"seat_utilisation {seats:.2f} < signals.low_seat_utilisation {limit:g}"
    elif name == "detractor_nps":  # SIG-3 low NPS; HEALTH-3 green needs positive feedback
        nps = value("nps")
        if nps is not None and nps <= signals.low_nps:
            return f"nps {nps:.1f} <= signals.low_nps {signals.low_nps}"
    elif name == "usage_drop":  # SIG-7, FUND-6 usage down 40%; HEALTH-3 declining usage
        change = value("usage_change_30d")
        limit = -signals.usage_drop_pct / 100
        if change is not None and change <= limit:
            return f"usage_change_30d {change:+.2f} <= -signals.usage_drop_pct {limit:+.2f}"
    elif name == "missed_meetings":  # SIG-2 repeatedly cancelled; HEALTH-3 relationship
        missed, rate = value("missed_meetings"), value("missed_meeting_rate")
        if (
            missed is not None
            and rate is not None
            and missed >= signals.missed_meetings_min
            and rate >= signals.missed_meeting_rate
        ):
            return (
                f"missed_meetings {missed:g} >= signals.missed_meetings_min "
                f"{signals.missed_meetings_min} and missed_meeting_rate {rate:.2f} >= "
                f"signals.missed_meeting_rate {signals.missed_meeting_rate:g}"
            )
    elif name == "repeated_complaints":  # SIG-3 the same problem repeatedly: any repeat
        repeats = value("repeated_complaints")
        if repeats:
            return f"repeated_complaints {repeats:g} >= 1"
    elif name == "competitive":  # SIG-4 any competitive signal
        mentions = value("competitive_mentions")
        if mentions:
            return f"competitive_mentions {mentions:g} >= 1"
    return None
