"""SAVE-1, SAVE-7, LOST-1 on plain values: what a save costs against what it brings back."""

from __future__ import annotations

from typing import Any

import pytest

from renewals.policy import service as policy_service
from renewals.save_plan.economics import Verdict, economics

POLICY = policy_service.load()


def e(**changes: Any) -> Any:
    values: dict[str, Any] = {
        "renewal_id": "R-C1",
        "arr": 50_000.0,
        "effort": "standard",
        "band_rate": 0.40,
        "normal_hours": 10.0,
        "expansion_arr_per_hour": 200.0,
        "policy": POLICY,
    }
    values.update(changes)
    return economics(**values)


def test_success_is_capped_at_60_percent() -> None:
    result = e(band_rate=0.70)  # SAVE-2's high band midpoint
    assert result.success_rate == 0.60
    assert any("40%-60% at best" in r for r in result.reasons)


def test_a_save_costs_3_to_5_normal_renewals_at_the_loaded_rate() -> None:
    result = e()
    assert result.hours == (30.0, 50.0)  # 10 h x 3-5 (standard effort plans 15 h)
    assert result.cost == (30 * 144.0, 50 * 144.0)


def test_a_full_effort_keeps_its_own_hours_when_larger() -> None:
    result = e(effort="full", normal_hours=3.0)
    assert result.hours == (40.0, 40.0)  # SAVE-7: "40 hours"


def test_50k_to_save_20k_is_refused() -> None:
    # The seed's example: resources worth more than the account.
    result = e(arr=20_000.0, normal_hours=120.0)
    assert result.cost[0] > 20_000
    assert result.verdict == Verdict.refuse
    assert any(r.startswith("LOST-1") for r in result.reasons)


def test_expected_back_below_cost_is_poor() -> None:
    result = e(arr=6_000.0, band_rate=0.2)
    assert result.verdict == Verdict.poor


def test_a_worthwhile_save_is_still_compared_with_prevention_and_expansion() -> None:
    result = e()
    assert result.verdict == Verdict.save
    assert result.expected_arr == pytest.approx(20_000)
    assert result.prevention_arr == pytest.approx(5 * 0.60 * 50_000)
    assert result.expansion_arr == pytest.approx(30 * 200.0)
    assert result.best_alternative == "prevention"
    assert result.expected_value_hours == pytest.approx(12.0)  # SAVE-7: 30 h x 40%


def test_no_effort_means_no_save() -> None:
    assert e(effort="none").verdict == Verdict.none


def test_the_keys_change_the_answer() -> None:
    data = policy_service.merge(
        policy_service._defaults(), {"save": {"economics": {"max_cost_to_value": 0.05}}}
    )
    strict = policy_service.validate(data, "test")
    assert e(policy=strict).verdict == Verdict.refuse
