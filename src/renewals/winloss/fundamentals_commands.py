"""`renewals winloss fundamentals`: renewal and retention read together (FUND-7/8/9, TIME-4)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Annotated

import typer
from rich.table import Table

from renewals.errors import RenewalsError
from renewals.kit.cli import console, emit_json, fail_with, parse_as_of, parse_date, state


def fundamentals(
    ctx: typer.Context,
    since: Annotated[
        str | None,
        typer.Option(help="Renewals decided on or after this day (default: a year back)."),
    ] = None,
    as_of: Annotated[str | None, typer.Option(help="As things stood on this day.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The renewal as the honest answer: what they did (renewal rate) before what they said
    (NPS), and where the two disagree (FUND-8); fragile wins (weak retention that renewed
    anyway, an auto-renewal nobody noticed) and losses despite strong usage (FUND-7);
    renewals still being negotiated on their date (TIME-4: the timeline failed); the
    after-signature follow-up of every renewal and whether attention dropped after
    signature (FUND-9). The daily run reads each decision once (`winloss.fundamentals`).

    Examples:\n
      renewals winloss fundamentals\n
      renewals winloss fundamentals --since 2026-01-01 --json
    """
    from renewals.db import session_scope
    from renewals.policy.service import PolicyError
    from renewals.winloss import fundamentals_service

    app_state = state(ctx)
    day = parse_as_of(as_of)
    start = parse_date(since, "--since") or day - timedelta(days=365)
    try:
        policy = app_state.policy()
        with session_scope(app_state.engine()) as session:
            r = fundamentals_service.report(session, policy, as_of=day, since=start)
    except (RenewalsError, PolicyError) as exc:
        fail_with(exc)
    if as_json:
        # dataclasses.asdict would turn a Counter's keys into (key, count) pairs.
        emit_json(
            {
                **asdict(r),
                "retention": dict(r.retention),
                "said_vs_did": dict(r.said_vs_did),
            }
        )
        return
    if not r.closed:
        console.print("No renewals decided in the period: the daily run records them.")
        return
    f = policy.fundamentals
    said = (
        "no NPS in the window"
        if r.promoter_share is None
        else f"{r.promoter_share:.0%} promoters (NPS {f.nps_promoter}+)"
    )
    console.print(
        f"[bold]What they did (FUND-8)[/]: {r.closed:,} renewals decided {r.since} to "
        f"{r.as_of}, renewal rate {r.outcome_rate:.0%}. What they said: {said}. Where the "
        "two disagree, the renewal is the answer: "
        + (
            ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in sorted(r.said_vs_did.items()))
            or "none"
        ),
        soft_wrap=True,
    )
    console.print(
        "[bold]Retention against the outcome (FUND-7)[/]: "
        + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in sorted(r.retention.items())),
        soft_wrap=True,
    )
    for title, rows in (
        ("Fragile wins: weak retention that renewed anyway (FUND-7)", r.fragile),
        ("Lost despite strong usage (FUND-7)", r.strong_usage_lost),
    ):
        if not rows:
            continue
        table = Table(title=f"{title}: {len(rows):,}, largest 10")
        for col in ("contract", "account", "outcome", "ARR", "decided", "why"):
            table.add_column(col, justify="right" if col == "ARR" else "left")
        for row in sorted(rows, key=lambda x: -float(x["arr"]))[:10]:
            table.add_row(
                str(row["contract_id"]),
                str(row["account_id"]),
                str(row["outcome"]),
                f"{row['arr']:,.0f}",
                str(row["decided_on"]),
                " ".join(row["reasons"]),
            )
        console.print(table)
    d = r.day_zero
    if d is not None:
        late = "-" if d.late_rate is None else f"{d.late_rate:.0%}"
        by_segment = ", ".join(f"{s} {n}/{t}" for s, (n, t) in d.late_by_segment.items())
        console.print(
            f"[bold]Still negotiating on day 0 (TIME-4)[/]: {d.late:,} of {d.decided:,} "
            f"decided after their renewal date ({late}; by segment {by_segment}); "
            f"{d.open_past_date:,} open renewals are past their date today",
            soft_wrap=True,
        )
    measured = (
        f"attention dropped after signature for {r.attention_dropped:,} of "
        f"{r.attention_measured:,} renewals whose {f.attention_window_days} days after have "
        f"passed (fewer than {f.attention_drop_ratio:.0%} of the touches before)"
        if r.attention_measured
        else "no renewal's after-signature window has passed yet"
    )
    console.print(
        f"[bold]After signature (FUND-9)[/]: {r.followed_up:,} of {r.won_recent:,} renewals won "
        f"in the period have an after-signature task; {measured}",
        soft_wrap=True,
    )
