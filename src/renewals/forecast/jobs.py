"""Daily-run step of the forecast: every open renewal's likelihood and forecast of the day."""

from __future__ import annotations

from renewals.forecast import service
from renewals.forecast.domain import CATEGORIES
from renewals.kit.i18n import Text, counts, joined
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
    text = Text(
        "{renewals:,} open renewals forecast with the {engine} engine; next {days} days: "
        "{window:,} renewals, expected ARR {expected:,.0f} of {arr:,.0f}",
        renewals=report.renewals,
        engine=engine,
        days=report.window_days,
        window=report.window_renewals,
        expected=report.window_expected_arr,
        arr=report.window_arr,
    )
    parts = [text, counts({c: report.categories[c] for c in CATEGORIES})]
    if report.overrides:
        parts.append(Text("{n:,} owner overrides in force", n=report.overrides))
    return joined(parts)


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
        return Text("retraining is off (forecast.retrain_every_days = 0)")
    last = learned.last_run(ctx.session)
    if last is None:
        return Text("no model trained yet: `renewals model train` trains the first one")
    age = (ctx.as_of - last.as_of).days
    if age < every:
        return Text(
            "model #{id} trained on {day} is {age} days old (retrained at {every}, "
            "forecast.retrain_every_days)",
            id=last.model_id,
            day=last.as_of,
            age=age,
            every=every,
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
        return Text("not retrained: {reason}", reason=exc.message)
    resolved = learned.resolve(ctx.session, ctx.policy, data_dir=ctx.settings.data_dir)
    terms = counts(run.metrics.get("rows_by_term") or {})
    facts = {"id": run.model_id, "n": run.n_train + run.n_test, "terms": terms}
    if resolved.engine is None:
        return Text(
            "model #{id} retrained on {n:,} closed renewals ({terms}); not used: {reason}",
            reason=resolved.reason,
            **facts,
        )
    return Text(
        "model #{id} retrained on {n:,} closed renewals ({terms}); used: {reason}",
        reason=resolved.reason,
        **facts,
    )
