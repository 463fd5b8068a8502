"""Daily-run step of the forecast: every open renewal's likelihood and forecast of the day."""

from __future__ import annotations

from renewals.forecast import service
from renewals.forecast.domain import CATEGORIES
from renewals.scheduler import JobContext, job


@job("forecast.snapshot", order=95)
def snapshot(ctx: JobContext) -> str:
    """Every open renewal's likelihood (the learned model when it is trained and better, else the
    policy prior), category and expected ARR for the day (`forecast_snapshot`)."""
    report = service.snapshot(
        ctx.session,
        ctx.policy,
        as_of=ctx.as_of,
        data_dir=ctx.settings.data_dir,
        progress=ctx.progress,
    )
    engine = report.engine + (f" #{report.model_id}" if report.model_id is not None else "")
    categories = ", ".join(f"{c} {report.categories[c]:,}" for c in CATEGORIES)
    text = (
        f"{report.renewals:,} open renewals forecast with the {engine} engine; next "
        f"{report.window_days} days: {report.window_renewals:,} renewals, expected ARR "
        f"{report.window_expected_arr:,.0f} of {report.window_arr:,.0f}; {categories}"
    )
    if report.overrides:
        text += f"; {report.overrides:,} owner overrides in force"
    return text
