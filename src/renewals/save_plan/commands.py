"""`renewals saves`: the save desk from the command line (triage, evidence, overrides)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from renewals.errors import RenewalsError
from renewals.kit import completion
from renewals.kit.cli import (
    console,
    emit_json,
    emit_json_lines,
    fail,
    fail_with,
    figure,
    number,
    opened,
    parse_as_of,
    percent,
    state,
)
from renewals.kit.i18n import Text, _, lazy, tr, word

if TYPE_CHECKING:  # a command imports its slice when it runs (issue 24)
    from renewals.save_plan.models import SaveTriage

app = typer.Typer(
    help="The save desk (SAVE-*, CONC-*, ESC-*, LOST-*, POST-*, MET-*): triage of at-risk "
    "renewals, evidence and overrides, save plans, exits and the save metrics.",
    no_args_is_help=True,
)


def _record(t: SaveTriage) -> dict[str, Any]:
    return {
        "renewal_id": t.renewal_id,
        "account_id": t.account_id,
        "status": t.status,
        "as_of": t.as_of.isoformat(),
        "probability_band": t.probability_band,
        "success_rate": t.success_rate,
        "value_tier": t.value_tier,
        "root_cause": t.root_cause,
        "root_cause_confirmed": t.root_cause_confirmed,
        "time_window": t.time_window,
        "effort": t.effort,
        "expected_value_hours": t.expected_value_hours,
        "reasons": t.reasons,
        "inputs": t.inputs,
        "overrides": t.overrides,
        "facts": t.facts,
    }


@app.command("list")
def list_(
    ctx: typer.Context,
    effort: Annotated[
        str | None, typer.Option(help="Only this effort: full, standard, light, none.")
    ] = None,
    owner: Annotated[str | None, typer.Option(help="Only renewals this person owns.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Open triages, most urgent x valuable first: the SAVE-6 window's urgency x ARR x the
    band's success rate (a large renewal due in days comes first), then soonest renewal.

    Example: renewals saves list --effort full
    """
    from sqlalchemy import select

    from renewals.db import session_scope
    from renewals.renewal.models import Renewal
    from renewals.save_plan.models import SaveTriage
    from renewals.save_plan.triage import priority

    policy = state(ctx).policy()
    with session_scope(state(ctx).engine()) as session:
        query = (
            select(SaveTriage, Renewal.renewal_date, Renewal.owner_email, Renewal.current_arr)
            .join(Renewal, Renewal.renewal_id == SaveTriage.renewal_id)
            .where(SaveTriage.status == "open")
        )
        if effort:
            query = query.where(SaveTriage.effort == effort)
        if owner:
            query = query.where(Renewal.owner_email == owner)
        rows = sorted(
            session.execute(query).all(),
            key=lambda r: (
                -priority(r[0].time_window, float(r[3]), r[0].success_rate, policy),
                r[1],
                r[0].renewal_id,
            ),
        )
        out = [
            {**_record(t), "renewal_date": d.isoformat(), "owner_email": o, "arr": float(arr)}
            for t, d, o, arr in rows[:limit]
        ]
    if as_json:
        emit_json_lines(out)
        return
    if not out:
        console.print(
            _("No open triages: no renewal is at risk (SEG-3), or `renewals run` has not run.")
        )
        return
    table = Table(
        title=_("At-risk renewals ({open} open; {shown} shown)").format(
            open=number(len(rows)), shown=len(out)
        )
    )
    for col in (
        _("renewal"),
        _("renews"),
        "ARR",
        _("band"),
        _("value"),
        _("cause"),
        _("window"),
        _("effort"),
        _("EV h"),
        _("owner"),
    ):
        table.add_column(col)
    for r in out:
        cause = word("triage", r["root_cause"]) + ("" if r["root_cause_confirmed"] else "?")
        table.add_row(
            r["renewal_id"],
            r["renewal_date"],
            number(r["arr"]),
            word("triage", r["probability_band"]),
            word("triage", r["value_tier"]),
            cause,
            word("triage", r["time_window"]),
            word("triage", r["effort"]),
            figure(f"{r['expected_value_hours']:g}"),
            r["owner_email"] or "-",
        )
    console.print(table)
    console.print(
        "[dim]"
        + _("? = root cause suggested, not yet confirmed (`renewals saves evidence`).")
        + "[/]"
    )


@app.command()
def triage(
    ctx: typer.Context,
    renewal_id: Annotated[
        str,
        typer.Argument(
            autocompletion=completion.renewal_ids, help="The renewal (R-<contract id>)."
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Explain a renewal's triage: probability band and the evidence behind it (SAVE-2),
    value tier (SAVE-3), root cause (SAVE-4), time window (SAVE-6), effort (SAVE-5) and
    expected value (SAVE-7), with every override and who made it.

    Example: renewals saves triage R-C0000753
    """
    from renewals.save_plan import service

    with opened(ctx) as session:
        record = _record(service.get(session, renewal_id))
    if as_json:
        emit_json(record)
        return
    _print(record)


def _print(r: dict[str, Any]) -> None:
    console.print(
        _("[bold]{id}[/] save triage ({status}, as of {day}): {days} days to renewal").format(
            id=r["renewal_id"],
            status=word("triage", r["status"]),
            day=r["as_of"],
            days=r["facts"].get("days_to_renewal"),
        )
    )
    table = Table(show_lines=True)
    table.add_column(_("field"), style="cyan", no_wrap=True)
    table.add_column(_("value"), style="bold")
    table.add_column(_("why (rule IDs first)"))
    for key, label in (
        ("probability_band", lazy("probability")),
        ("value_tier", lazy("value")),
        ("root_cause", lazy("root cause")),
        ("time_window", lazy("time window")),
        ("effort", lazy("effort")),
        ("expected_value_hours", lazy("expected value (h)")),
    ):
        value = (
            figure(str(r[key])) if key == "expected_value_hours" else word("triage", str(r[key]))
        )
        if key == "probability_band":
            value += f" ({percent(r['success_rate'])})"
        if key == "root_cause" and not r["root_cause_confirmed"]:
            value += " " + _("(suggested)")
        reasons = "\n".join(tr(x) for x in r["reasons"].get(key, []))
        table.add_row(str(label), escape(value), escape(reasons))
    evidence = "\n".join(tr(x) for x in r["reasons"].get("evidence", []))
    table.add_row(_("evidence"), "", escape(evidence))
    console.print(table)
    if r["inputs"]:
        console.print(
            _("Recorded by people: {inputs}").format(
                inputs=", ".join(f"{k}={v}" for k, v in r["inputs"].items())
            )
        )


@app.command()
def evidence(
    ctx: typer.Context,
    renewal_id: Annotated[
        str,
        typer.Argument(
            autocompletion=completion.renewal_ids, help="The renewal (R-<contract id>)."
        ),
    ],
    by: Annotated[str, typer.Option(help="Who records it (a user's email; audited).")],
    relationship: Annotated[str | None, typer.Option(help="good | strained | damaged")] = None,
    alternative: Annotated[str | None, typer.Option(help="none | evaluating | chosen")] = None,
    budget: Annotated[str | None, typer.Option(help="confirmed | uncertain | none")] = None,
    willingness: Annotated[str | None, typer.Option(help="willing | mixed | checked_out")] = None,
    root_cause: Annotated[
        str | None,
        typer.Option(
            help="Confirm the root cause: product_fit | service_experience | value_perception | circumstantial"
        ),
    ] = None,
    as_of: Annotated[str | None, typer.Option(help="The day it is recorded.")] = None,
) -> None:
    """Record what you learned from the customer (SAVE-2 evidence, SAVE-4 root cause);
    the triage is recomputed at once and on every later run.

    Example: renewals saves evidence R-C0000753 --budget confirmed --root-cause service_experience --by carl@renewals.example
    """
    from renewals.db import session_scope
    from renewals.policy.service import PolicyError
    from renewals.save_plan import service

    given = {
        k: v
        for k, v in {
            "relationship": relationship,
            "alternative": alternative,
            "budget": budget,
            "willingness": willingness,
            "root_cause": root_cause,
        }.items()
        if v
    }
    if not given:
        fail(
            Text(
                "nothing to record: give at least one of --relationship, --alternative, "
                "--budget, --willingness, --root-cause"
            ),
            2,
        )
    app_state = state(ctx)
    try:
        policy = app_state.policy()
        with session_scope(app_state.engine()) as session:
            row = service.record_inputs(
                session, renewal_id, given, by=by, policy=policy, as_of=parse_as_of(as_of)
            )
            record = _record(row)
    except (RenewalsError, PolicyError) as exc:
        fail_with(exc)
    _print(record)


@app.command()
def override(
    ctx: typer.Context,
    renewal_id: Annotated[
        str,
        typer.Argument(
            autocompletion=completion.renewal_ids, help="The renewal (R-<contract id>)."
        ),
    ],
    field: Annotated[
        str,
        typer.Argument(help="probability_band | value_tier | root_cause | time_window | effort"),
    ],
    value: Annotated[str, typer.Argument(help="The value you set.")],
    reason: Annotated[str, typer.Option(help="Why (kept with the triage and in the audit log).")],
    by: Annotated[str, typer.Option(help="Who overrides (a user's email).")],
    as_of: Annotated[str | None, typer.Option(help="The day of the override.")] = None,
) -> None:
    """Override one triage field with a reason; the fields that follow from it (effort,
    expected value) are derived from your value.

    Example: renewals saves override R-C0000753 value_tier high --reason "reference logo" --by mia@renewals.example
    """
    from renewals.db import session_scope
    from renewals.policy.service import PolicyError
    from renewals.save_plan import service

    app_state = state(ctx)
    try:
        policy = app_state.policy()
        with session_scope(app_state.engine()) as session:
            row = service.override(
                session,
                renewal_id,
                field,
                value,
                by=by,
                reason=reason,
                policy=policy,
                as_of=parse_as_of(as_of),
            )
            record = _record(row)
    except (RenewalsError, PolicyError) as exc:
        fail_with(exc)
    _print(record)


def winback_triggers(
    ctx: typer.Context,
    as_of: Annotated[str | None, typer.Option(help="As things stood on this day.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 20,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Win-back triggers of churned accounts (LOST-5), from the data: leadership changed,
    they reached out again, the formal win-back time has come; with the loss reason, since
    "we fixed the cause" is for the team to judge. Most triggers first.

    Example: renewals saves winback triggers
    """
    from dataclasses import asdict

    from renewals.db import session_scope
    from renewals.policy.service import PolicyError
    from renewals.save_plan.winback_triggers import triggers

    app_state = state(ctx)
    try:
        policy = app_state.policy()
        with session_scope(app_state.engine()) as session:
            found = triggers(session, policy, as_of=parse_as_of(as_of))
    except (RenewalsError, PolicyError) as exc:
        fail_with(exc)
    if as_json:
        emit_json([asdict(t) for t in found[:limit]])
        return
    with_any = [t for t in found if t.found]
    console.print(
        _(
            "[bold]Win-back triggers (LOST-5)[/]: {n} of {total} churned accounts show at least one"
        ).format(n=number(len(with_any)), total=number(len(found)))
    )
    for t in with_any[:limit]:
        console.print(
            "  "
            + _("{account} ({contract}, churned {day}, reason {reason}):").format(
                account=t.account_id,
                contract=t.contract_id,
                day=t.churned_on,
                reason=word("reason", t.reason) if t.reason else _("unknown"),
            ),
            markup=False,
        )
        for line in t.found:
            console.print(f"    {tr(line)}", markup=False)


def _mount() -> None:
    """Save plans, exits, debriefs, win-back and the metrics join the same `saves` app."""
    from renewals.save_plan import plan_commands, report_commands

    app.command("plan")(plan_commands.plan)
    app.command("hours")(plan_commands.hours)
    app.command("close")(plan_commands.close)
    app.add_typer(plan_commands.problem_app, name="problem")
    app.command("report")(report_commands.report)
    app.command("exit")(report_commands.exit_)
    app.command("debrief")(report_commands.debrief)
    app.command("lessons")(report_commands.lessons)
    report_commands.winback_app.command("triggers")(winback_triggers)
    app.add_typer(report_commands.winback_app, name="winback")


_mount()


@app.command()
def economics(
    ctx: typer.Context,
    renewal_id: Annotated[
        str | None,
        typer.Argument(autocompletion=completion.renewal_ids, help="One renewal (R-...)."),
    ] = None,
    verdict: Annotated[
        str | None, typer.Option(help="Only this verdict: save, poor, refuse, none.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1)] = 20,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """What each open save costs against what it can bring back (SAVE-1, SAVE-7, LOST-1).

    Success is the triage band's rate capped at 40-60% (save attempts succeed that well at
    best); the cost is the save's hours (at least 3-5x a normal renewal's team hours) at
    the loaded hourly rate; a save that costs more than the account's ARR is refused
    ("50K in resources to save 20K accounts"). Each save is compared with the same hours
    spent on prevention (5-10x easier) and on the book's expansion renewals. Keys:
    save.economics.* (success_ceiling, save_cost_multiplier, prevention_cost_ratio,
    max_cost_to_value), save.effort_hours, roi.loaded_hourly_rate.

    Examples:\n
      renewals saves economics\n
      renewals saves economics --verdict refuse\n
      renewals saves economics R-C000123
    """
    from renewals.db import session_scope
    from renewals.policy.service import PolicyError
    from renewals.save_plan import economics_service

    app_state = state(ctx)
    try:
        policy = app_state.policy()
        with session_scope(app_state.engine()) as session:
            r = economics_service.report(session, policy, renewal_id=renewal_id)
    except (RenewalsError, PolicyError) as exc:
        fail_with(exc)
    rows = [e for e in r.rows if verdict is None or e.verdict.value == verdict]
    rows.sort(key=lambda e: (e.verdict.value != "refuse", -e.arr))
    if as_json:
        from dataclasses import asdict

        emit_json(
            {
                "verdicts": dict(r.verdicts),
                "expansion_arr_per_hour": r.expansion_arr_per_hour,
                "cost": r.cost,
                "expected_arr": r.expected_arr,
                "prevention_arr": r.prevention_arr,
                "refused_cost": r.refused_cost,
                "refused_arr": r.refused_arr,
                "rows": [asdict(e) for e in rows[:limit]],
            }
        )
        return
    if not r.rows:
        if renewal_id:
            fail(Text("no open triage for {renewal}: run `renewals run`", renewal=renewal_id))
        fail(Text("no open triage: run `renewals run`"))
    if renewal_id:
        e = r.rows[0]
        console.print(f"[bold]{e.renewal_id}[/]: {word('economics', e.verdict.value)}")
        for reason in e.reasons:
            console.print(f"  {tr(reason)}", markup=False)
        return
    console.print(
        _(
            "[bold]Save economics[/] of {n} open triages: {verdicts}. Attempts worth it cost "
            "{cost} for {expected} ARR expected back; the same hours on prevention would keep "
            "about {prevention} (SAVE-1, SAVE-7). Refused: {refused_cost} of cost for "
            "{refused_arr} ARR (LOST-1)."
        ).format(
            n=number(len(r.rows)),
            verdicts=", ".join(
                f"{word('economics', k)} {number(v)}" for k, v in sorted(r.verdicts.items())
            ),
            cost=figure(f"{r.cost:,.0f}"),
            expected=figure(f"{r.expected_arr:,.0f}"),
            prevention=figure(f"{r.prevention_arr:,.0f}"),
            refused_cost=figure(f"{r.refused_cost:,.0f}"),
            refused_arr=figure(f"{r.refused_arr:,.0f}"),
        ),
        soft_wrap=True,
    )
    table = Table(
        title=_("Saves ({n}; {shown} shown, refusals first)").format(
            n=number(len(rows)), shown=min(limit, len(rows))
        )
    )
    for key, col in (
        ("renewal", _("renewal")),
        ("ARR", "ARR"),
        ("effort", _("effort")),
        ("p", "p"),
        ("hours", _("hours")),
        ("cost", _("cost")),
        ("expected", _("expected")),
        ("prevention", _("prevention")),
        ("expansion", _("expansion")),
        ("verdict", _("verdict")),
    ):
        table.add_column(
            col, justify="left" if key in ("renewal", "effort", "verdict") else "right"
        )
    for e in rows[:limit]:
        table.add_row(
            e.renewal_id,
            figure(f"{e.arr:,.0f}"),
            word("triage", e.effort),
            figure(f"{e.success_rate:.0%}"),
            f"{figure(f'{e.hours[0]:g}')}-{figure(f'{e.hours[1]:g}')}",
            f"{figure(f'{e.cost[0]:,.0f}')}-{figure(f'{e.cost[1]:,.0f}')}",
            figure(f"{e.expected_arr:,.0f}"),
            figure(f"{e.prevention_arr:,.0f}"),
            "-" if e.expansion_arr is None else figure(f"{e.expansion_arr:,.0f}"),
            word("economics", e.verdict.value),
        )
    console.print(table)
