"""`renewals review`: the quarterly review (LEARN-2) and its decisions; the program (MET-2)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from renewals.errors import RenewalsError
from renewals.kit.cli import console, emit_json, fail_with, parse_as_of, state

app = typer.Typer(
    help="The quarterly review (LEARN-2): what worked, what did not, where renewals stalled, "
    "which risk calls were right, generated from the book; decisions recorded with the "
    "policy key they change. And where the program stands (MET-2).",
    no_args_is_help=True,
)


@app.command()
def quarter(
    ctx: typer.Context,
    which: Annotated[
        str | None,
        typer.Argument(help="The quarter, e.g. 2026-Q3 (default: the last complete one)."),
    ] = None,
    as_of: Annotated[str | None, typer.Option(help="As things stood on this day.")] = None,
    risk: Annotated[
        bool, typer.Option(help="Replay the quarter's risk calls (the forecast backtest).")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Generate the review of a quarter from the book: outcomes against the three quarters
    before (decide from sustained patterns, not one bad quarter), what worked and what did
    not (win and loss reasons, missed signals, fragile wins, library items by outcome),
    where renewals stalled, how the risk calls ended (the quarter's backtest: churn by the
    health category renewals had on its first day), renewals still negotiated on day 0,
    and the decisions recorded for it with whether the policy has them now.

    Examples:\n
      renewals review quarter\n
      renewals review quarter 2026-Q2 --json
    """
    from dataclasses import asdict

    from renewals.db import session_scope
    from renewals.policy.service import PolicyError
    from renewals.review import service

    app_state = state(ctx)
    day = parse_as_of(as_of)
    try:
        policy = app_state.policy()
        q = service.parse_quarter(which, as_of=day)
        with session_scope(app_state.engine()) as session:
            r = service.review(
                session,
                policy,
                quarter=q,
                as_of=day,
                data_dir=app_state.settings.data_dir if risk else None,
                memory_limit=app_state.settings.duckdb_memory_limit,
            )
    except (RenewalsError, PolicyError) as exc:
        fail_with(exc)
    if as_json:
        emit_json(
            {
                "quarter": r.quarter.key,
                "currency": r.currency,
                "outcomes": [
                    {**asdict(o), "renewal_rate": o.renewal_rate, "grr": o.grr} for o in r.outcomes
                ],
                "sustained": r.sustained,
                "worked": r.worked,
                "did_not": r.did_not,
                "stalls": [s.as_dict() for s in r.stalls],
                "risk_calls": r.risk_calls,
                "risk_note": r.risk_note,
                "day_zero": None if r.day_zero is None else asdict(r.day_zero),
                "decisions": r.decisions,
            }
        )
        return
    from renewals.kit.i18n import _, ngettext, tr, word

    # Issue 22: the words in the reader's language; --json stays as it is.
    heading = _("Quarterly review %(quarter)s") % {"quarter": r.quarter.key}
    span = _("%(start)s to %(end)s") % {"start": r.quarter.start, "end": r.quarter.end}
    console.print(f"[bold]{heading}[/] ({span})")
    table = Table(title=_("Outcomes (LEARN-1), this quarter and the three before"))
    columns = (
        _("quarter"),
        _("decided"),
        _("won"),
        _("renewal rate"),
        _("ARR due (%(currency)s)") % {"currency": r.currency},
        "GRR",
    )
    for i, col in enumerate(columns):
        table.add_column(col, justify="left" if i == 0 else "right")
    for o in r.outcomes:
        table.add_row(
            o.quarter,
            f"{o.decided:,}",
            f"{o.won:,}",
            "-" if o.renewal_rate is None else f"{o.renewal_rate:.0%}",
            f"{o.arr_due:,.0f}",
            "-" if o.grr is None else f"{o.grr:.0%}",
        )
    console.print(table)
    for line in r.sustained:
        console.print(tr(line), markup=False)
    for title, lines in ((_("What worked"), r.worked), (_("What did not"), r.did_not)):
        console.print(f"[bold]{title}[/]")
        for line in lines or [_("(nothing recorded)")]:
            console.print(f"  {tr(line)}", markup=False)
    console.print("[bold]" + _("Where renewals stalled (LEARN-2)") + "[/]")
    for s in r.stalls or []:
        stays = ngettext("%(num)s stay", "%(num)s stays", s.renewals) % {"num": s.renewals}
        console.print(
            "  "
            + _("%(stage)s: median %(median)s days against %(planned)s planned (%(stays)s)")
            % {
                "stage": word("stage", s.stage),
                "median": s.median_days,
                "planned": s.planned_days,
                "stays": stays,
            },
            markup=False,
        )
    if not r.stalls:
        console.print("  " + _("no stage stays longer than the policy's stall factor allows"))
    console.print("[bold]" + _("Risk calls (LEARN-2)") + "[/]")
    for row in r.risk_calls:
        rate = row.get("churn_rate")
        console.print(
            "  "
            + _("%(category)s: %(renewals)s renewals, churn %(rate)s")
            % {
                "category": word("badge", row["category"]),
                "renewals": f"{row['renewals']:,}",
                "rate": "-" if rate is None else f"{rate:.0%}",
            },
            markup=False,
        )
    if r.risk_note:
        console.print(f"  {tr(r.risk_note)}", markup=False)
    if r.day_zero is not None and r.day_zero.decided:
        late = _("%(late)s of %(decided)s decided after their renewal date") % {
            "late": f"{r.day_zero.late:,}",
            "decided": f"{r.day_zero.decided:,}",
        }
        console.print(f"[bold]Day 0 (TIME-4)[/]: {late}")
    console.print("[bold]" + _("Decisions (LEARN-2)") + "[/]")
    for d in r.decisions:
        change = (
            f" [{d['rule']}] {d['policy_key']}: {d['from']} -> {d['to']} ({d['status']})"
            if d["policy_key"]
            else ""
        )
        console.print(f"  {d['decided_on']} {d['by']}: {d['decision']}{change}", markup=False)
    if not r.decisions:
        console.print("  " + _("none yet: `renewals review decide` records one"))


@app.command()
def decide(
    ctx: typer.Context,
    which: Annotated[str, typer.Argument(help="The quarter reviewed, e.g. 2026-Q3.")],
    decision: Annotated[str, typer.Option(help="What was decided, in words.")],
    by: Annotated[str, typer.Option(help="Who decided (a user's email; audited).")],
    evidence: Annotated[str | None, typer.Option(help="What in the review led to it.")] = None,
    policy_key: Annotated[
        str | None, typer.Option(help="The policy key it changes, e.g. stages.closing_days.")
    ] = None,
    to: Annotated[str | None, typer.Option(help='The new value, as TOML (0.8, 21, "x").')] = None,
) -> None:
    """Record a decision of the quarterly review, linked to the policy key it changes: the
    new value is checked against the policy now, and the review shows it as pending until
    the effective policy has it (LEARN-2).

    Example:\n
      renewals review decide 2026-Q3 --decision "Start closing earlier" --policy-key stages.closing_days --to 21 --by EMAIL
    """
    from renewals.audit import service as audit
    from renewals.db import session_scope
    from renewals.policy.service import PolicyError
    from renewals.review import service
    from renewals.user import access

    app_state = state(ctx)
    try:
        policy = app_state.policy()
        with session_scope(app_state.engine()) as session:
            access.require_active_user(session, by)
            row = service.decide(
                session, policy, quarter=which, decision=decision, by=by, on=parse_as_of(None),
                evidence=evidence, policy_key=policy_key, to_value=to,
            )  # fmt: skip
            audit.record(
                session,
                actor=by,
                action="review.decide",
                entity="review_decision",
                entity_id=str(row.decision_id),
                detail={"quarter": row.quarter, "policy_key": row.policy_key, "to": row.to_value},
            )
            console.print(
                f"decision {row.decision_id} recorded for {row.quarter}"
                + (
                    f"; {row.policy_key} ({row.rule}) {row.from_value} -> {row.to_value}: set it in "
                    "your policy file (`renewals policy check FILE`)"
                    if row.policy_key
                    else ""
                )
            )
    except (RenewalsError, PolicyError) as exc:
        fail_with(exc)


@app.command("program")
def program_(
    ctx: typer.Context,
    as_of: Annotated[str | None, typer.Option(help="As things stood on this day.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Where the renewal program stands (MET-2): the at-risk capability phases (months 1-3
    criteria, playbooks, concession authority, baseline; 4-6 refine risk, test tactics,
    success rates by segment; 7-12 allocate by ROI, train, feed prevention) and the
    roll-out roadmap (audit, design, a mid-market or SMB pilot, all segments, quarterly
    updates), each milestone judged from the product's own records since the first run.

    Example: renewals review program
    """
    from dataclasses import asdict

    from renewals.db import session_scope
    from renewals.policy.service import PolicyError
    from renewals.review.program import program

    app_state = state(ctx)
    try:
        policy = app_state.policy()
        with session_scope(app_state.engine()) as session:
            p = program(session, policy, as_of=parse_as_of(as_of))
    except (RenewalsError, PolicyError) as exc:
        fail_with(exc)
    if as_json:
        emit_json({"started": p.started, "month": p.month, "phase": p.phase,
                   "milestones": [asdict(m) for m in p.milestones]})  # fmt: skip
        return
    from renewals.kit.i18n import _, tr, word

    # Issue 22: the words in the reader's language (--language, RENEWALS_LANGUAGE, the
    # locale); --json stays as it is.
    started = str(p.started) if p.started else _("not yet (no daily run)")
    console.print(
        "[bold]"
        + _("Renewal program (MET-2)")
        + "[/]: "
        + _("started %(day)s; month %(month)s, phase %(phase)s")
        % {"day": started, "month": p.month, "phase": tr(p.phase)}
    )
    style = {"done": "green", "under way": "yellow", "not yet": "red"}
    table = Table()
    for col in (_("track"), _("months"), _("milestone"), _("status"), _("evidence")):
        table.add_column(col)
    for m in p.milestones:
        status = word("milestone", m.status)
        table.add_row(
            word("track", m.track),
            word("track", m.months),
            tr(m.what),
            f"[{style[m.status]}]{status}[/]",
            tr(m.evidence),
        )
    console.print(table)
