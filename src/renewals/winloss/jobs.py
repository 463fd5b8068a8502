"""Daily-run step of the learning loop: a win/loss record for every closed renewal."""

from __future__ import annotations

from renewals.scheduler import JobContext, job
from renewals.winloss import service


@job("winloss.record", order=96)
def record(ctx: JobContext) -> str:
    """A win/loss record for every closed contract: reason category, the customer's words,
    competitor, missed signals (LEARN-1)."""
    report = service.record_all(ctx.session, ctx.policy, as_of=ctx.as_of)
    outcomes = ", ".join(f"{k} {v:,}" for k, v in sorted(report.by_outcome.items()))
    return (
        f"{report.created:,} win/loss records created, {report.updated:,} updated, "
        f"{report.unchanged:,} unchanged ({outcomes or 'no closed renewals'}); "
        f"{report.kept_confirmed:,} confirmed reasons kept"
    )
