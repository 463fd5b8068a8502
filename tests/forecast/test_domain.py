"""Forecast rules on plain values (no database): categories at their thresholds, expected
ARR, period keys, and GRR / NRR / renewal rates / FUND-2 break-even of a hand-built
six-account cohort, checked exactly against the arithmetic written next to them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from renewals.forecast import domain
from renewals.forecast.domain import ClosedContract, OpenRenewal, Quarter
from renewals.kit import calendar as kit_calendar
from renewals.policy import service as policy_service

POLICY = policy_service.load()
CATEGORIES = POLICY.forecast.categories  # commit 0.90, probable 0.70, at_risk 0.30


def k(amount: int) -> Decimal:
    return Decimal(amount * 1000)


# The six accounts renewing in one quarter (thousands):
#   acme     100 renewed flat      -> 100
#   globex    50 expanded          ->  60
#   initech   40 downgraded        ->  30
#   hooli     20 churned           ->   0
#   umbrella  10 renewed           ->  10
#   wayne     30 expanded          ->  45
SIX = [
    ClosedContract(k(100), "renewed", k(100)),
    ClosedContract(k(50), "expanded", k(60)),
    ClosedContract(k(40), "downgraded", k(30)),
    ClosedContract(k(20), "churned", Decimal(0)),
    ClosedContract(k(10), "renewed", k(10)),
    ClosedContract(k(30), "expanded", k(45)),
]


class TestRetentionOfTheSixAccounts:
    def test_starting_arr_is_the_cohorts_arr(self) -> None:
        r = domain.retention(SIX)
        # 100 + 50 + 40 + 20 + 10 + 30 = 250
        assert r.starting_arr == k(250)
        assert (r.contracts, r.retained, r.churned) == (6, 5, 1)

    def test_grr_leaves_expansion_out(self) -> None:
        r = domain.retention(SIX)
        # min(outcome, arr) of the retained: 100 + min(60, 50) + min(30, 40) + 0 (churned)
        #   + 10 + min(45, 30) = 100 + 50 + 30 + 0 + 10 + 30 = 220; 220 / 250 = 0.88
        assert r.retained_arr == k(220)
        assert r.grr == 0.88
        assert r.churned_arr == k(20)  # hooli
        assert r.contraction_arr == k(10)  # initech 40 -> 30

    def test_nrr_counts_expansion(self) -> None:
        r = domain.retention(SIX)
        # outcome ARR, churned 0: 100 + 60 + 30 + 0 + 10 + 45 = 245; 245 / 250 = 0.98
        assert r.ending_arr == k(245)
        assert r.nrr == 0.98
        assert r.expansion_arr == k(25)  # globex +10, wayne +15

    def test_renewal_rates_by_count_and_by_arr(self) -> None:
        r = domain.retention(SIX)
        # by count: 5 retained of 6 closed
        assert r.renewal_rate_count == 5 / 6
        # by ARR: the original ARR of the customers who stayed:
        # 100 + 50 + 40 + 10 + 30 = 230; 230 / 250 = 0.92 (GRR is 0.88: the downgrade's 10)
        assert r.renewal_rate_arr == 0.92

    def test_fund_2_break_even(self) -> None:
        b = domain.break_even(domain.retention(SIX))
        # with expansion: 1 - NRR = 1 - 245/250 = 5/250 = 0.02 of starting ARR = 5,000
        assert b.needed_share == 0.02
        assert b.needed_arr == k(5)
        assert b.surplus_arr == 0
        # before expansion: replace churn (20) and contraction (10): 1 - GRR = 30/250 =
        # 0.12 = 30,000; the renewal rate by ARR (0.92) misses the downgrade's 10
        assert b.renewal_rate_arr == 0.92
        assert b.needed_share_at_renewal_rate == 0.12
        assert b.needed_arr_at_renewal_rate == k(30)
        assert all(reason.startswith("FUND-2") for reason in b.reasons)

    def test_against_the_target(self) -> None:
        r = domain.retention(SIX)
        a = domain.against_target(r.nrr, target=0.90, healthy=0.90)
        # 0.98 - 0.90 = 0.08
        assert a.met is True and a.gap == 0.08
        assert "FUND-2" in a.reason and "meets" in a.reason
        missed = domain.against_target(0.85, target=0.90, healthy=0.90)
        assert missed.met is False and missed.gap == -0.05
        assert "misses" in missed.reason and "below the healthy line" in missed.reason

    def test_every_figure_has_reasons_with_rule_ids(self) -> None:
        r = domain.retention(SIX)
        assert r.reasons and all(reason.startswith("FUND-2") for reason in r.reasons)
        assert any("GRR 88.0%" in reason for reason in r.reasons)
        assert any("NRR 98.0%" in reason for reason in r.reasons)


class TestRetentionEdges:
    def test_fund_2_examples_95_and_80_percent(self) -> None:
        # 95 renewed + 5 churned: r = 0.95 -> 5% new business; 80 + 20: r = 0.80 -> 20%
        for kept, needed in ((95, 0.05), (80, 0.20)):
            cohort = [
                ClosedContract(k(kept), "renewed", k(kept)),
                ClosedContract(k(100 - kept), "churned", Decimal(0)),
            ]
            b = domain.break_even(domain.retention(cohort))
            assert b.needed_share_at_renewal_rate == needed
            assert b.needed_share == needed  # no expansion: 1 - NRR = 1 - r

    def test_nrr_above_100_needs_no_new_business(self) -> None:
        # 100 -> 120: NRR 1.2, GRR 1.0; the base grows 20 on its own
        b = domain.break_even(domain.retention([ClosedContract(k(100), "expanded", k(120))]))
        assert b.needed_share == 0 and b.needed_arr == 0 and b.surplus_arr == k(20)
        assert b.needed_share_at_renewal_rate == 0

    def test_undecided_and_unknown_outcomes_stay_out_of_the_rates(self) -> None:
        r = domain.retention(
            [
                ClosedContract(k(100), "renewed", k(100)),
                ClosedContract(k(50), None),
                ClosedContract(k(25), "paused", k(25)),
            ]
        )
        assert (r.contracts, r.starting_arr, r.grr) == (1, k(100), 1.0)
        assert (r.undecided, r.undecided_arr) == (1, k(50))
        assert any("unknown outcome" in reason for reason in r.reasons)

    def test_a_retained_contract_without_outcome_arr_counts_flat(self) -> None:
        r = domain.retention([ClosedContract(k(10), "renewed", None)])
        assert r.nrr == 1.0 and r.grr == 1.0

    def test_an_empty_cohort_has_no_rates(self) -> None:
        r = domain.retention([])
        assert (r.grr, r.nrr, r.renewal_rate_count, r.renewal_rate_arr) == (None,) * 4
        assert domain.break_even(r).needed_share is None
        assert domain.against_target(None, target=0.9, healthy=0.9).met is None


class TestCategory:
    @pytest.mark.parametrize(
        ("likelihood", "expected"),
        [
            (1.0, "commit"),
            (0.90, "commit"),  # inclusive at forecast.categories.commit
            (0.8999, "probable"),
            (0.70, "probable"),  # inclusive at probable
            (0.6999, "at_risk"),
            (0.30, "at_risk"),  # inclusive at at_risk
            (0.2999, "lost"),
            (0.0, "lost"),
        ],
    )
    def test_it_uses_the_thresholds_inclusively(self, likelihood: float, expected: str) -> None:
        assert domain.category(likelihood, CATEGORIES) == expected

    def test_the_reason_names_the_threshold(self) -> None:
        found = domain.categorise(0.9, CATEGORIES)
        assert found.category == "commit"
        assert found.reason.startswith("TECH-5") and "forecast.categories.commit" in found.reason

    def test_won_and_lost_calls(self) -> None:
        assert domain.call_was_right("commit", "downgraded")
        assert domain.call_was_right("lost", "churned")
        assert not domain.call_was_right("probable", "churned")
        assert not domain.call_was_right("at_risk", "expanded")


class TestExpectedArr:
    def test_it_is_likelihood_times_target(self) -> None:
        e = domain.expected_arr(0.8, Decimal(120_000), Decimal(100_000))
        # 0.8 x 120,000 = 96,000
        assert (e.amount, e.basis) == (Decimal("96000.00"), "target")
        assert e.reason.startswith("TECH-1")

    def test_without_a_target_it_uses_the_current_arr(self) -> None:
        for target in (None, Decimal(0)):
            e = domain.expected_arr(0.5, target, Decimal(10_000))
            assert (e.amount, e.basis) == (Decimal("5000.00"), "current")

    def test_it_rounds_to_the_cent(self) -> None:
        # 0.3333 x 100.00 = 33.33
        assert domain.expected_arr(0.3333, Decimal(100), Decimal(100)).amount == Decimal("33.33")


class TestOverride:
    def test_a_given_likelihood_must_lie_in_the_category(self) -> None:
        domain.validate_override("commit", 0.95, CATEGORIES)
        domain.validate_override("lost", None, CATEGORIES)
        with pytest.raises(ValueError, match="50% is at_risk, not probable"):
            domain.validate_override("probable", 0.5, CATEGORIES)
        with pytest.raises(ValueError, match="category must be one of"):
            domain.validate_override("maybe", None, CATEGORIES)

    def test_without_a_likelihood_the_model_is_kept_inside_the_category(self) -> None:
        o = domain.override_likelihood(
            "probable", None, model_likelihood=0.78, categories=CATEGORIES
        )
        assert (o.category, o.likelihood) == ("probable", 0.78)

    def test_otherwise_the_category_threshold_counts_and_lost_is_zero(self) -> None:
        def called(name: str) -> float:
            return domain.override_likelihood(
                name, None, model_likelihood=0.5, categories=CATEGORIES
            ).likelihood

        assert called("commit") == 0.90
        assert called("probable") == 0.70
        assert called("at_risk") == 0.5  # already at risk: the model's 50% is kept
        assert called("lost") == 0.0


class TestPeriods:
    def test_month_and_quarter_keys(self) -> None:
        assert domain.month_key(date(2027, 1, 15)) == "2027-01"
        assert kit_calendar.quarter_key(date(2027, 1, 1)) == "2027-Q1"
        assert kit_calendar.quarter_key(date(2027, 3, 31)) == "2027-Q1"
        assert kit_calendar.quarter_key(date(2027, 4, 1)) == "2027-Q2"
        assert kit_calendar.quarter_key(date(2026, 12, 31)) == "2026-Q4"

    def test_quarters(self) -> None:
        q4 = kit_calendar.quarter_of(date(2026, 11, 24))
        assert q4 == Quarter(date(2026, 10, 1), date(2026, 12, 31))
        assert q4.next() == Quarter(date(2027, 1, 1), date(2027, 3, 31))
        assert date(2026, 12, 31) in q4 and date(2027, 1, 1) not in q4
        assert [q.key for q in domain.complete_quarters(date(2026, 11, 24), 3)] == [
            "2026-Q1",
            "2026-Q2",
            "2026-Q3",
        ]


class TestExpectedRetention:
    def test_closed_at_their_outcome_and_open_at_their_likelihood(self) -> None:
        # the six (start 250, retained 220, ending 245) plus one open renewal of 100
        # with a 110 target at 50%: start 350; retained 220 + 0.5 x min(110, 100) = 270;
        # ending 245 + 0.5 x 110 = 300; with the owner's 90%: 245 + 0.9 x 110 = 344
        e = domain.expected_retention(SIX, [OpenRenewal(k(100), k(110), 0.5, 0.9)])
        assert (e.closed, e.open, e.starting_arr) == (6, 1, k(350))
        assert e.expected_retained_arr == k(270) and e.grr == 270 / 350
        assert e.expected_ending_arr == k(300) and e.nrr == 300 / 350
        assert e.expected_ending_arr_with_overrides == k(344)
        assert e.nrr_with_overrides == 344 / 350
