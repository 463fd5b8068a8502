"""Daily-run step of the dashboards: the book-wide figures, computed once for every server
process (issue 23, kit/figures.py)."""

from __future__ import annotations

from renewals.dashboard import service
from renewals.db import data_version
from renewals.kit.figures import FigureStore, storing
from renewals.kit.i18n import Text, joined
from renewals.kit.secrets import secret_key
from renewals.policy.service import fingerprint
from renewals.scheduler import JobContext, job


@job("dashboard.figures", order=99)
def figures(ctx: JobContext) -> str:
    """The manager and executive pages' book-wide figures for the day (the forecast by owner
    and by segment, retention, win/loss, stage stalls), stored for the data as the run
    leaves it, so the first visit of each server process after the run finds them computed
    instead of computing them itself. Runs last: every step before it has committed."""
    store = FigureStore(secret_key(ctx.settings), context=fingerprint(ctx.policy))
    version = data_version(ctx.session)
    done = service.book_figures(
        ctx.session, ctx.policy, as_of=ctx.as_of, memo=storing(store, ctx.session, version)
    )
    return Text(
        "{n} book-wide figures stored for the pages ({names})",
        n=len(done),
        names=joined(done, ", "),
    )
