"""Daily-run step of the save desk after the decision: close, let go, win back, watch."""

from __future__ import annotations

from renewals.save_plan import aftercare_service as service
from renewals.scheduler import JobContext, job


@job("save.aftercare", order=90)
def aftercare(ctx: JobContext) -> str:
    """Saved and lost renewals closed out; lost causes and exits (LOST-1..3), win-back tasks
    (LOST-4), post-save monitoring and overdue promise alerts (POST-1..2)."""
    r = service.run_aftercare(ctx.session, ctx.policy, as_of=ctx.as_of)
    return (
        f"{r.saved:,} saved, {r.lost:,} lost, {r.resolved:,} resolved ({r.plans_closed:,} plans "
        f"closed); {r.lost_causes:,} new lost causes (LOST-1), {r.exits:,} exit records; "
        f"{r.winback_tasks:,} win-back tasks (LOST-4); {r.post_saves:,} saves monitored, "
        f"{r.health_checks:,} health checks, {r.monitoring_ended:,} monitoring ended (POST-1); "
        f"{r.promise_alerts:,} overdue promises (POST-2)"
    )
