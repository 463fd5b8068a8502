"""SEG-1..4, TIME-4: renewal decisions on plain values, each with its reasons."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from renewals.account.domain import Segment
from renewals.policy import service as policy_service
from renewals.renewal.domain import (
    RenewalFacts,
    Stage,
    advance,
    closed_stage,
    expected_stage,
    motion_decision,
    opportunity_decision,
    segment_decision,
    target_arr,
    touch_decision,
)

POLICY = policy_service.load()
AS_OF = date(2026, 11, 24)


def facts(**changes: object) -> RenewalFacts:
    base = RenewalFacts(
        renewal_id="R-C1",
        account_id="acc-1",
        renewal_date=date(2027, 2, 22),  # 90 days out
        arr=Decimal(45_000),
        auto_renew=False,
        payment_on_file=False,
        strategic=False,
        customer_since=date(2023, 1, 1),
        segment_override=None,
        segment_override_reason=None,
        health_score=72.0,
        health_category="green",
        relationship_score=70.0,
        risk="none",
        signals=(),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


class TestSegment:
    @pytest.mark.parametrize(
        ("arr", "segment"),
        [
            (Decimal("9999.99"), "smb"),
            (Decimal(10_000), "mid_market"),  # SEG-1: 10K-100K
            (Decimal("99999.99"), "mid_market"),
            (Decimal(100_000), "enterprise"),  # SEG-1: >= 100K
        ],
    )
    def test_bands(self, arr: Decimal, segment: str) -> None:
        decision = segment_decision(facts(arr=arr), POLICY)
        assert decision.value == segment
        assert decision.rules == ("SEG-1",)
        assert f"{arr:,.0f}" in decision.reasons[0]

    def test_override_keeps_its_reason(self) -> None:
        # SEG-1: "a 95K account with big expansion potential gets enterprise treatment"
        decision = segment_decision(
            facts(
                arr=Decimal(95_000),
                segment_override=Segment.enterprise,
                segment_override_reason="big expansion potential",
            ),
            POLICY,
        )
        assert decision.value == "enterprise"
        assert "mid_market band" in decision.reasons[0]
        assert "override to enterprise: big expansion potential" in decision.reasons[1]


class TestOpportunity:
    def test_red_is_at_risk(self) -> None:
        d = opportunity_decision(
            facts(health_category="red", health_score=30), as_of=AS_OF, policy=POLICY
        )
        assert d.value == "at_risk" and "SEG-3" in d.rules

    def test_competitive_save_mode_is_at_risk_even_when_green(self) -> None:
        d = opportunity_decision(
            facts(risk="save", signals=("competitive",)), as_of=AS_OF, policy=POLICY
        )
        assert d.value == "at_risk"

    def test_healthy_account_with_signals_is_watched_not_at_risk(self) -> None:
        # SEG-2: a 100K account with health 95 must not be over-engineered.
        d = opportunity_decision(
            facts(
                arr=Decimal(100_000),
                health_score=95,
                risk="at_risk",
                signals=("budget", "usage_decline"),
            ),
            as_of=AS_OF,
            policy=POLICY,
        )
        assert d.value == "flat"
        assert any("watched, not treated as at risk" in r for r in d.reasons)

    def test_yellow_with_several_signals_is_watched_not_at_risk(self) -> None:
        # SEG-2, issue 16: yellow gets proactive value reinforcement, not the save
        # playbook; at-risk means act now (red, or SIG-4 save mode).
        d = opportunity_decision(
            facts(health_category="yellow", risk="at_risk", signals=("budget", "usage_decline")),
            as_of=AS_OF,
            policy=POLICY,
        )
        assert d.value != "at_risk"
        assert any("watched, not treated as at risk" in r for r in d.reasons)

    def test_yellow_with_a_competitive_signal_is_at_risk(self) -> None:
        d = opportunity_decision(
            facts(health_category="yellow", risk="save", signals=("competitive",)),
            as_of=AS_OF,
            policy=POLICY,
        )
        assert d.value == "at_risk"

    def test_expansion(self) -> None:
        d = opportunity_decision(
            facts(health_category="expansion", growth_reasons=("HEALTH-3: 95% of seats active",)),
            as_of=AS_OF,
            policy=POLICY,
        )
        assert d.value == "expansion" and "95% of seats" in d.reasons[0]

    @pytest.mark.parametrize(
        ("days", "score", "since", "expected"),
        [
            (120, 80, date(2025, 11, 24), "early"),  # every boundary met exactly
            (119, 80, date(2025, 11, 24), "flat"),  # too close to the date
            (120, 79.9, date(2025, 11, 24), "flat"),  # not healthy enough
            (120, 80, date(2025, 11, 25), "flat"),  # 11 months a customer (MY-1)
        ],
    )
    def test_early_renewal_boundaries(
        self, days: int, score: float, since: date, expected: str
    ) -> None:
        renewal_date = date.fromordinal(AS_OF.toordinal() + days)
        d = opportunity_decision(
            facts(renewal_date=renewal_date, health_score=score, customer_since=since),
            as_of=AS_OF,
            policy=POLICY,
        )
        assert d.value == expected, d.reasons

    def test_expansion_targets_more_arr(self) -> None:
        assert target_arr(Decimal(10_000), "expansion", POLICY) == Decimal("11000.00")
        assert target_arr(Decimal(10_000), "flat", POLICY) == Decimal(10_000)


class TestTouch:
    def auto_ready(self, **changes: object) -> RenewalFacts:
        values: dict[str, object] = {
            "arr": Decimal(5_000),
            "auto_renew": True,
            "payment_on_file": True,
            "relationship_score": 60,
        }
        return facts(**{**values, **changes})

    def test_smb_with_clause_payment_and_solid_relationship_auto_renews(self) -> None:
        d = touch_decision(
            self.auto_ready(), segment=Segment.smb, opportunity="flat", policy=POLICY
        )
        assert d.value == "auto" and d.rules == ("SEG-4",)

    @pytest.mark.parametrize(
        ("changes", "missing"),
        [
            ({"auto_renew": False}, "no auto-renew clause"),
            ({"payment_on_file": False}, "no payment on file"),
            ({"relationship_score": 59.9}, "relationship not solid"),
            ({"health_category": "yellow"}, "relationship not solid"),
        ],
    )
    def test_smb_without_a_condition_is_assisted(self, changes: dict, missing: str) -> None:
        d = touch_decision(
            self.auto_ready(**changes), segment=Segment.smb, opportunity="flat", policy=POLICY
        )
        assert d.value == "assisted"
        assert missing in d.reasons[0]

    def test_enterprise_is_negotiated(self) -> None:
        d = touch_decision(facts(), segment=Segment.enterprise, opportunity="flat", policy=POLICY)
        assert d.value == "negotiated"

    def test_complex_mid_market_is_negotiated_simple_one_assisted(self) -> None:
        complex_ = touch_decision(
            facts(), segment=Segment.mid_market, opportunity="at_risk", policy=POLICY
        )
        simple = touch_decision(
            facts(), segment=Segment.mid_market, opportunity="flat", policy=POLICY
        )
        assert (complex_.value, simple.value) == ("negotiated", "assisted")


class TestMotion:
    @pytest.mark.parametrize(
        ("category", "risk", "motion"),
        [
            ("green", "none", "efficient"),
            ("expansion", "watch", "efficient"),
            ("yellow", "none", "reinforce"),
            ("green", "at_risk", "reinforce"),
            ("red", "none", "intervention"),
            ("green", "save", "intervention"),
            (None, None, "reinforce"),
        ],
    )
    def test_health_drives_the_motion(
        self, category: str | None, risk: str | None, motion: str
    ) -> None:
        d = motion_decision(facts(health_category=category, risk=risk))
        assert d.value == motion and "SEG-2" in d.rules


class TestStages:
    @pytest.mark.parametrize(
        ("days", "stage"),
        [
            (91, "assessment"),
            (61, "assessment"),
            (60, "preparation"),
            (31, "preparation"),
            (30, "engagement"),
            (15, "engagement"),
            (14, "closing"),
            (1, "closing"),
            (0, "execution"),
            (-5, "execution"),
        ],
    )
    def test_expected_stage_by_days(self, days: int, stage: str) -> None:
        assert expected_stage(days, POLICY.stages) == Stage(stage)

    def test_date_moves_forward_only_up_to_the_cap(self) -> None:
        # TIME-4/TIME-5: closing needs a person; the date stops at engagement.
        assert advance(Stage.assessment, 45, POLICY.stages) == (
            Stage.preparation,
            "TIME-4: 45 days before renewal the renewal is in preparation",
        )
        moved = advance(Stage.preparation, 10, POLICY.stages)
        assert moved is not None and moved[0] == Stage.engagement
        assert "up to engagement" in moved[1]
        assert advance(Stage.engagement, 3, POLICY.stages) is None
        assert advance(Stage.closing, 40, POLICY.stages) is None  # never backwards
        assert advance(Stage.closed_won, 3, POLICY.stages) is None

    def test_one_day_reads_as_one_day_in_each_language(self) -> None:
        # TIME-4: "1 day", not "1 days"; the stored English reads back in German (issue 22)
        from renewals.kit import i18n

        moved = advance(Stage.assessment, 1, POLICY.stages)
        assert moved is not None
        assert (
            moved[1]
            == "TIME-4: 1 day before renewal the renewal is in closing (moved by date up to engagement)"
        )
        with i18n.using("de"):
            assert i18n.tr(str(moved[1])).startswith("TIME-4: 1 Tag vor der Verlängerung")
        moved = advance(Stage.assessment, 2, POLICY.stages)
        assert moved is not None and moved[1].startswith("TIME-4: 2 days before renewal")

    def test_outcomes_close(self) -> None:
        assert closed_stage("churned") == Stage.closed_lost
        assert {closed_stage(o) for o in ("renewed", "expanded", "downgraded")} == {
            Stage.closed_won
        }
