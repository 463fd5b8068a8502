"""Contract use-cases: the daily book figures."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from renewals.contract import repository
from renewals.contract.domain import BookFigures, book_figures
from renewals.contract.models import BookSnapshot
from renewals.policy.domain import Policy


def compute_book(session: Session, *, policy: Policy, as_of: date) -> BookFigures:
    """Compute the book figures from the open contracts, totals in the reporting currency
    at the rates of `as_of` (a missing rate is an error naming the currency and date)."""
    from renewals.fx import service as fx_service

    rates = fx_service.rate_table(session, policy)
    return book_figures(
        repository.open_contract_facts(session, as_of=as_of),
        accounts=repository.count_accounts(session),
        as_of=as_of,
        window_days=policy.run.renewal_window_days,
        segment_for_arr=policy.segment_for_arr,
        to_reporting=lambda amount, currency: rates.convert(amount, currency, as_of),
        currency=rates.reporting,
    )


def snapshot_book(session: Session, *, policy: Policy, as_of: date) -> BookSnapshot:
    """Store the book figures for `as_of`, replacing an earlier run of the same day."""
    figures = compute_book(session, policy=policy, as_of=as_of)
    snapshot = repository.get_snapshot(session, as_of) or BookSnapshot(as_of=as_of)
    snapshot.window_days = figures.window_days
    snapshot.accounts = figures.accounts
    snapshot.active_accounts = figures.active_accounts
    snapshot.arr = figures.arr
    snapshot.renewals_in_window = figures.renewals_in_window
    snapshot.arr_in_window = figures.arr_in_window
    snapshot.detail = {
        "rules": list(figures.rules),
        "currency": figures.currency,
        "by_segment": {
            segment.value: {
                "accounts": f.accounts,
                "arr": str(f.arr),
                "renewals_in_window": f.renewals_in_window,
                "arr_in_window": str(f.arr_in_window),
            }
            for segment, f in figures.by_segment.items()
        },
    }
    session.add(snapshot)
    session.flush()
    return snapshot
