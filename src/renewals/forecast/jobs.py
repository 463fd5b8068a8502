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


@job("forecast.retrain", order=94)
def retrain(ctx: JobContext) -> str:
    """TECH-1, LEARN-2: retrain the learned likelihood when the last model is
    `forecast.retrain_every_days` old, on every renewal closed since (point in time, each
    as it looked its lead time before its date); the forecast still uses it only when its
    hold-out Brier score beats the prior's. The first model is a person's choice
    (`renewals model train`)."""
    from renewals.forecast import learned

    every = ctx.policy.forecast.retrain_every_days
    if every == 0:
        return "retraining is off (forecast.retrain_every_days = 0)"
    last = learned.last_run(ctx.session)
    if last is None:
        return "no model trained yet: `renewals model train` trains the first one"
    age = (ctx.as_of - last.as_of).days
    if age < every:
        return (
            f"model #{last.model_id} trained on {last.as_of} is {age} days old "
            f"(retrained at {every}, forecast.retrain_every_days)"
        )
    try:
        run = learned.train(
            ctx.session,
            ctx.policy,
            data_dir=ctx.settings.data_dir,
            memory_limit=ctx.settings.duckdb_memory_limit,
            as_of=ctx.as_of,
            progress=ctx.progress,
        )
    except learned.TooFewOutcomes as exc:
        return f"not retrained: {exc.message}"
    resolved = learned.resolve(ctx.session, ctx.policy, data_dir=ctx.settings.data_dir)
    terms = ", ".join(f"{k} {v:,}" for k, v in (run.metrics.get("rows_by_term") or {}).items())
    return (
        f"model #{run.model_id} retrained on {run.n_train + run.n_test:,} closed renewals "
        f"({terms}); {'used' if resolved.engine is not None else 'not used'}: {resolved.reason}"
    )
