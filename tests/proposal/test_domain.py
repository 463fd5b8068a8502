"""Proposal rules without a database: MY-1 eligibility and MY-2 incentives on boundary
cases, BUN-1 bundling, BUN-2 expansion sizing and prices, ROI-1 math."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from renewals.policy import service as policy_service
from renewals.proposal import domain
from renewals.proposal.domain import PricingInputs, ProposalError

POLICY = policy_service.load()
AS_OF = date(2026, 11, 24)

HEALTHY = PricingInputs(
    arr=Decimal("6000"),
    currency="USD",
    term_months=12,
    seats=6,
    active_users=6,
    seat_utilisation=1.0,
    usage_trend_90d=0.0,
    active_user_change_30d=0.0,
    relationship_score=75.0,
    budget_authority_engaged=True,
    health_category="expansion",
    health_score=90.0,
    risk="none",
    opportunity_type="expansion",
    signals=(),
    customer_since=date(2024, 11, 24),
    industry="Logistics",
)


# MY-1 on its boundaries (defaults: 12 months, relationship 60, +30% users = fast growth).
@pytest.mark.parametrize(
    ("change", "eligible", "code"),
    [
        ({}, True, "candidate"),
        ({"customer_since": date(2025, 11, 24)}, True, "candidate"),  # exactly 12 months
        ({"customer_since": date(2025, 11, 25)}, False, "new_customer"),  # 11 months
        ({"customer_since": None}, False, "new_customer"),
        ({"relationship_score": 60.0}, True, "candidate"),
        ({"relationship_score": 59.9}, False, "relationship"),
        ({"relationship_score": None}, False, "relationship"),
        ({"health_category": "green"}, True, "candidate"),
        ({"health_category": "yellow"}, False, "health"),
        ({"health_category": "red"}, False, "at_risk"),
        ({"risk": "watch"}, True, "candidate"),
        ({"risk": "at_risk"}, False, "at_risk"),
        ({"risk": "save"}, False, "at_risk"),
        ({"opportunity_type": "at_risk"}, False, "at_risk"),
        ({"active_user_change_30d": 0.29}, True, "candidate"),
        ({"active_user_change_30d": 0.30}, False, "fast_growth"),
        ({"signals": ("budget",)}, False, "budget"),
    ],
)
def test_multi_year_eligibility_follows_my1(change: dict, eligible: bool, code: str) -> None:
    decision = domain.multi_year_eligibility(replace(HEALTHY, **change), as_of=AS_OF, policy=POLICY)
    assert decision.value is eligible
    assert decision.code == code
    assert decision.rules == ("MY-1",)
    assert decision.reasons and all(r.startswith("MY-1: ") for r in decision.reasons)


def test_a_high_change_industry_is_not_a_candidate() -> None:
    policy = POLICY.model_copy(
        update={
            "multi_year": POLICY.multi_year.model_copy(
                update={"high_change_industries": ["Crypto"]}
            )
        }
    )
    decision = domain.multi_year_eligibility(
        replace(HEALTHY, industry="crypto"), as_of=AS_OF, policy=policy
    )
    assert (decision.value, decision.code) == (False, "industry")


@pytest.mark.parametrize(
    ("years", "band", "offered"),
    [(1, None, 0.0), (2, (10.0, 20.0), 10.0), (3, (15.0, 25.0), 15.0)],
)
def test_multi_year_incentives_follow_my2(years: int, band: tuple | None, offered: float) -> None:
    incentive = domain.multi_year_incentive(years, POLICY)
    assert incentive.discount_pct == offered
    assert (None if incentive.band is None else (incentive.band.min, incentive.band.max)) == band
    assert not incentive.price_lock


@pytest.mark.parametrize("years", [0, 4, 5])
def test_terms_without_a_band_are_refused(years: int) -> None:
    with pytest.raises(ProposalError, match="2 or 3 years"):
        domain.multi_year_incentive(years, POLICY)


def test_price_lock_replaces_the_discount() -> None:
    policy = POLICY.model_copy(
        update={
            "proposal": POLICY.proposal.model_copy(update={"multi_year_incentive": "price_lock"})
        }
    )
    incentive = domain.multi_year_incentive(3, policy)
    assert incentive.price_lock and incentive.discount_pct == 0.0
    options = domain.price_options(HEALTHY, as_of=AS_OF, policy=policy)["options"]
    best = options["best"]
    assert best["discount_pct"] == 0 and len(set(best["years"])) == 1  # no escalator either


def test_healthy_growing_account_gets_three_priced_options() -> None:
    result = domain.price_options(HEALTHY, as_of=AS_OF, policy=POLICY)
    options = result["options"]
    assert result["bundle"]["value"] == "bundle"
    assert result["multi_year"]["value"] is True
    # 6 active users on 6 seats: 7 seats needed to fall below 90% -> +1 seat at 1,000.
    assert options["good"]["annual_price"] == "6000.00"
    assert options["better"]["expansion"]["seats"] == 1
    assert options["better"]["annual_price"] == "7000.00"
    # Full: 25% of 6 seats rounded up = 2 seats -> 8,000, less the 2-year 10% = 7,200.
    assert options["best"]["expansion"]["seats"] == 2
    assert options["best"]["annual_price"] == "7200.00"
    assert options["best"]["term_months"] == 24
    # Growing (seats at 100%) -> escalating 5% a year (MY-3).
    assert result["approach"]["value"] == "escalating"
    assert options["best"]["years"] == ["7200.00", "7560.00"]
    assert options["best"]["total"] == "14760.00"
    assert options["best"]["clauses"] == list(POLICY.proposal.flexibility_clauses)
    assert "MY-4" in options["best"]["rules"]


def test_at_risk_renewal_never_bundles_expansion_and_says_why() -> None:
    result = domain.price_options(
        replace(HEALTHY, risk="at_risk", opportunity_type="at_risk"), as_of=AS_OF, policy=POLICY
    )
    assert result["bundle"]["value"] == "separate"
    assert result["bundle"]["code"] == "at_risk"
    assert any("secure the renewal first" in r for r in result["bundle"]["reasons"])
    options = result["options"]
    assert options["good"]["offered"] and not options["better"]["offered"]
    assert not options["best"]["offered"]
    assert all(o["expansion"] is None for o in options.values())
    with pytest.raises(ProposalError, match="not offered"):
        domain.choose(result, "better")


def test_stable_account_gets_a_fixed_multi_year_renewal_without_expansion() -> None:
    stable = replace(HEALTHY, health_category="green", seat_utilisation=0.5, active_users=3)
    result = domain.price_options(stable, as_of=AS_OF, policy=POLICY)
    assert result["bundle"]["code"] == "exploratory"
    best = result["options"]["best"]
    assert best["offered"] and best["expansion"] is None
    assert result["approach"]["value"] == "fixed"
    assert best["years"] == ["5400.00", "5400.00"]


def test_economic_buyer_not_engaged_keeps_the_expansion_separate() -> None:
    result = domain.price_options(
        replace(HEALTHY, budget_authority_engaged=False), as_of=AS_OF, policy=POLICY
    )
    assert result["bundle"]["code"] == "budget_not_ready"
    assert not result["options"]["better"]["offered"]


def test_without_seats_expansion_is_a_share_of_arr() -> None:
    modest, full = domain.size_expansions(replace(HEALTHY, seats=None), POLICY)
    assert (modest.arr, full.arr) == (Decimal("600.00"), Decimal("1500.00"))


def test_roi_is_hours_times_rate_plus_wins() -> None:
    inputs = domain.ValueInputs(
        account_name="Acme",
        currency="USD",
        arr=Decimal("50000"),
        term_start=date(2026, 1, 1),
        term_end=date(2027, 1, 1),
        seats=10,
        usage=[],
        wins=[
            domain.Win(
                1,
                date(2026, 3, 1),
                "Migrated 10,000 records",
                hours_saved=100,
                revenue=Decimal("2000"),
            ),
            domain.Win(2, date(2025, 3, 1), "Before the term", hours_saved=999),
        ],
        goals=[],
        tickets=[],
        surveys=[],
        roi=domain.RoiFacts(hours_saved_per_week=10, losses_prevented=Decimal("1000")),
    )
    roi = domain.roi(inputs, as_of=AS_OF, policy=POLICY)
    values = {line["key"]: line["value"] for line in roi["lines"]}
    # ROI-1: 10 h/week x 52 x 144 = 74,880 (about 75,000 a year).
    assert values == {
        "labour_value": "74880.00",
        "win_hours_value": "14400.00",
        "revenue_generated": "2000.00",
        "losses_prevented": "1000.00",
    }
    assert roi["total"] == "92280.00"
    assert roi["multiple_of_price"] == 1.8
    assert "policy" in roi["rate_source"]


def test_an_at_risk_flat_option_runs_twelve_months_not_the_current_term() -> None:
    """MY-1: an at-risk renewal is no multi-year candidate, so its flat option does not
    lock in the current 36 months (proposal.at_risk_term_months)."""
    risky = replace(HEALTHY, term_months=36, risk="at_risk", opportunity_type="at_risk")
    good = domain.price_options(risky, as_of=AS_OF, policy=POLICY)["options"]["good"]
    assert good["term_months"] == POLICY.proposal.at_risk_term_months == 12
    assert any(r.startswith("MY-1: at risk") for r in good["reasons"])
    healthy = domain.price_options(replace(HEALTHY, term_months=36), as_of=AS_OF, policy=POLICY)
    assert healthy["options"]["good"]["term_months"] == 36


def test_an_approved_concession_is_the_agreed_option_the_proposal_leads_with() -> None:
    risky = replace(HEALTHY, term_months=36, risk="at_risk", opportunity_type="at_risk")
    agreed = domain.AgreedConcession(
        7,
        20.0,
        "multi_year",
        "discount for year 1, standard pricing year 2",
        ("discount",),
        "dora@x",
    )
    result = domain.price_options(risky, as_of=AS_OF, policy=POLICY, agreed=agreed)
    option = result["options"]["agreed"]
    assert result["recommended"] == "agreed" and option["offered"]
    assert option["annual_price"] == "4800.00"  # 6,000 less 20%
    assert option["term_months"] == POLICY.proposal.best_term_years * 12  # the give-back
    assert option["clauses"][-1] == agreed.sunset_clause
    assert option["concession_id"] == 7 and option["give_back"] == "multi_year"
    assert domain.choose(result, "agreed") == "agreed"
    with pytest.raises(domain.ProposalError, match="no approved concession"):
        domain.choose(domain.price_options(risky, as_of=AS_OF, policy=POLICY), "agreed")
