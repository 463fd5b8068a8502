"""`renewals saves plan|hours|close` and `renewals saves problem add|update|verify`:
the save plan (SAVE-8..11) and its promises (POST-2), over plan_service.

The lead mounts these on the `saves` sub-app:

    saves_app.command("plan")(plan_commands.plan)
    saves_app.command("hours")(plan_commands.hours)
    saves_app.command("close")(plan_commands.close)
    saves_app.add_typer(plan_commands.problem_app, name="problem")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from renewals.errors import RenewalsError
from renewals.kit import completion
from renewals.kit.cli import (
    console,
    emit_json,
    fail,
    fail_with,
    figure,
    opened,
    parse_as_of,
    parse_date,
    state,
)
from renewals.kit.i18n import Text, _, tr, word

if TYPE_CHECKING:  # a command imports its slice when it runs (issue 24)
    from renewals.save_plan import plan_service
    from renewals.save_plan.models import SaveProblem

problem_app = typer.Typer(
    help="Problems of a save plan (SAVE-8) and their promises (POST-2): add, update, verify.",
    no_args_is_help=True,
)

RenewalArg = Annotated[
    str,
    typer.Argument(autocompletion=completion.renewal_ids, help="The renewal's id, e.g. R-C000123."),
]
ProblemArg = Annotated[int, typer.Argument(help="The problem's id (see `renewals saves plan`).")]
By = Annotated[str, typer.Option(help="Who does it (an active user's email; audited).")]
AsOf = Annotated[str | None, typer.Option(help="The business day (YYYY-MM-DD); default today.")]


def plan(
    ctx: typer.Context,
    renewal_id: RenewalArg,
    by: Annotated[
        str | None, typer.Option(help="Who starts the plan (needed the first time; audited).")
    ] = None,
    fast_fix: Annotated[
        bool | None,
        typer.Option(
            "--fast-fix/--no-fast-fix",
            help="Fast fix (SAVE-9) on or off when starting; default: on in compressed and "
            "emergency windows.",
        ),
    ] = None,
    refresh_guide: Annotated[
        bool, typer.Option(help="Write the conversation guide again from today's facts.")
    ] = False,
    as_of: AsOf = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print everything as JSON.")] = False,
) -> None:
    """Start or show the save plan of an at-risk renewal: its problems in priority order with
    their remediation items (the save contract, SAVE-8), the tactics (SAVE-5/6/9), the
    alternatives (SAVE-9) and the conversation guide (SAVE-10/11).

    The first call starts the plan from the triage of `renewals run` and the evidence
    (signals, tickets); later calls show it unchanged.

    Examples:\n
      renewals saves plan R-C000123 --by carl@renewals.example\n
      renewals saves plan R-C000123 --json | jq '.problems[] | select(.fast_fix)'
    """
    from renewals.db import session_scope
    from renewals.policy.service import PolicyError
    from renewals.save_plan import plan_service

    app_state = state(ctx)
    try:
        policy = app_state.policy()
    except PolicyError as exc:
        fail(exc.message)
    day = parse_as_of(as_of)
    templates_dir = app_state.settings.templates_dir
    started = False
    try:
        with session_scope(app_state.engine()) as session:
            existing = plan_service.find_plan(session, renewal_id)
            if existing is None:
                if not by:
                    fail(
                        Text(
                            "{renewal} has no save plan yet: start it with --by EMAIL",
                            renewal=renewal_id,
                        )
                    )
                plan_service.start_plan(
                    session,
                    renewal_id,
                    by=by,
                    as_of=day,
                    policy=policy,
                    settings_templates_dir=templates_dir,
                    fast_fix=fast_fix,
                )
                started = True
            elif refresh_guide:
                plan_service.refresh_guide(
                    session,
                    renewal_id,
                    by=by or "system",
                    as_of=day,
                    policy=policy,
                    templates_dir=templates_dir,
                )
            report = plan_report(plan_service.view(session, renewal_id))
    except RenewalsError as exc:
        fail_with(exc)
    if as_json:
        emit_json(report)
        return
    if started:
        console.print(_("Started the save plan of {renewal}.").format(renewal=renewal_id))
    elif fast_fix is not None and fast_fix != report["fast_fix"]:
        console.print(
            "[yellow]"
            + _("The plan already exists; --fast-fix only applies when a plan starts.")
            + "[/]"
        )
    _print(report)


def plan_report(view: plan_service.PlanView) -> dict[str, Any]:
    """The plan as plain data (the `--json` output)."""
    p = view.plan
    fast = set(view.fast_fix_ids)
    return {
        "renewal_id": p.renewal_id,
        "account_id": p.account_id,
        "owner_email": p.owner_email,
        "started_on": p.started_on.isoformat(),
        "mode": p.mode,
        "effort": p.effort,
        "fast_fix": p.fast_fix,
        "status": p.status,
        "outcome": p.outcome,
        "closed_on": p.closed_on.isoformat() if p.closed_on else None,
        "effort_hours": p.effort_hours,
        "problems": [_problem_record(row, row.problem_id in fast) for row in view.problems],
        "tactics": p.tactics,
        "alternatives": p.alternatives,
        "conversation_guide": p.conversation_guide,
    }


def _problem_record(row: SaveProblem, fast_fix: bool) -> dict[str, Any]:
    from renewals.save_plan import plan as rules

    return {
        "problem_id": row.problem_id,
        "priority": row.priority,
        "priority_reasons": rules.priority_reasons(row),
        "description": row.description,
        "summary": row.summary,
        "quote": row.quote,
        "source": row.source,
        "source_ref": row.source_ref,
        "frequency": row.frequency,
        "deal_breaker": row.deal_breaker,
        "fixable": row.fixable,
        "quick": row.quick,
        "impact": row.impact,
        "root_cause": row.root_cause,
        "fast_fix": fast_fix,
        "fix": row.fix,
        "owner_email": row.owner_email,
        "due_date": row.due_date.isoformat() if row.due_date else None,
        "success_metric": row.success_metric,
        "status": row.status,
        "completed_on": row.completed_on.isoformat() if row.completed_on else None,
        "communicated_on": row.communicated_on.isoformat() if row.communicated_on else None,
        "verified_on": row.verified_on.isoformat() if row.verified_on else None,
        "verified_note": row.verified_note,
    }


def _words(problem: dict[str, Any]) -> str:
    """A problem in the reader's language, the customer's words as they wrote them."""
    from renewals.save_plan import plan as rules

    return str(
        rules.problem_words(
            problem["description"], problem["source"], problem["summary"], problem["quote"]
        )
    )


def _print(report: dict[str, Any]) -> None:
    fields = {
        "id": report["renewal_id"],
        "account": report["account_id"],
        "mode": word("triage", report["mode"]),
        "effort": word("triage", report["effort"]),
        "started": report["started_on"],
        "status": word("triage", report["status"]),
        "hours": figure(f"{report['effort_hours']:g}"),
    }
    if report["closed_on"]:
        header = (
            _(
                "[bold]Save plan {id}[/] ({account}): {mode} window, {effort} effort, fast fix "
                "on, started {started}, {status}, closed {outcome} on {closed}; {hours} hours "
                "recorded"
            )
            if report["fast_fix"]
            else _(
                "[bold]Save plan {id}[/] ({account}): {mode} window, {effort} effort, fast fix "
                "off, started {started}, {status}, closed {outcome} on {closed}; {hours} hours "
                "recorded"
            )
        )
        fields |= {"outcome": word("triage", report["outcome"]), "closed": report["closed_on"]}
    else:
        header = (
            _(
                "[bold]Save plan {id}[/] ({account}): {mode} window, {effort} effort, fast fix "
                "on, started {started}, {status}; {hours} hours recorded"
            )
            if report["fast_fix"]
            else _(
                "[bold]Save plan {id}[/] ({account}): {mode} window, {effort} effort, fast fix "
                "off, started {started}, {status}; {hours} hours recorded"
            )
        )
    console.print(header.format(**fields))
    table = Table(title=_("Problems, highest priority first (SAVE-8)"))
    for col in (
        _("id"),
        _("prio"),
        _("problem"),
        _("kind"),
        _("status"),
        _("owner"),
        _("due"),
        _("fix / metric"),
    ):
        table.add_column(col, overflow="fold")
    for p in report["problems"]:
        kind = ", ".join(
            label
            for flag, label in (
                (p["fast_fix"], "[bold]" + _("fast fix") + "[/]"),
                (p["deal_breaker"], "[red]" + _("deal-breaker") + "[/]"),
                (not p["fixable"], _("not fixable")),
                (p["quick"], _("quick")),
            )
            if flag
        )
        due = p["due_date"] or _("deferred")
        fix = p["fix"] or "-"
        if p["success_metric"]:
            fix += "\n" + _("metric: {metric}").format(metric=tr(p["success_metric"]))
        status = word("triage", p["status"])
        if p["verified_on"]:
            status += f" {p['verified_on']}"
        table.add_row(
            str(p["problem_id"]),
            figure(f"{p['priority']:g}"),
            _("{description} (x{frequency}, impact {impact})").format(
                description=_words(p), frequency=p["frequency"], impact=p["impact"]
            ),
            kind or "-",
            status,
            p["owner_email"] or "-",
            due,
            fix,
        )
    if report["problems"]:
        console.print(table)
    else:
        console.print(
            _(
                "No problems found in the evidence: add what the customer tells you with {command}."
            ).format(command=f"`renewals saves problem add {report['renewal_id']} ...`")
        )
    console.print("\n[bold]" + _("Tactics") + "[/]")
    for t in report["tactics"]:
        mark = "x" if t.get("done") else " "
        console.print(f"  [{mark}] {tr(t['text'])} ({t['rule']})", markup=False, soft_wrap=True)
    console.print("\n[bold]" + _("Alternatives and contract flexibility (SAVE-9)") + "[/]")
    for a in report["alternatives"]:
        console.print(f"  - {tr(a['text'])}", markup=False, soft_wrap=True)
    console.print("\n[bold]" + _("Conversation guide (SAVE-10/11)") + "[/]\n")
    console.print(report["conversation_guide"], markup=False, soft_wrap=True)


def hours(
    ctx: typer.Context,
    renewal_id: RenewalArg,
    spent: Annotated[float, typer.Argument(help="Hours spent (e.g. 1.5).")],
    by: By,
    note: Annotated[str, typer.Option(help="What the time went on.")] = "",
    on: AsOf = None,
) -> None:
    """Record hours spent on a save (SAVE-7; the save ROI of MET-1).

    Example: renewals saves hours R-C000123 1.5 --by carl@renewals.example --note "exec call"
    """
    from renewals.save_plan import plan_service

    day = parse_as_of(on)
    with opened(ctx) as session:
        p = plan_service.record_hours(session, renewal_id, by=by, hours=spent, on=day, note=note)
        console.print(
            _("{renewal}: {hours} hours recorded, {total} in total").format(
                renewal=renewal_id,
                hours=figure(f"{spent:g}"),
                total=figure(f"{p.effort_hours:g}"),
            )
        )


def close(
    ctx: typer.Context,
    renewal_id: RenewalArg,
    outcome: Annotated[str, typer.Option(help="saved or lost.")],
    by: By,
    on: AsOf = None,
) -> None:
    """Close a save plan as saved or lost (a lost plan's open fast-fix tasks are cancelled).

    Example: renewals saves close R-C000123 --outcome saved --by mia@renewals.example
    """
    from renewals.save_plan import plan_service

    day = parse_as_of(on)
    with opened(ctx) as session:
        p = plan_service.close_plan(session, renewal_id, by=by, outcome=outcome, on=day)
        console.print(
            _("{renewal}: save plan closed as {outcome} on {day}").format(
                renewal=renewal_id, outcome=word("triage", p.outcome), day=p.closed_on
            )
        )


@problem_app.command("add")
def problem_add(
    ctx: typer.Context,
    renewal_id: RenewalArg,
    description: Annotated[str, typer.Option(help="The problem, in the customer's terms.")],
    by: By,
    deal_breaker: Annotated[
        bool, typer.Option("--deal-breaker", help="They will not renew unless it is fixed.")
    ] = False,
    not_fixable: Annotated[
        bool, typer.Option("--not-fixable", help="We cannot fix it (e.g. a missing feature).")
    ] = False,
    quick: Annotated[
        bool, typer.Option("--quick", help="A fix fits the fast-fix window (48-72 hours).")
    ] = False,
    impact: Annotated[int, typer.Option(min=1, max=5, help="Impact on the decision, 1-5.")] = 3,
    frequency: Annotated[int, typer.Option(min=1, help="How often it came up.")] = 1,
    root_cause: Annotated[
        str | None,
        typer.Option(
            help="product_fit, service_experience, value_perception or circumstantial (SAVE-4)."
        ),
    ] = None,
    fix: Annotated[str | None, typer.Option(help="The fix we commit to.")] = None,
    owner: Annotated[str | None, typer.Option(help="Who fixes it (default: plan owner).")] = None,
    due: Annotated[str | None, typer.Option(help="Due date (YYYY-MM-DD).")] = None,
    metric: Annotated[str | None, typer.Option(help="How we know it is solved.")] = None,
    as_of: AsOf = None,
) -> None:
    """Add a problem found by asking the customer, stakeholders or a competitor comparison.

    Example: renewals saves problem add R-C000123 --description "Invoices show the wrong VAT"
    --deal-breaker --quick --impact 4 --by carl@renewals.example
    """
    from renewals.db import session_scope
    from renewals.policy.service import PolicyError
    from renewals.save_plan import plan_service

    app_state = state(ctx)
    try:
        policy = app_state.policy()
    except PolicyError as exc:
        fail(exc.message)
    day = parse_as_of(as_of)
    due_day = parse_date(due, "--due")
    try:
        with session_scope(app_state.engine()) as session:
            row = plan_service.add_problem(
                session,
                renewal_id,
                by=by,
                as_of=day,
                policy=policy,
                description=description,
                deal_breaker=deal_breaker,
                fixable=not not_fixable,
                quick=quick,
                impact=impact,
                frequency=frequency,
                root_cause=root_cause,
                fix=fix,
                owner=owner,
                due=due_day,
                success_metric=metric,
            )
            fast = row.problem_id in plan_service.fast_fix_ids(
                plan_service.get_plan(session, renewal_id)
            )
            console.print(
                (
                    _("problem {id} added: priority {priority}, due {due}, in the fast fix")
                    if fast
                    else _("problem {id} added: priority {priority}, due {due}")
                ).format(
                    id=row.problem_id,
                    priority=figure(f"{row.priority:g}"),
                    due=row.due_date or _("deferred"),
                )
            )
    except RenewalsError as exc:
        fail_with(exc)


@problem_app.command("update")
def problem_update(
    ctx: typer.Context,
    problem_id: ProblemArg,
    by: By,
    status: Annotated[
        str | None, typer.Option(help="open, in_progress, done or dropped (verify: see verify).")
    ] = None,
    fix: Annotated[str | None, typer.Option(help="The fix we commit to.")] = None,
    owner: Annotated[str | None, typer.Option(help="Who fixes it (email).")] = None,
    due: Annotated[str | None, typer.Option(help="Due date (YYYY-MM-DD).")] = None,
    metric: Annotated[str | None, typer.Option(help="How we know it is solved.")] = None,
    communicated: Annotated[
        str | None, typer.Option(help="Day the completion was told to the customer (POST-2).")
    ] = None,
    as_of: AsOf = None,
) -> None:
    """Change a remediation item: status, fix, owner, due date, success metric (SAVE-8).

    Example: renewals saves problem update 12 --status done --fix "patched exporter"
    --by carl@renewals.example
    """
    from renewals.save_plan import plan_service

    day = parse_as_of(as_of)
    with opened(ctx) as session:
        row = plan_service.update_problem(
            session,
            problem_id,
            by=by,
            as_of=day,
            status=status,
            fix=fix,
            owner=owner,
            due=parse_date(due, "--due"),
            success_metric=metric,
            communicated_on=parse_date(communicated, "--communicated"),
        )
        console.print(
            _("problem {id}: {status}, {owner}, due {due}").format(
                id=row.problem_id,
                status=word("triage", row.status),
                owner=row.owner_email or _("no owner"),
                due=row.due_date or _("deferred"),
            )
        )


@problem_app.command("verify")
def problem_verify(
    ctx: typer.Context,
    problem_id: ProblemArg,
    by: By,
    note: Annotated[str, typer.Option(help="Who on the customer's side confirmed what.")],
    on: AsOf = None,
) -> None:
    """Record that the customer confirmed the fix works (SAVE-9 fast fix, POST-2).

    Example: renewals saves problem verify 12 --note "Anna Roe: exports run again"
    --by carl@renewals.example
    """
    from renewals.save_plan import plan_service

    day = parse_as_of(on)
    with opened(ctx) as session:
        row = plan_service.verify_problem(session, problem_id, by=by, verified_on=day, note=note)
        console.print(
            _("problem {id} verified by the customer on {day}").format(
                id=row.problem_id, day=row.verified_on
            )
        )
