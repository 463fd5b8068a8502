"""Daily-run steps of the playbook domain: timeline tasks, then the campaign's messages."""

from __future__ import annotations

from renewals.kit.i18n import Text, counts, joined
from renewals.playbook import service
from renewals.scheduler import JobContext, job


@job("playbook.timeline", order=60)
def timeline(ctx: JobContext) -> str:
    """The segment's playbook steps that came within `timelines.lookahead_days` as tasks
    (TIME-1..4); steps passed before a renewal reached the playbook as one catch-up task;
    automated steps (TIME-3) carried out by the system; the red and at-risk paths' tasks
    (SEG-2/3); snoozed tasks whose day came reopened; the team-capacity check (SEG-1)."""
    report = service.materialize(ctx.session, ctx.policy, as_of=ctx.as_of, progress=ctx.progress)
    loads = service.team_load(ctx.session, ctx.policy, as_of=ctx.as_of)
    over = [x for x in loads if x.over]
    limit = ctx.policy.segments.owner_hours_per_week
    capacity = (
        Text(
            "team capacity (SEG-1): {n} owner(s) over {limit:g} h/week: {owners}",
            n=len(over),
            limit=limit,
            owners=joined(
                (
                    Text(
                        "{owner} {hours:g} h ({n} renewals)",
                        owner=x.owner,
                        hours=x.hours_per_week,
                        n=x.renewals,
                    )
                    for x in over
                ),
                ", ",
            ),
        )
        if over
        else Text(
            "team capacity (SEG-1): every owner within {limit:g} h/week (busiest {owner} "
            "{hours:g} h)",
            limit=limit,
            owner=loads[0].owner,
            hours=loads[0].hours_per_week,
        )
        if loads
        else Text("team capacity (SEG-1): every owner within {limit:g} h/week", limit=limit)
    )
    done = Text(
        "{created:,} new tasks ({catch_up:,} catch-up tasks for late entries, {late:,} "
        "overdue); {automated:,} automated steps carried out by the system (TIME-3); "
        "{shared:,} red-path reviews joined HEALTH-4's; {subscriptions:,} subscription "
        "renewals (terms under {months} months) run once per account, without dated steps "
        "(SEG-4)",
        created=report.created,
        catch_up=report.catch_up,
        late=report.late,
        automated=report.automated,
        shared=report.shared_reviews,
        subscriptions=report.subscriptions,
        months=ctx.policy.touch.short_term_below_months,
    )
    if report.by_rule:  # "...(SEG-4): SEG-3 1, TIME-1 2"
        done = joined([done, counts(dict(sorted(report.by_rule.items())))], ": ")
    return joined([done, capacity])


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
    return Text(
        "{customer:,} customer and {internal:,} internal messages queued; {superseded:,} "
        "superseded by a later one (late entry); {withdrawn:,} older customer messages "
        "withdrawn for a newer one; {held:,} held for a fresh approval (at-risk or red, TIME-5)",
        customer=report.queued["customer"],
        internal=report.queued["internal"],
        superseded=report.superseded,
        withdrawn=report.withdrawn,
        held=report.held,
    )
