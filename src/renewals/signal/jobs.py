"""Daily-run steps of the signal domain: texts before health, numbers after it."""

from __future__ import annotations

from renewals.scheduler import JobContext, job
from renewals.signal import service


@job("signal.scan_texts", order=20)
def scan_texts(ctx: JobContext) -> str:
    """Risk signals in the words of tickets, survey comments and notes of the last
    `signals.sentiment_days` days (SIG-2..8), each quoting its sentence (`signal`)."""
    new = service.scan_texts(ctx.session, ctx.policy, as_of=ctx.as_of, progress=ctx.progress)
    return f"{new:,} new text signals"


@job("signal.detect", order=40)
def detect(ctx: JobContext) -> str:
    """Numeric signals from the day's features and health (SIG-1..9), then each account's combined
    risk (SIG-0)."""
    new, risks = service.detect_and_combine(
        ctx.session, ctx.policy, as_of=ctx.as_of, progress=ctx.progress
    )
    mix = ", ".join(f"{risk} {n:,}" for risk, n in sorted(risks.items()))
    return f"{new:,} new numeric signals; risk (SIG-0): {mix or 'no accounts scored'}"
