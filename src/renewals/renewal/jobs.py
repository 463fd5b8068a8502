"""Daily-run step of the renewal domain."""

from __future__ import annotations

from renewals.kit.i18n import Text, counts, joined
from renewals.renewal import service
from renewals.scheduler import JobContext, job


@job("renewal.sync", order=50)
def sync(ctx: JobContext) -> str:
    """One renewal per open contract with its segment, opportunity type, touch model, motion and
    owner and their reasons (SEG-1..4, OWN-1..3;
    a specialist takes over at T-60 and an executive sponsors strategic accounts); stage moved forward by date (TIME-4) with
    its history; renewals whose contract has an outcome closed, their open tasks and
    messages cancelled (FUND-1)."""
    report = service.sync(ctx.session, ctx.policy, as_of=ctx.as_of, progress=ctx.progress)
    parts = [
        Text(
            "{created:,} new, {updated:,} updated, {closed:,} closed, {moves:,} stage moves; "
            "open by stage: {stages}",
            created=report.created,
            updated=report.updated,
            closed=report.closed,
            moves=report.stage_moves,
            stages=counts(dict(sorted(report.by_stage.items()))) or Text("none"),
        )
    ]
    if report.handovers:
        parts.append(Text("{n:,} handed over to a specialist (OWN-1)", n=report.handovers))
    if report.unowned:
        parts.append(
            Text("{n:,} without an owner (nobody active holds the role, OWN-2)", n=report.unowned)
        )
    return joined(parts)
