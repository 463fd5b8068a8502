"""Daily-run step of the learning loop: a win/loss record for every closed renewal."""

from __future__ import annotations

from renewals.kit.i18n import Text, counts
from renewals.scheduler import JobContext, job
from renewals.winloss import service


@job("winloss.record", order=96)
def record(ctx: JobContext) -> str:
    """A win/loss record for every closed contract: reason category, the customer's words,
    competitor, missed signals (LEARN-1)."""
    report = service.record_all(ctx.session, ctx.policy, as_of=ctx.as_of)
    return Text(
        "{created:,} win/loss records created, {updated:,} updated, {unchanged:,} unchanged "
        "({outcomes}); {kept:,} confirmed reasons kept",
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        outcomes=counts(dict(sorted(report.by_outcome.items()))) or Text("no closed renewals"),
        kept=report.kept_confirmed,
    )


@job("winloss.fundamentals", order=98)
def fundamentals(ctx: JobContext) -> str:
    """FUND-7/8: the retention at each new decision (usage, health, NPS): a fragile win or a
    loss despite strong usage is recorded as such (`winloss_record.retention`); FUND-9: an
    after-signature task for every renewal won in the attention window (`task`)."""
    from renewals.usage.backend import Analytics
    from renewals.winloss import fundamentals_service

    read = fundamentals_service.record_retention(
        ctx.session,
        ctx.policy,
        as_of=ctx.as_of,
        data_dir=ctx.settings.data_dir,
        analytics=Analytics.from_settings(ctx.settings),
    )
    tasks = fundamentals_service.follow_ups(ctx.session, ctx.policy, as_of=ctx.as_of)
    return Text(
        "retention read for {n:,} decisions ({kinds}); {tasks:,} after-signature tasks "
        "created (FUND-9)",
        n=sum(read.values()),
        kinds=counts(dict(sorted(read.items()))) or Text("none new"),
        tasks=tasks,
    )
