"""Daily-run step of the renewal domain."""

from __future__ import annotations

from renewals.renewal import service
from renewals.scheduler import JobContext, job


@job("renewal.sync", order=50)
def sync(ctx: JobContext) -> str:
    """One renewal per open contract with its segment, opportunity type, touch model, motion and
    owner and their reasons (SEG-1..4, OWN-1..3;
    a specialist takes over at T-60 and an executive sponsors strategic accounts); stage moved forward by date (TIME-4) with
    its history; renewals whose contract has an outcome closed, their open tasks and
    messages cancelled (FUND-1)."""
    report = service.sync(ctx.session, ctx.policy, as_of=ctx.as_of, progress=ctx.progress)
    stages = ", ".join(f"{k} {v:,}" for k, v in sorted(report.by_stage.items()))
    text = (
        f"{report.created:,} new, {report.updated:,} updated, {report.closed:,} closed, "
        f"{report.stage_moves:,} stage moves; open by stage: {stages or 'none'}"
    )
    if report.handovers:
        text += f"; {report.handovers:,} handed over to a specialist (OWN-1)"
    if report.unowned:
        text += f"; {report.unowned:,} without an owner (nobody active holds the role, OWN-2)"
    return text
