"""Numeric signals (SIG-1..9) and their combination (SIG-0)."""

from __future__ import annotations

from datetime import date

from renewals.policy import service as policy_service
from renewals.signal.domain import HealthFacts, Risk, SignalKind, combined_risk, numeric_signals

POLICY = policy_service.load()
DAY = date(2026, 11, 24)
QUIET = HealthFacts(
    score=75, category="green", warning=False, previous_score=74, previous_as_of=date(2026, 11, 23)
)


def kinds_of(features: dict[str, float | None], health: HealthFacts = QUIET) -> dict[str, str]:
    found = numeric_signals(
        features, health, as_of=DAY, signals=POLICY.signals, health_policy=POLICY.health
    )
    return {f"{d.kind}:{d.source_id}": d.evidence for d in found}


def test_a_healthy_account_has_no_signals() -> None:
    assert (
        kinds_of(
            {"usage_change_30d": 0.05, "engaged_contacts": 3, "nps": 9, "seat_utilisation": 0.8}
        )
        == {}
    )


def test_usage_down_forty_percent_is_a_decline() -> None:
    """SIG-7, FUND-6: usage_drop_pct = 40."""
    found = kinds_of({"usage_change_30d": -0.42})
    assert found == {"usage_decline:events": "usage -42% on the previous 30 days (decline at -40%)"}
    assert kinds_of({"usage_change_30d": -0.38}) == {}


def test_health_warning_and_sharp_fall() -> None:
    """SIG-1: below 50 or bottom quartile, and a fall of health_drop_points."""
    red = HealthFacts(45, "red", True, 62, date(2026, 11, 17), ("HEALTH-2: score 45 is below 50",))
    found = kinds_of({}, red)
    assert set(found) == {"health_drop:warning", "health_drop:fall"}
    assert "from 62 on 2026-11-17 to 45" in found["health_drop:fall"]


def test_engagement_feedback_departures_and_single_threading() -> None:
    found = kinds_of(
        {
            "missed_meetings": 3,
            "missed_meeting_rate": 0.5,  # SIG-2
            "champion_response_ratio": 4.0,  # SIG-2: 3x slower
            "nps": 4,  # SIG-3
            "repeated_complaints": 1,  # SIG-3
            "key_departures": 1,  # SIG-6
            "engaged_contacts": 1,  # SIG-9
            "seat_utilisation": 0.1,  # SIG-7
        }
    )
    assert set(found) == {
        "engagement_drop:missed_meetings",
        "engagement_drop:champion_reply",
        "negative_feedback:nps",
        "negative_feedback:repeated_complaints",
        "stakeholder_change:departures",
        "single_threading:engaged_contacts",
        "usage_decline:seats",
    }


def test_one_signal_is_noise_several_are_risk_competitive_is_save_mode() -> None:
    """SIG-0 and SIG-4."""
    signals = POLICY.signals
    assert combined_risk([], category="green", signals=signals).risk == Risk.none
    assert combined_risk(["budget"], category="green", signals=signals).risk == Risk.watch
    both = combined_risk(["budget", "usage_decline", "budget"], category="green", signals=signals)
    assert both.risk == Risk.at_risk and both.kinds == ("budget", "usage_decline")
    assert combined_risk([], category="red", signals=signals).risk == Risk.at_risk  # HEALTH-4
    save = combined_risk([SignalKind.competitive.value], category="green", signals=signals)
    assert save.risk == Risk.save and "SIG-4" in save.reasons[0]
