"""Daily-run step of the escalation domain (the lead adds it to scheduler.JOB_MODULES)."""

from __future__ import annotations

from renewals.escalation import service
from renewals.scheduler import JobContext, job


@job("escalation.suggest", order=85)
def suggest(ctx: JobContext) -> str:
    """Executive escalation suggested, once, where ESC-1's criteria hold."""
    report = service.suggest(ctx.session, as_of=ctx.as_of, policy=ctx.policy)
    text = (
        f"{report.created:,} suggested, {report.existing:,} already escalated, "
        f"{report.not_needed:,} not needed (ESC-1)"
    )
    if report.by_criterion:
        met = ", ".join(f"{k} {v:,}" for k, v in sorted(report.by_criterion.items()))
        text += f"; criteria met by the new ones: {met}"
    return text
