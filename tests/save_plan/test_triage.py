"""SAVE-2..7 on plain values: every row of DOMAIN section 7's tables and each boundary."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from renewals.policy import service as policy_service
from renewals.save_plan.triage import (
    Band,
    Effort,
    RootCause,
    TriageFacts,
    ValueTier,
    Window,
    effort,
    expected_value,
    priority,
    root_cause,
    time_window,
    triage,
    value_tier,
)

POLICY = policy_service.load()


def facts(**changes: object) -> TriageFacts:
    base = TriageFacts(
        renewal_id="R-C1",
        arr=Decimal(50_000),
        strategic=False,
        days_to_renewal=120,
        health_category="red",
        relationship_score=70.0,
        support_score=80.0,
        signals=(),
        inputs={},
    )
    return replace(base, **changes)  # type: ignore[arg-type]


class TestProbability:
    """SAVE-2: high 60-80%, medium 30-50%, low 10-25%, from the five conditions."""

    def test_high_fixable_problems_relationships_no_alternative_budget_willing(self) -> None:
        t = triage(facts(inputs={"budget": "confirmed"}), POLICY)
        assert t.probability_band == Band.high
        assert t.success_rate == pytest.approx(0.70)  # midpoint of 60-80%
        assert t.reasons["probability_band"][0].startswith("SAVE-2: high")

    def test_medium_complex_strained_evaluating_uncertain_mixed(self) -> None:
        t = triage(
            facts(
                relationship_score=50,
                signals=("competitive", "budget", "single_threading"),
            ),
            POLICY,
        )
        assert t.probability_band == Band.medium
        assert t.success_rate == pytest.approx(0.40)

    def test_low_committed_to_an_alternative_is_decisive(self) -> None:
        t = triage(facts(inputs={"alternative": "chosen", "budget": "confirmed"}), POLICY)
        assert t.probability_band == Band.low
        assert "committed to an alternative" in t.reasons["probability_band"][0]
        assert t.success_rate == pytest.approx(0.175)

    def test_confirmed_product_fit_is_decisive_but_a_suggestion_is_not(self) -> None:
        suggested = triage(facts(signals=("competitive",)), POLICY)
        assert suggested.root_cause == RootCause.product_fit and not suggested.root_cause_confirmed
        assert suggested.probability_band != Band.low
        confirmed = triage(facts(inputs={"root_cause": "product_fit"}), POLICY)
        assert confirmed.root_cause_confirmed and confirmed.probability_band == Band.low

    def test_two_unfavourable_factors_make_it_low(self) -> None:
        t = triage(facts(relationship_score=39.9, signals=("engagement_drop",)), POLICY)
        assert t.probability_band == Band.low

    @pytest.mark.parametrize(
        ("score", "reading"),
        [(60, "favourable"), (59.9, "mixed"), (40, "mixed"), (39.9, "unfavourable")],
    )
    def test_relationship_boundaries(self, score: float, reading: str) -> None:
        t = triage(facts(relationship_score=score), POLICY)
        assert f"relationship: {reading}" in " ".join(t.reasons["probability_band"])

    def test_emergency_lowers_the_band_one_step(self) -> None:
        # SAVE-6: under 30 days, band-aids: low probability unless the issues are small
        calm = triage(facts(inputs={"budget": "confirmed"}, days_to_renewal=30), POLICY)
        late = triage(facts(inputs={"budget": "confirmed"}, days_to_renewal=29), POLICY)
        assert (calm.probability_band, late.probability_band) == (Band.high, Band.medium)
        assert any(r.startswith("SAVE-6") for r in late.reasons["probability_band"])


class TestValueTier:
    @pytest.mark.parametrize(
        ("arr", "strategic", "tier"),
        [
            (100_000, False, ValueTier.high),  # SAVE-3: 100K deserves more than 5K
            (99_999, False, ValueTier.medium),
            (10_000, False, ValueTier.medium),
            (9_999, False, ValueTier.low),
            (5_000, True, ValueTier.high),  # strategic: logo, reference
        ],
    )
    def test_tiers(self, arr: int, strategic: bool, tier: ValueTier) -> None:
        assert value_tier(facts(arr=Decimal(arr), strategic=strategic), POLICY)[0] == tier


class TestRootCause:
    @pytest.mark.parametrize(
        ("signals", "support", "cause"),
        [
            (("competitive", "budget"), 80, RootCause.product_fit),
            (("budget",), 80, RootCause.circumstantial),
            (("business_change",), 80, RootCause.circumstantial),
            (("negative_feedback",), 80, RootCause.service_experience),
            ((), 49.9, RootCause.service_experience),
            (("usage_decline",), 80, RootCause.value_perception),
        ],
    )
    def test_suggestions(self, signals: tuple[str, ...], support: float, cause: RootCause) -> None:
        found, reasons, confirmed = root_cause(
            facts(signals=signals, support_score=support), POLICY
        )
        assert found == cause and not confirmed and reasons[0].startswith("SAVE-4")


class TestWindow:
    @pytest.mark.parametrize(
        ("days", "window"),
        [
            (90, Window.comprehensive),
            (89, Window.compressed),
            (30, Window.compressed),
            (29, Window.emergency),
            (0, Window.emergency),
        ],
    )
    def test_boundaries(self, days: int, window: Window) -> None:
        assert time_window(days, POLICY)[0] == window


class TestEffort:
    """SAVE-5's allocation table, every cell."""

    @pytest.mark.parametrize(
        ("value", "band", "expected"),
        [
            (ValueTier.high, Band.high, Effort.full),
            (ValueTier.high, Band.medium, Effort.full),
            (ValueTier.high, Band.low, Effort.light),
            (ValueTier.medium, Band.high, Effort.standard),
            (ValueTier.medium, Band.medium, Effort.standard),
            (ValueTier.medium, Band.low, Effort.light),
            (ValueTier.low, Band.high, Effort.light),
            (ValueTier.low, Band.medium, Effort.light),
            (ValueTier.low, Band.low, Effort.none),
        ],
    )
    def test_table(self, value: ValueTier, band: Band, expected: Effort) -> None:
        assert effort(value, band)[0] == expected

    def test_expected_value_is_hours_times_probability(self) -> None:
        # SAVE-7: "40 hours at 10% = 4 hours of expected value"
        assert expected_value(Effort.full, 0.10, POLICY)[0] == pytest.approx(4.0)
        assert expected_value(Effort.none, 0.70, POLICY)[0] == 0.0


class TestOverrides:
    def test_an_override_wins_and_effort_follows_it(self) -> None:
        base = triage(facts(arr=Decimal(5_000), inputs={"budget": "confirmed"}), POLICY)
        assert (base.value_tier, base.effort) == (ValueTier.low, Effort.light)
        t = triage(
            facts(arr=Decimal(5_000), inputs={"budget": "confirmed"}),
            POLICY,
            {"value_tier": {"value": "high", "reason": "reference logo", "by": "mia@x"}},
        )
        assert (t.value_tier, t.effort) == (ValueTier.high, Effort.full)
        assert "override by mia@x: high (reference logo)" in t.reasons["value_tier"][-1]
        assert t.expected_value_hours == pytest.approx(40 * 0.70)


class TestDeskOrder:
    """Issue 16: the save desk works urgency x value, and emergencies escalate big ones."""

    def test_a_large_renewal_due_in_days_comes_before_a_small_distant_one(self) -> None:
        urgent = priority("emergency", 243_000.0, 0.175, POLICY)
        distant = priority("comprehensive", 20_000.0, 0.7, POLICY)
        assert urgent > distant

    def test_same_window_and_band_larger_arr_first(self) -> None:
        p = POLICY
        assert priority("compressed", 90_000.0, 0.4, p) > priority("compressed", 30_000.0, 0.4, p)

    def test_the_urgency_comes_from_the_policy(self) -> None:
        """SAVE-6 save.window_urgency: with equal urgency, value alone decides."""
        flat = POLICY.model_copy(
            update={
                "save": POLICY.save.model_copy(
                    update={
                        "window_urgency": {
                            "emergency": 1.0,
                            "compressed": 1.0,
                            "comprehensive": 1.0,
                        }
                    }
                )
            }
        )
        assert priority("emergency", 20_000.0, 0.5, flat) < priority(
            "comprehensive", 30_000.0, 0.5, flat
        )
        assert priority("emergency", 20_000.0, 0.5, POLICY) > priority(
            "comprehensive", 30_000.0, 0.5, POLICY
        )

    def test_an_emergency_escalates_a_high_value_low_probability_save(self) -> None:
        light, _ = effort(ValueTier.high, Band.low)
        assert light == Effort.light
        escalated, why = effort(ValueTier.high, Band.low, Window.emergency)
        assert escalated == Effort.standard and "SAVE-6" in why[0]
        assert effort(ValueTier.low, Band.low, Window.emergency)[0] == Effort.none
