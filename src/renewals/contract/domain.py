"""Contract rules on plain values."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from renewals.account.domain import Segment


class Outcome(StrEnum):
    """How a closed contract's renewal ended."""

    renewed = "renewed"
    expanded = "expanded"
    downgraded = "downgraded"
    churned = "churned"

    @classmethod
    def retained(cls) -> frozenset[Outcome]:
        return frozenset({cls.renewed, cls.expanded, cls.downgraded})


@dataclass(frozen=True)
class ContractFacts:
    account_id: str
    arr: Decimal
    end_date: date
    outcome: Outcome | None
    segment_override: Segment | None = None
    currency: str = "USD"


@dataclass(frozen=True)
class SegmentFigures:
    accounts: int = 0
    arr: Decimal = Decimal(0)
    renewals_in_window: int = 0
    arr_in_window: Decimal = Decimal(0)


@dataclass(frozen=True)
class BookFigures:
    """The book of business on one day: what is under contract and what renews soon."""

    as_of: date
    window_days: int
    accounts: int
    active_accounts: int
    arr: Decimal
    renewals_in_window: int
    arr_in_window: Decimal
    by_segment: dict[Segment, SegmentFigures]
    rules: tuple[str, ...] = ("SEG-1", "TECH-1", "TECH-5")
    # The currency of every amount above (policy currency.reporting, issue 19).
    currency: str = ""


def book_figures(
    contracts: Iterable[ContractFacts],
    *,
    accounts: int,
    as_of: date,
    window_days: int,
    segment_for_arr: Callable[[Decimal], Segment],
    to_reporting: Callable[[Decimal, str], Decimal] | None = None,
    currency: str = "",
) -> BookFigures:
    """Active ARR and renewals due within `window_days` (TECH-5), per segment (SEG-1).

    An account is active while it holds an open contract (no outcome yet) whose
    end date is on or after `as_of`; its segment comes from the sum of its open
    ARR unless a recorded override says otherwise (SEG-1), in the contracts' own currency
    (the policy's bands are). Totals are in the reporting currency: `to_reporting(amount,
    contract currency)` converts each contract's ARR (at the rate of `as_of`).
    """
    convert = to_reporting or (lambda amount, _currency: amount)
    open_by_account: dict[str, list[ContractFacts]] = defaultdict(list)
    for contract in contracts:
        if contract.outcome is None and contract.end_date >= as_of:
            open_by_account[contract.account_id].append(contract)
    horizon = as_of + timedelta(days=window_days)
    totals: dict[Segment, dict[str, Any]] = {
        s: {"accounts": 0, "arr": Decimal(0), "renewals_in_window": 0, "arr_in_window": Decimal(0)}
        for s in Segment
    }
    for account_contracts in open_by_account.values():
        arr = sum((c.arr for c in account_contracts), Decimal(0))
        override = account_contracts[0].segment_override
        seg = totals[override or segment_for_arr(arr)]
        seg["accounts"] += 1
        for c in account_contracts:
            reported = convert(c.arr, c.currency)
            seg["arr"] += reported
            if c.end_date <= horizon:
                seg["renewals_in_window"] += 1
                seg["arr_in_window"] += reported
    by_segment = {s: SegmentFigures(**t) for s, t in totals.items()}
    return BookFigures(
        as_of=as_of,
        window_days=window_days,
        accounts=accounts,
        active_accounts=len(open_by_account),
        arr=sum((f.arr for f in by_segment.values()), Decimal(0)),
        renewals_in_window=sum(f.renewals_in_window for f in by_segment.values()),
        arr_in_window=sum((f.arr_in_window for f in by_segment.values()), Decimal(0)),
        by_segment=by_segment,
        currency=currency,
    )
