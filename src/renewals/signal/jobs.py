"""Daily-run steps of the signal domain: texts before health, numbers after it."""

from __future__ import annotations

from renewals.kit.i18n import Text, counts
from renewals.scheduler import JobContext, job
from renewals.signal import service


@job("signal.scan_texts", order=20)
def scan_texts(ctx: JobContext) -> str:
    """Risk signals in the words of tickets, survey comments and notes of the last
    `signals.sentiment_days` days (SIG-2..8), each quoting its sentence (`signal`); an
    account whose texts, language, policy and detectors are unchanged since its last scan
    is not read again (`text_scan`, issue 20)."""
    done = service.scan_texts(
        ctx.session, ctx.policy, as_of=ctx.as_of, progress=ctx.progress, full=ctx.full
    )
    return Text(
        "{n:,} new text signals; texts of {read:,} accounts read, {same:,} unchanged since "
        "their last scan",
        n=done.new,
        read=done.read,
        same=done.unchanged,
    )


@job("signal.detect", order=40)
def detect(ctx: JobContext) -> str:
    """Numeric signals from the day's features and health (SIG-1..9), then each account's combined
    risk (SIG-0)."""
    new, risks = service.detect_and_combine(
        ctx.session, ctx.policy, as_of=ctx.as_of, progress=ctx.progress
    )
    return Text(
        "{n:,} new numeric signals; risk (SIG-0): {mix}",
        n=new,
        mix=counts(dict(sorted(risks.items()))) or Text("no accounts scored"),
    )
