"""Daily-run step of the save desk after the decision: close, let go, win back, watch."""

from __future__ import annotations

from renewals.kit.i18n import Text
from renewals.save_plan import aftercare_service as service
from renewals.scheduler import JobContext, job


@job("save.aftercare", order=90)
def aftercare(ctx: JobContext) -> str:
    """Saved and lost renewals closed out; lost causes and exits (LOST-1..3), win-back tasks
    (LOST-4), post-save monitoring and overdue promise alerts (POST-1..2)."""
    r = service.run_aftercare(ctx.session, ctx.policy, as_of=ctx.as_of)
    return Text(
        "{saved:,} saved, {lost:,} lost, {resolved:,} resolved ({closed:,} plans closed); "
        "{causes:,} new lost causes (LOST-1), {exits:,} exit records; {winback:,} win-back "
        "tasks (LOST-4); {monitored:,} saves monitored, {checks:,} health checks, {ended:,} "
        "monitoring ended (POST-1); {promises:,} overdue promises (POST-2)",
        saved=r.saved,
        lost=r.lost,
        resolved=r.resolved,
        closed=r.plans_closed,
        causes=r.lost_causes,
        exits=r.exits,
        winback=r.winback_tasks,
        monitored=r.post_saves,
        checks=r.health_checks,
        ended=r.monitoring_ended,
        promises=r.promise_alerts,
    )
