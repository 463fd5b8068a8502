"""`renewals winloss fundamentals`: renewal and retention read together (FUND-7/8/9, TIME-4)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import timedelta
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from renewals.errors import RenewalsError
from renewals.kit.cli import (
    console,
    emit_json,
    fail_with,
    number,
    parse_as_of,
    parse_date,
    percent,
    state,
)
from renewals.kit.i18n import _, term, tr, word


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
        console.print(_("No renewals decided in the period: the daily run records them."))
        return
    f = policy.fundamentals

    def tally(counter: Mapping[str, int]) -> str:  # stored kinds as words, counts as numbers
        return ", ".join(f"{term('retention', k)} {number(v)}" for k, v in sorted(counter.items()))

    said = (
        _("no NPS in the window")
        if r.promoter_share is None
        else _("{share} promoters (NPS {promoter}+)").format(
            share=percent(r.promoter_share), promoter=f.nps_promoter
        )
    )
    console.print(
        "[bold]"
        + escape(_("What they did (FUND-8)"))
        + "[/]: "
        + escape(
            _(
                "{closed} renewals decided {since} to {as_of}, renewal rate {rate}. What they "
                "said: {said}. Where the two disagree, the renewal is the answer: {disagree}"
            ).format(
                closed=number(r.closed),
                since=r.since,
                as_of=r.as_of,
                rate=percent(r.outcome_rate),
                said=said,
                disagree=tally(r.said_vs_did) or _("none"),
            )
        ),
        soft_wrap=True,
    )
    console.print(
        "[bold]"
        + escape(_("Retention against the outcome (FUND-7)"))
        + "[/]: "
        + escape(tally(r.retention)),
        soft_wrap=True,
    )
    for title, rows in (
        (_("Fragile wins: weak retention that renewed anyway (FUND-7)"), r.fragile),
        (_("Lost despite strong usage (FUND-7)"), r.strong_usage_lost),
    ):
        if not rows:
            continue
        table = Table(title=_("{title}: {n}, largest 10").format(title=title, n=number(len(rows))))
        for col, justify in (
            (_("contract"), "left"),
            (_("account"), "left"),
            (_("outcome"), "left"),
            ("ARR", "right"),
            (_("decided"), "left"),
            (_("why"), "left"),
        ):
            table.add_column(col, justify=justify)  # type: ignore[arg-type]
        for row in sorted(rows, key=lambda x: -float(x["arr"]))[:10]:
            table.add_row(
                str(row["contract_id"]),
                str(row["account_id"]),
                word("outcome", str(row["outcome"])),
                number(row["arr"]),
                str(row["decided_on"]),
                escape(" ".join(tr(reason) for reason in row["reasons"])),
            )
        console.print(table)
    d = r.day_zero
    if d is not None:
        late = "-" if d.late_rate is None else percent(d.late_rate)
        by_segment = ", ".join(
            f"{word('segment', s)} {number(n)}/{number(t)}"
            for s, (n, t) in d.late_by_segment.items()
        )
        console.print(
            "[bold]"
            + escape(_("Still negotiating on day 0 (TIME-4)"))
            + "[/]: "
            + escape(
                _(
                    "{late} of {decided} decided after their renewal date ({rate}; by segment "
                    "{segments}); {past} open renewals are past their date today"
                ).format(
                    late=number(d.late),
                    decided=number(d.decided),
                    rate=late,
                    segments=by_segment,
                    past=number(d.open_past_date),
                )
            ),
            soft_wrap=True,
        )
    measured = (
        _(
            "attention dropped after signature for {dropped} of {measured} renewals whose "
            "{days} days after have passed (fewer than {ratio} of the touches before)"
        ).format(
            dropped=number(r.attention_dropped),
            measured=number(r.attention_measured),
            days=f.attention_window_days,
            ratio=percent(f.attention_drop_ratio),
        )
        if r.attention_measured
        else _("no renewal's after-signature window has passed yet")
    )
    console.print(
        "[bold]"
        + escape(_("After signature (FUND-9)"))
        + "[/]: "
        + escape(
            _(
                "{followed} of {won} renewals won in the period have an after-signature task; "
                "{measured}"
            ).format(followed=number(r.followed_up), won=number(r.won_recent), measured=measured)
        ),
        soft_wrap=True,
    )
