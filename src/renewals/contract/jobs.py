"""Daily-run steps of the contract domain."""

from __future__ import annotations

from renewals.contract import service
from renewals.kit.i18n import Text
from renewals.scheduler import JobContext, job


@job("contract.snapshot_book", order=10)
def snapshot_book(ctx: JobContext) -> str:
    """The book's figures for the day (`book_snapshot`): accounts under contract, ARR by segment
    (SEG-1), renewals and ARR due in the next `run.renewal_window_days` days (TECH-5)."""
    snapshot = service.snapshot_book(ctx.session, policy=ctx.policy, as_of=ctx.as_of)
    return Text(
        "{accounts:,} active accounts, ARR {arr:,.0f}, {renewals:,} renewals in the next "
        "{days} days",
        accounts=snapshot.active_accounts,
        arr=snapshot.arr,
        renewals=snapshot.renewals_in_window,
        days=snapshot.window_days,
    )
