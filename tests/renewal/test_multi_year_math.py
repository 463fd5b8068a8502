"""MY-2, MY-3: multi-year options against renewing one year at a time ("do the math first")."""

from __future__ import annotations

import pytest

from renewals.policy import service as policy_service
from renewals.renewal.multi_year_math import (
    break_even,
    cautions,
    committed_value,
    options,
    presentation,
    single_year_value,
    wanted,
)

POLICY = policy_service.load()


def test_the_seeds_regretted_30_percent_two_year_discount_pays_only_below_40_percent() -> None:
    assert break_even(committed_value(100, 30, 0, 2), 100, 2) == pytest.approx(0.4, abs=0.001)
    assert break_even(committed_value(100, 10, 0, 2), 100, 2) == pytest.approx(0.8, abs=0.001)


def test_the_single_year_path_compounds_the_likelihood() -> None:
    assert single_year_value(100, 0.9, 3) == pytest.approx(100 + 90 + 81)


def test_options_follow_the_policy_bands_and_say_when_the_discount_is_worth_it() -> None:
    found = {o.name: o for o in options(100_000, 0.9, years=3, policy=POLICY)}
    fixed_20 = found["2-year, 20% off (highest of MY-2), fixed"]
    assert fixed_20.against_single < 0
    assert "the discount gives away more than the risk it removes" in fixed_20.reasons[-1]
    risky = {o.name: o for o in options(100_000, 0.5, years=2, policy=POLICY)}
    assert "worth it" in risky["2-year, 20% off (highest of MY-2), fixed"].reasons[-1]
    assert not any(o.years == 3 for o in risky.values())  # a 2-year horizon has no 3-year term


def test_an_escalator_raises_the_committed_value() -> None:
    assert committed_value(100, 10, 5, 2) == pytest.approx(90 + 94.5)


# --- beyond the arithmetic: MY-5, MY-6, BUN-3, BUN-4 ---------------------------------


def rules(found: list[object]) -> dict[str, str]:
    return {c.rule: c.text for c in found}  # type: ignore[attr-defined]


def test_do_the_math_first_counts_the_losing_options_and_names_the_best() -> None:
    found = options(100_000, 0.9, years=3, policy=POLICY)
    said = rules(cautions(found, 0.9, opportunity_type="flat", days_to_renewal=90, policy=POLICY))
    losing = sum(1 for o in found[1:] if o.against_single < 0)
    assert said["MY-5"].startswith(f"do the math first: {losing} of 8 multi-year options")
    best = max(found[1:], key=lambda o: o.against_single)
    assert (best.against_single > 0) == ("the best is " + best.name in said["MY-5"])


def test_when_no_discount_pays_the_single_year_path_is_wanted_and_in_the_middle() -> None:
    found = options(100_000, 0.99, years=2, policy=POLICY)
    assert all(o.against_single < 0 for o in found[1:])
    assert wanted(found) is found[0]
    order = presentation(found, short_term_months=6)
    assert order[1] == "single-year renewals" and order[0].startswith("a 6-month term")
    said = rules(cautions(found, 0.99, opportunity_type=None, days_to_renewal=None, policy=POLICY))
    assert "no multi-year option pays at a 99% yearly likelihood" in said["MY-5"]
    assert "with single-year renewals in the middle" in said["BUN-4"]


def test_the_option_we_want_sits_between_a_smaller_and_a_larger_commitment() -> None:
    found = options(100_000, 0.5, years=3, policy=POLICY)
    pick = wanted(found)
    before, middle, after = presentation(found, short_term_months=6)
    assert middle == pick.name
    ladder = sorted(found, key=lambda o: (o.years, o.discount_pct, o.escalator_pct))
    names = [o.name for o in ladder]
    assert names.index(before) < names.index(middle) or before.startswith("a 6-month")
    assert after == "a custom multi-year deal" or names.index(after) > names.index(middle)


def test_the_renegotiation_trigger_must_be_offered_with_a_multi_year_term() -> None:
    found = options(100_000, 0.8, years=3, policy=POLICY)
    said = rules(cautions(found, 0.8, opportunity_type=None, days_to_renewal=60, policy=POLICY))
    assert "a 3-year term outlives product change" in said["MY-6"]
    assert "renegotiation_trigger is among the clauses offered" in said["MY-6"]
    bare = POLICY.model_copy(
        update={
            "proposal": POLICY.proposal.model_copy(update={"flexibility_clauses": ["off_ramp"]})
        }
    )
    said = rules(cautions(found, 0.8, opportunity_type=None, days_to_renewal=60, policy=bare))
    assert "add renegotiation_trigger to proposal.flexibility_clauses" in said["MY-6"]


def test_bundling_warns_on_expansion_renewals_and_more_so_after_the_45_day_point() -> None:
    found = options(100_000, 0.8, years=2, policy=POLICY)
    flat = rules(cautions(found, 0.8, opportunity_type="flat", days_to_renewal=30, policy=POLICY))
    assert "BUN-3" not in flat
    early = rules(
        cautions(found, 0.8, opportunity_type="expansion", days_to_renewal=90, policy=POLICY)
    )
    assert "finalise the bundled terms by 45 days before the renewal (90 days" in early["BUN-3"]
    late = rules(
        cautions(found, 0.8, opportunity_type="expansion", days_to_renewal=45, policy=POLICY)
    )
    assert late["BUN-3"].startswith("45 days to renewal, past the 45-day point")


def test_five_presented_options_keep_the_wanted_one_in_the_middle() -> None:
    found = options(100_000, 0.5, years=3, policy=POLICY)
    order = presentation(found, short_term_months=6, count=5)
    assert len(order) == 5 and order[2] == wanted(found).name
    assert POLICY.multi_year.presented_options == 3  # BUN-4: good, better, best
