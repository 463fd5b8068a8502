"""Daily-run steps of the playbook domain: timeline tasks, then the campaign's messages."""

from __future__ import annotations

from renewals.playbook import service
from renewals.scheduler import JobContext, job


@job("playbook.timeline", order=60)
def timeline(ctx: JobContext) -> str:
    """The segment's playbook steps that came within `timelines.lookahead_days` as tasks
    (TIME-1..4); steps passed before a renewal reached the playbook as one catch-up task;
    automated steps (TIME-3) carried out by the system; the red and at-risk paths' tasks
    (SEG-2/3); snoozed tasks whose day came reopened; the team-capacity check (SEG-1)."""
    report = service.materialize(ctx.session, ctx.policy, as_of=ctx.as_of, progress=ctx.progress)
    rules = ", ".join(f"{k} {v:,}" for k, v in sorted(report.by_rule.items()))
    loads = service.team_load(ctx.session, ctx.policy, as_of=ctx.as_of)
    over = [x for x in loads if x.over]
    capacity = (
        f"team capacity (SEG-1): {len(over)} owner(s) over "
        f"{ctx.policy.segments.owner_hours_per_week:g} h/week: "
        + ", ".join(f"{x.owner} {x.hours_per_week:g} h ({x.renewals} renewals)" for x in over)
        if over
        else f"team capacity (SEG-1): every owner within "
        f"{ctx.policy.segments.owner_hours_per_week:g} h/week"
        + (f" (busiest {loads[0].owner} {loads[0].hours_per_week:g} h)" if loads else "")
    )
    return (
        f"{report.created:,} new tasks ({report.catch_up:,} catch-up tasks for late entries, "
        f"{report.late:,} overdue); {report.automated:,} automated steps carried out by the "
        f"system (TIME-3); {report.shared_reviews:,} red-path reviews joined HEALTH-4's; "
        f"{report.subscriptions:,} subscription renewals (terms under "
        f"{ctx.policy.touch.short_term_below_months} months) run once per account, without "
        "dated steps (SEG-4)"
        f"{': ' + rules if rules else ''}; {capacity}"
    )


@job("playbook.campaign", order=70)
def campaign(ctx: JobContext) -> str:
    """The triggered campaign's internal alerts, customer messages and escalations into the outbox
    (TIME-5); customer messages wait for permission there."""
    report = service.run_campaign(
        ctx.session,
        ctx.policy,
        as_of=ctx.as_of,
        templates_dir=ctx.settings.templates_dir,
        progress=ctx.progress,
    )
    return (
        f"{report.queued['customer']:,} customer and {report.queued['internal']:,} internal "
        f"messages queued; {report.superseded:,} superseded by a later one (late entry); "
        f"{report.withdrawn:,} older customer messages withdrawn for a newer one; "
        f"{report.held:,} held for a fresh approval (at-risk or red, TIME-5)"
    )
