"""Daily-run step of the save desk: triage every at-risk renewal."""

from __future__ import annotations

from renewals.save_plan import service
from renewals.scheduler import JobContext, job


@job("save.triage", order=80)
def triage(ctx: JobContext) -> str:
    """The save triage of every open at-risk renewal (SAVE-2..7), keeping people's evidence and
    overrides; resolved when no longer at risk."""
    report = service.triage_book(ctx.session, ctx.policy, as_of=ctx.as_of)
    efforts = ", ".join(f"{k} {v:,}" for k, v in sorted(report.by_effort.items()))
    return (
        f"{report.triaged:,} at-risk renewals triaged ({report.new:,} new; effort: "
        f"{efforts or 'none'}); {report.resolved:,} no longer at risk"
    )
