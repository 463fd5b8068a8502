"""Book figures: active ARR by segment and renewals due in the window (SEG-1, TECH-5)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from renewals.account.domain import Segment
from renewals.contract.domain import BookFigures, ContractFacts, Outcome, book_figures
from renewals.policy import service as policy_service

TODAY = date(2026, 11, 24)
POLICY = policy_service.load()


def contract(
    account: str,
    arr: int,
    days_out: int,
    outcome: Outcome | None = None,
    override: Segment | None = None,
) -> ContractFacts:
    return ContractFacts(account, Decimal(arr), TODAY + timedelta(days=days_out), outcome, override)


def figures(*contracts: ContractFacts) -> BookFigures:
    return book_figures(
        contracts, accounts=10, as_of=TODAY, window_days=90, segment_for_arr=POLICY.segment_for_arr
    )


def test_segments_come_from_the_sum_of_open_arr() -> None:
    # Two open contracts of 60K make a 120K enterprise account (SEG-1).
    result = figures(
        contract("acme", 60_000, 30), contract("acme", 60_000, 200), contract("initech", 6_000, 10)
    )
    assert result.by_segment[Segment.enterprise].accounts == 1
    assert result.by_segment[Segment.enterprise].arr == Decimal(120_000)
    assert result.by_segment[Segment.smb].accounts == 1
    assert result.active_accounts == 2 and result.arr == Decimal(126_000)


def test_window_counts_renewals_due_within_it() -> None:
    result = figures(contract("a", 20_000, 0), contract("b", 20_000, 90), contract("c", 20_000, 91))
    mid = result.by_segment[Segment.mid_market]
    assert (mid.renewals_in_window, mid.arr_in_window) == (2, Decimal(40_000))
    assert result.renewals_in_window == 2


def test_closed_and_lapsed_contracts_are_not_active() -> None:
    result = figures(contract("a", 20_000, 30, Outcome.renewed), contract("b", 20_000, -1))
    assert result.active_accounts == 0 and result.arr == 0


def test_a_recorded_override_wins_over_the_band() -> None:  # SEG-1
    result = figures(contract("a", 95_000, 30, override=Segment.enterprise))
    assert result.by_segment[Segment.enterprise].accounts == 1
    assert result.by_segment[Segment.mid_market].accounts == 0
