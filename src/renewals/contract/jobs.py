"""Daily-run steps of the contract domain."""

from __future__ import annotations

from renewals.contract import service
from renewals.scheduler import JobContext, job


@job("contract.snapshot_book", order=10)
def snapshot_book(ctx: JobContext) -> str:
    snapshot = service.snapshot_book(ctx.session, policy=ctx.policy, as_of=ctx.as_of)
    return (
        f"{snapshot.active_accounts:,} active accounts, ARR {snapshot.arr:,.0f}, "
        f"{snapshot.renewals_in_window:,} renewals in the next {snapshot.window_days} days"
    )
