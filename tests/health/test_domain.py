"""The health scorecard on plain values (HEALTH-1..5)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from renewals.account.domain import Segment
from renewals.health.domain import (
    Category,
    Trend,
    bottom_cutoff,
    categorize,
    health_score_value,
    interpolate,
    score_health,
    trend_of,
)
from renewals.policy import service as policy_service

POLICY = policy_service.load()
HEALTH = POLICY.health
SIGNALS = POLICY.signals

HEALTHY = {
    "usage_change_30d": 0.1,
    "usage_trend_90d": 0.01,
    "days_since_last_activity": 1,
    "seat_utilisation": 0.8,
    "key_feature_adoption": 1.0,
    "features_30d": 7,
    "active_user_change_30d": 0.05,
    "repeated_complaints": 0,
    "ticket_satisfaction": 4.5,
    "ticket_volume_ratio": 1.0,
    "urgent_tickets": 0,
    "missed_meeting_rate": 0.0,
    "engaged_contacts": 3,
    "champion_reply_hours": 3,
    "champion_response_ratio": 1.0,
    "key_departures": 0,
    "goals_achieved_rate": 1.0,
    "nps": 9,
    "nps_change": 0.5,
    "csat": 4.6,
    "competitive_mentions": 0,
    "tenure_days": 900,
    "usage_level_pct": 0.9,
    "breadth_pct": 0.9,
    "active_users_pct": 0.85,
    "usage_depth_pct": 0.8,
}


def test_interpolate_is_linear_between_points_and_clamped_outside() -> None:
    points = [(0.0, 0.0), (0.5, 50.0), (1.0, 100.0)]
    assert interpolate(0.25, points) == pytest.approx(25.0)
    assert interpolate(-3, points) == 0.0
    assert interpolate(7, points) == 100.0


def test_a_healthy_account_scores_high_with_every_component() -> None:
    result = score_health(HEALTHY, HEALTH, segment=Segment.mid_market)
    assert result.score is not None and result.score > 85
    assert result.missing == ()
    assert sum(c.share for c in result.components) == pytest.approx(1.0)


def test_declining_usage_and_a_departed_champion_pull_the_score_down_with_drivers() -> None:
    worse = {**HEALTHY, "usage_change_30d": -0.55, "usage_trend_90d": -0.05, "key_departures": 1}
    result = score_health(worse, HEALTH, segment=Segment.mid_market)
    healthy = score_health(HEALTHY, HEALTH, segment=Segment.mid_market)
    assert result.score < healthy.score  # type: ignore[operator]
    # HEALTH-5: drivers come biggest first; the biggest pull down is the falling trend
    assert [abs(d.impact) for d in result.drivers] == sorted(
        (abs(d.impact) for d in result.drivers), reverse=True
    )
    driver = min(result.drivers, key=lambda d: d.impact)
    assert (driver.feature, driver.rule) == ("usage_trend_90d", "HEALTH-1")
    assert driver.impact < 0 and "-5%" in driver.text
    usage = {m.feature: m for m in result.component("usage").measures}
    assert usage["usage_change_30d"].value == -0.55 and usage["usage_change_30d"].score < 20
    assert result.component("relationship").score < healthy.component("relationship").score  # type: ignore[operator]


def test_missing_components_are_reweighted_not_scored_zero() -> None:
    """HEALTH-1: no survey data must not read as a terrible NPS."""
    without_surveys = {k: v for k, v in HEALTHY.items() if k not in ("nps", "nps_change", "csat")}
    result = score_health(without_surveys, HEALTH, segment=Segment.mid_market)
    assert "sentiment" in result.missing
    assert result.component("sentiment").score is None
    assert result.component("sentiment").share == 0
    assert result.score > 85  # type: ignore[operator]
    assert any("re-weighted without sentiment" in r for r in result.reasons)


def test_too_little_data_gives_no_score_and_says_why() -> None:
    result = score_health({"nps": 9}, HEALTH, segment=Segment.smb)
    assert result.score is None
    assert "at least 2 needed" in result.reasons[0]


def test_segment_weights_override_the_defaults() -> None:
    """HEALTH-1: SMB weighs relationship less and usage more (policy segment_weights)."""
    poor_relationship = {**HEALTHY, "missed_meeting_rate": 0.6, "engaged_contacts": 0}
    smb = score_health(poor_relationship, HEALTH, segment=Segment.smb)
    mid = score_health(poor_relationship, HEALTH, segment=Segment.mid_market)
    assert smb.component("relationship").weight == 5
    assert smb.score > mid.score  # type: ignore[operator]


def test_a_policy_s_measures_and_weights_are_worked_out_once_and_per_policy() -> None:
    """Issue 20: a book scores thousands of accounts under one policy; its components'
    measures and its weights per segment are worked out once for it, and another policy
    (new weights) is scored by its own."""
    from renewals.health import domain

    assert domain._by_component(HEALTH) is domain._by_component(HEALTH)
    assert domain._weights(HEALTH, Segment.smb) is domain._weights(HEALTH, Segment.smb)
    assert domain._weights(HEALTH, Segment.smb) == HEALTH.weights_for(Segment.smb)
    product_only = HEALTH.model_copy(
        update={
            "weights": HEALTH.weights.model_copy(
                update={
                    c: (1.0 if c in ("usage", "adoption") else 0.0)
                    for c in HEALTH.weights_for(None)
                }
            ),
            "segment_weights": {},
        }
    )
    assert domain._weights(product_only, Segment.smb)["relationship"] == 0.0
    poor_relationship = {**HEALTHY, "missed_meeting_rate": 0.6, "engaged_contacts": 0}
    mixed = score_health(poor_relationship, HEALTH, segment=Segment.smb)
    product = score_health(poor_relationship, product_only, segment=Segment.smb)
    assert product.component("relationship").share == 0.0 < mixed.component("relationship").share
    assert product.component("usage").share == product.component("adoption").share == 0.5
    assert product.score != mixed.score
    assert score_health(poor_relationship, HEALTH, segment=Segment.smb) == mixed


@pytest.mark.parametrize(
    ("score", "cutoff", "category", "warning"),
    [
        (45, 30, Category.red, True),  # HEALTH-3: red below 50, HEALTH-2 warning
        (60, 30, Category.yellow, False),
        (75, 30, Category.green, False),
        (75, 76, Category.yellow, True),  # HEALTH-2: bottom quartile keeps it out of green
        (55, 60, Category.yellow, True),
    ],
)
def test_categories(score: float, cutoff: float, category: Category, warning: bool) -> None:
    decision = categorize(score, HEALTH, bottom_cutoff=cutoff, features={}, signals=SIGNALS)
    assert (decision.category, decision.warning) == (category, warning)
    assert all(r.startswith(("HEALTH-2", "HEALTH-3")) for r in decision.reasons)


def test_expansion_needs_growth_and_an_engaged_budget_authority() -> None:
    """HEALTH-3: all green plus growth signals plus a strong relationship with budget authority."""
    growing = {"seat_utilisation": 0.95, "budget_authority_engaged": 1}
    assert (
        categorize(85, HEALTH, bottom_cutoff=40, features=growing, signals=SIGNALS).category
        == Category.expansion
    )
    no_buyer = {"seat_utilisation": 0.95, "budget_authority_engaged": 0}
    assert (
        categorize(85, HEALTH, bottom_cutoff=40, features=no_buyer, signals=SIGNALS).category
        == Category.green
    )
    assert (
        categorize(85, HEALTH, bottom_cutoff=40, features={}, signals=SIGNALS).category
        == Category.green
    )


def test_bottom_cutoff_is_the_top_of_the_lowest_quarter() -> None:
    assert bottom_cutoff([10, 20, 30, 40, 50, 60, 70, 80], 0.25) == 20
    assert bottom_cutoff([], 0.25) is None


def test_trend_against_the_previous_snapshot() -> None:
    """HEALTH-5: up/down needs trend_points (5) of change."""
    assert trend_of(60, 50, HEALTH) == Trend.up
    assert trend_of(50, 60, HEALTH) == Trend.down
    assert trend_of(52, 50, HEALTH) == Trend.same
    assert trend_of(52, None, HEALTH) == Trend.new


class TestGuards:
    """HEALTH-3 by definition (issue 16): a high score does not make an account green."""

    def test_the_issue_account_is_red_with_every_reason(self) -> None:
        # 4% of seats active, a detractor NPS and most meetings missed, yet a score of 74.
        features = {
            "seat_utilisation": 0.04,
            "nps": 4.0,
            "missed_meetings": 3,
            "missed_meeting_rate": 0.6,
        }
        decision = categorize(74, HEALTH, bottom_cutoff=40, features=features, signals=SIGNALS)
        assert decision.category == Category.red
        text = " ".join(decision.reasons)
        assert "few seats in use" in text and "detractor NPS" in text
        assert "meetings repeatedly missed" in text and "definitions of trouble" in text

    def test_one_guard_caps_green_at_yellow(self) -> None:
        decision = categorize(
            90, HEALTH, bottom_cutoff=40, features={"competitive_mentions": 1}, signals=SIGNALS
        )
        assert decision.category == Category.yellow
        assert any(r.startswith("HEALTH-3: at most yellow: competitive") for r in decision.reasons)

    def test_a_guard_never_raises_a_category(self) -> None:
        decision = categorize(30, HEALTH, bottom_cutoff=40, features={"nps": 3.0}, signals=SIGNALS)
        assert decision.category == Category.red

    def test_a_guard_and_its_signal_judge_one_fact_by_one_threshold(self) -> None:
        """HEALTH-3 and SIG-7/SIG-3/SIG-2 (issue 16): the guard fires exactly where the signal
        detector does, on the signals key's threshold, on both sides of it."""
        from datetime import date

        from renewals.signal.domain import HealthFacts, numeric_signals

        cases = [
            ("seats_unused", "seat_utilisation", SIGNALS.low_seat_utilisation, -0.01, "seats"),
            ("detractor_nps", "nps", float(SIGNALS.low_nps), 0.0, "nps"),
            ("detractor_nps", "nps", float(SIGNALS.low_nps), 0.5, "nps"),
            ("usage_drop", "usage_change_30d", -SIGNALS.usage_drop_pct / 100, 0.0, "events"),
            ("usage_drop", "usage_change_30d", -SIGNALS.usage_drop_pct / 100, 0.01, "events"),
        ]
        for fact, feature, threshold, delta, key in cases:
            features: dict[str, float | None] = {feature: threshold + delta}
            guard = categorize(90, HEALTH, bottom_cutoff=40, features=features, signals=SIGNALS)
            fired = any(fact in r or feature in r for r in guard.reasons if "HEALTH-3" in r)
            detected = numeric_signals(
                features,
                HealthFacts(None, None, False, None, None),
                as_of=date(2026, 11, 24),
                signals=SIGNALS,
                health_policy=HEALTH,
            )
            signalled = any(d.source_id == key for d in detected)
            assert fired == signalled, (fact, threshold + delta, fired, signalled)

    def test_healthy_facts_leave_the_score_in_charge(self) -> None:
        features = {"seat_utilisation": 0.8, "nps": 9.0, "missed_meeting_rate": 0.1}
        assert categorize(
            85, HEALTH, bottom_cutoff=40, features=features, signals=SIGNALS
        ).category in (
            Category.green,
            Category.expansion,
        )


# Every feature a measure reads, and the history that decides FUND-6's "too new to trend".
MEASURED = sorted({m.feature for m in HEALTH.measures} | {"history_days"})
VALUES = st.one_of(
    st.none(),
    st.floats(min_value=-2, max_value=1_000, allow_nan=False),
    st.sampled_from([math.nan, math.inf, -math.inf, 0.0, 30.0, 59.0, 91.0, 365.0]),
)


@settings(max_examples=300, deadline=None)
@given(
    features=st.dictionaries(st.sampled_from(MEASURED), VALUES),
    segment=st.sampled_from([None, *Segment]),
)
def test_the_score_alone_is_the_explained_scores_number(
    features: dict[str, float | None], segment: Segment | None
) -> None:
    """health_score_value (a whole book ranked for HEALTH-2) gives exactly score_health's
    score: the same rounding, re-weighting, too-little-data and too-new-to-trend rules."""
    assert health_score_value(features, HEALTH, segment=segment) == (
        score_health(features, HEALTH, segment=segment).score
    )


def test_the_score_alone_on_the_examples_above() -> None:
    for features in (HEALTHY, {**HEALTHY, "usage_change_30d": -0.7, "key_departures": 2}, {}):
        for segment in (None, *Segment):
            full = score_health(features, HEALTH, segment=segment).score
            assert health_score_value(features, HEALTH, segment=segment) == full
    assert health_score_value(HEALTHY, HEALTH, segment=None) is not None
    assert health_score_value({}, HEALTH, segment=None) is None
