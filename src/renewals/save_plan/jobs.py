"""Daily-run step of the save desk: triage every at-risk renewal."""

from __future__ import annotations

from renewals.kit.i18n import Text, counts
from renewals.save_plan import service
from renewals.scheduler import JobContext, job


@job("save.triage", order=80)
def triage(ctx: JobContext) -> str:
    """The save triage of every open at-risk renewal (SAVE-2..7), keeping people's evidence and
    overrides; resolved when no longer at risk."""
    report = service.triage_book(ctx.session, ctx.policy, as_of=ctx.as_of)
    return Text(
        "{triaged:,} at-risk renewals triaged ({new:,} new; effort: {efforts}); {resolved:,} "
        "no longer at risk",
        triaged=report.triaged,
        new=report.new,
        efforts=counts(dict(sorted(report.by_effort.items()))) or Text("none"),
        resolved=report.resolved,
    )
