"""Daily-run step of the escalation domain (the lead adds it to scheduler.JOB_MODULES)."""

from __future__ import annotations

from renewals.escalation import service
from renewals.kit.i18n import Text, counts, joined
from renewals.scheduler import JobContext, job


@job("escalation.suggest", order=85)
def suggest(ctx: JobContext) -> str:
    """Executive escalation suggested, once, where ESC-1's criteria hold."""
    report = service.suggest(ctx.session, as_of=ctx.as_of, policy=ctx.policy)
    text = Text(
        "{created:,} suggested, {existing:,} already escalated, {not_needed:,} not needed (ESC-1)",
        created=report.created,
        existing=report.existing,
        not_needed=report.not_needed,
    )
    if report.by_criterion:
        met = counts(dict(sorted(report.by_criterion.items())))
        return joined([text, Text("criteria met by the new ones: {criteria}", criteria=met)])
    return text
