"""Daily-run step of the health domain."""

from __future__ import annotations

from renewals.health import service
from renewals.kit.i18n import Text, counts
from renewals.scheduler import JobContext, job
from renewals.usage.backend import Analytics


@job("health.score", order=30)
def score(ctx: JobContext) -> str:
    """Features, health score, category, drivers and trend of every account under contract
    (`health_snapshot`, HEALTH-1..5); a review task for each account that turned red
    (`task`, HEALTH-4)."""
    run = service.snapshot_health(
        ctx.session,
        ctx.policy,
        as_of=ctx.as_of,
        data_dir=ctx.settings.data_dir,
        memory_limit=ctx.settings.duckdb_memory_limit,
        analytics=Analytics.from_settings(ctx.settings),
        progress=ctx.progress,
    )
    mix = run.categories
    order = ("expansion", "green", "yellow", "red", "unscored")
    return Text(
        "{n:,} accounts scored: {categories}",
        n=run.scored,
        categories=counts({k: mix[k] for k in order if mix[k]}),
    )
