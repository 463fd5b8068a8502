"""`renewals escalation list|brief|step|decline`: executive escalations (ESC-1, ESC-2)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from renewals.errors import RenewalsError
from renewals.kit import completion
from renewals.kit.cli import (
    console,
    emit_json_lines,
    fail,
    fail_with,
    figure,
    opened,
    parse_as_of,
    state,
)
from renewals.kit.i18n import Text, _, tr, word

app = typer.Typer(
    help="Executive escalations (ESC-1, ESC-2): suggested by `renewals run`, briefed by the "
    "CSM, then four protocol steps.",
    no_args_is_help=True,
)

RenewalArg = Annotated[
    str,
    typer.Argument(autocompletion=completion.renewal_ids, help="The renewal's id, e.g. R-C000123."),
]
By = Annotated[str, typer.Option(help="Who does it (an active user's email; audited).")]
AsOf = Annotated[str | None, typer.Option(help="The business day (YYYY-MM-DD); default today.")]


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[
        str | None,
        typer.Option(help="Only this status: suggested, brief, engaged, follow_through, ..."),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include closed and declined ones.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List escalations, soonest renewal first, with the ESC-2 step each one is at.

    Examples:\n
      renewals escalation list\n
      renewals escalation list --status suggested --json
    """
    from renewals.escalation import domain, service

    with opened(ctx) as session:
        rows: list[dict[str, Any]] = [
            {
                "renewal_id": e.renewal_id,
                "account_id": e.account_id,
                "arr": str(r.current_arr),
                "currency": r.currency,
                "renewal_date": r.renewal_date.isoformat(),
                "status": e.status,
                "step": domain.current_step(e.status),
                "suggested_on": e.suggested_on.isoformat(),
                "executive_email": e.executive_email,
                "reasons": list(e.reasons or []),
            }
            for e, r in service.list_escalations(session, status=status, include_ended=all_)
        ]
    if as_json:
        emit_json_lines(rows)
        return
    if not rows:
        console.print(
            _("No escalations. `renewals run` suggests them for at-risk renewals (ESC-1).")
        )
        return
    table = Table(title=_("Escalations ({n})").format(n=len(rows)))
    for col in (
        _("renewal"),
        _("account"),
        "ARR",
        _("renews"),
        _("status"),
        _("step"),
        _("executive"),
        _("why"),
    ):
        table.add_column(col, overflow="fold")
    for row in rows:
        why = next((r for r in row["reasons"] if "ARR" not in r and "strategic" not in r), "")
        table.add_row(
            row["renewal_id"],
            row["account_id"],
            f"{figure(format(float(row['arr']), ',.0f'))} {row['currency']}",
            row["renewal_date"],
            word("escalation", row["status"]),
            f"{max(row['step'], 0)}/4",
            row["executive_email"] or "-",
            tr(why).removeprefix("ESC-1: "),
        )
    console.print(table)


@app.command()
def brief(
    ctx: typer.Context,
    renewal_id: RenewalArg,
    by: By,
    goal: Annotated[
        str | None, typer.Option(help="What the executive's involvement is for (kept).")
    ] = None,
    html: Annotated[
        Path | None, typer.Option("--html", help="Also write the brief as an HTML file.")
    ] = None,
    as_of: AsOf = None,
) -> None:
    """Write the executive brief (ESC-2 step 1): account history, current problems, save
    plan, goal, talking points and timing. Prints Markdown; --html writes a page to send.

    Examples:\n
      renewals escalation brief R-C000123 --by carl@renewals.example\n
      renewals escalation brief R-C000123 --by carl@renewals.example --html brief.html
    """
    from renewals.db import session_scope
    from renewals.escalation import service
    from renewals.policy.service import PolicyError

    app_state = state(ctx)
    try:
        policy = app_state.policy()
    except PolicyError as exc:
        fail(exc.message)
    day = parse_as_of(as_of)
    try:
        with session_scope(app_state.engine()) as session:
            result = service.brief(
                session,
                renewal_id,
                by=by,
                as_of=day,
                policy=policy,
                goal=goal,
                templates_dir=app_state.settings.templates_dir,
            )
            markdown, page = result.markdown, result.html
    except RenewalsError as exc:
        fail_with(exc)
    if html is not None:
        try:
            html.write_text(page, encoding="utf-8")
        except OSError as exc:
            fail(Text("cannot write {path}: {reason}", path=str(html), reason=exc.strerror or exc))
    console.print(markdown, markup=False, soft_wrap=True)
    if html is not None:
        console.print(_("HTML brief written to {path}").format(path=html))


@app.command()
def step(
    ctx: typer.Context,
    renewal_id: RenewalArg,
    number: Annotated[
        int,
        typer.Argument(
            min=1,
            max=4,
            help="1 brief, 2 executive engages, 3 follow-through, 4 thank and learn.",
        ),
    ],
    by: By,
    executive: Annotated[
        str | None, typer.Option(help="The executive who engages (step 2; an active user).")
    ] = None,
    note: Annotated[
        str, typer.Option(help="Step 3: commitments and updates; step 4: what was learned.")
    ] = "",
    on: AsOf = None,
) -> None:
    """Record an ESC-2 protocol step, in order, with who and when.

    Examples:\n
      renewals escalation step R-C000123 1 --by carl@renewals.example\n
      renewals escalation step R-C000123 2 --executive vera@renewals.example --by carl@renewals.example\n
      renewals escalation step R-C000123 3 --note "roadmap call held; weekly updates" --by carl@renewals.example
    """
    from renewals.db import session_scope
    from renewals.escalation import domain, service
    from renewals.policy.service import PolicyError

    app_state = state(ctx)
    try:
        policy = app_state.policy()
    except PolicyError as exc:
        fail(exc.message)
    day = parse_as_of(on)
    try:
        with session_scope(app_state.engine()) as session:
            row = service.advance_step(
                session,
                renewal_id,
                number,
                by=by,
                on=day,
                policy=policy,
                note=note,
                executive_email=executive,
                templates_dir=app_state.settings.templates_dir,
            )
            title = domain.STEPS[number - 1].title
            console.print(
                _("{renewal}: step {number} ({title}) recorded; now {status}").format(
                    renewal=renewal_id,
                    number=number,
                    title=tr(title),
                    status=word("escalation", row.status),
                )
            )
    except RenewalsError as exc:
        fail_with(exc)


@app.command()
def decline(
    ctx: typer.Context,
    renewal_id: RenewalArg,
    by: By,
    reason: Annotated[str, typer.Option(help="Why no executive is needed.")],
    on: AsOf = None,
) -> None:
    """Decline a suggested escalation, with the reason.

    Example: renewals escalation decline R-C000123 --reason "fixed by the CSM" --by mia@renewals.example
    """
    from renewals.escalation import service

    day = parse_as_of(on)
    with opened(ctx) as session:
        service.decline(session, renewal_id, by=by, on=day, reason=reason)
        console.print(_("{renewal}: escalation declined").format(renewal=renewal_id))
