"""MY-2, MY-3: multi-year options against renewing one year at a time ("do the math first")."""

from __future__ import annotations

import pytest

from renewals.policy import service as policy_service
from renewals.renewal.multi_year_math import (
    break_even,
    committed_value,
    options,
    single_year_value,
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
    assert "gives away more than the risk it removes" in fixed_20.reasons[-1]
    risky = {o.name: o for o in options(100_000, 0.5, years=2, policy=POLICY)}
    assert "worth it" in risky["2-year, 20% off (highest of MY-2), fixed"].reasons[-1]
    assert not any(o.years == 3 for o in risky.values())  # a 2-year horizon has no 3-year term


def test_an_escalator_raises_the_committed_value() -> None:
    assert committed_value(100, 10, 5, 2) == pytest.approx(90 + 94.5)
