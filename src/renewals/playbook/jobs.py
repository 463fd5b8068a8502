"""Daily-run steps of the playbook domain: timeline tasks, then the campaign's messages."""

from __future__ import annotations

from renewals.playbook import service
from renewals.scheduler import JobContext, job


@job("playbook.timeline", order=60)
def timeline(ctx: JobContext) -> str:
    """TIME-1..4 steps and SEG-2/SEG-3 path tasks that came due, once per renewal and step."""
    report = service.materialize(ctx.session, ctx.policy, as_of=ctx.as_of, progress=ctx.progress)
    rules = ", ".join(f"{k} {v:,}" for k, v in sorted(report.by_rule.items()))
    return f"{report.created:,} new tasks ({report.late:,} late entries, overdue){': ' + rules if rules else ''}"


@job("playbook.campaign", order=70)
def campaign(ctx: JobContext) -> str:
    """TIME-5: alerts, customer messages and escalations into the outbox, once each."""
    report = service.run_campaign(
        ctx.session,
        ctx.policy,
        as_of=ctx.as_of,
        templates_dir=ctx.settings.templates_dir,
        progress=ctx.progress,
    )
    return (
        f"{report.queued['customer']:,} customer and {report.queued['internal']:,} internal "
        f"messages queued; {report.superseded:,} superseded by a later one (late entry)"
    )
