"""Daily-run steps of the contract domain."""

from __future__ import annotations

from renewals.contract import service
from renewals.scheduler import JobContext, job


@job("contract.snapshot_book", order=10)
def snapshot_book(ctx: JobContext) -> str:
    """The book's figures for the day (`book_snapshot`): accounts under contract, ARR by segment
    (SEG-1), renewals and ARR due in the next `run.renewal_window_days` days (TECH-5)."""
    snapshot = service.snapshot_book(ctx.session, policy=ctx.policy, as_of=ctx.as_of)
    return (
        f"{snapshot.active_accounts:,} active accounts, ARR {snapshot.arr:,.0f}, "
        f"{snapshot.renewals_in_window:,} renewals in the next {snapshot.window_days} days"
    )
