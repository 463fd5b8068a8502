"""`renewals concession ...`: check, request, approve and report concessions (CONC-1..7)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from renewals.concession.domain import (
    ConcessionKind,
    Evaluation,
    GiveBack,
    Rationale,
    parse_terms,
)
from renewals.errors import RenewalsError
from renewals.kit import completion
from renewals.kit.cli import (
    console,
    fail,
    fail_with,
    figure,
    in_percent,
    opened,
    parse_as_of,
    percent,
    state,
)
from renewals.kit.i18n import Text, _, lazy, tr, word

if TYPE_CHECKING:  # a command imports its slice when it runs (issue 24)
    from renewals.concession.models import Concession, ConcessionStep

app = typer.Typer(
    help=(
        "Concessions (CONC-1..7): discounts and term changes checked against the policy, "
        "approved inside the approval matrix, every step audited."
    ),
    no_args_is_help=True,
)

STATUSES = ("pending", "approved", "declined", "withdrawn")
STATUS_STYLE = {"pending": "yellow", "approved": "green", "declined": "red", "withdrawn": "dim"}

By = Annotated[
    str,
    typer.Option("--by", help="Your email, as in users.csv (an active user).", show_default=False),
]
Note = Annotated[str, typer.Option(help="Why (kept in the approval chain and audit log).")]
RenewalId = Annotated[
    str,
    typer.Option(
        "--renewal-id",
        autocompletion=completion.renewal_ids,
        help="The renewal (R-<contract id>).",
        show_default=False,
    ),
]
Discount = Annotated[
    float, typer.Option("--discount", help="Discount in percent (0-100).", min=0, max=100)
]
RequestedBy = Annotated[
    str,
    typer.Option("--requested-by", help="Who asks (an active user's email).", show_default=False),
]
Kinds = Annotated[
    list[str] | None,
    typer.Option(
        "--kind",
        help=f"Non-price concession, repeatable: {', '.join(k for k in ConcessionKind if k != 'discount')}.",
        show_default=False,
    ),
]
Terms = Annotated[
    list[str] | None,
    typer.Option(
        "--term",
        help=(
            "A concession beyond price and its size, KIND=N, repeatable (CONC-8): "
            "payment_terms=90 (net days), priority_support=6 (months), customisation=8 "
            "(engineering days), easy_exit=30 (days' notice), reduced_scope=20 (% of ARR "
            "removed), multi_year_lock=2 (years), contingent_pricing=15 (% of price). The size "
            "decides who approves it: each kind escalates past its threshold "
            "(`renewals policy show concessions.terms`)."
        ),
        show_default=False,
    ),
]
GiveBackOpt = Annotated[
    str | None,
    typer.Option(
        "--give-back",
        help=f"What the customer gives for a discount (CONC-4): {', '.join(GiveBack)}.",
        show_default=False,
    ),
]
Sunset = Annotated[
    str | None,
    typer.Option(
        "--sunset",
        help='When standard pricing returns (CONC-7), e.g. "year 1 only, list price year 2".',
        show_default=False,
    ),
]
RationaleOpt = Annotated[
    str, typer.Option("--rationale", help="CONC-6 business rationale.", show_default=False)
]
Outcome = Annotated[
    str, typer.Option("--expected-outcome", help="CONC-6 expected outcome.", show_default=False)
]
Alternatives = Annotated[
    str,
    typer.Option("--alternatives", help="CONC-6 alternatives considered.", show_default=False),
]
AsOf = Annotated[str | None, typer.Option(help="Day to evaluate on (YYYY-MM-DD; default today).")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _evaluation_json(e: Evaluation) -> dict[str, Any]:
    return {
        "allowed_for_requester": e.allowed_for_requester,
        "required_approver_role": e.required_approver_role,
        "band": {
            "severity": e.band.severity.value,
            "min": e.band.min,
            "max": e.band.max,
            "within": e.band.within,
        },
        "guide": e.guide.value,
        "warnings": [w.as_record() for w in e.warnings],
        "reasons": list(e.reasons),
        "discount_fit": e.fit.as_record() if e.fit else None,
        "documentation": list(e.documentation),
        "clauses": list(e.clauses),
        "cautions": [w.as_record() for w in e.cautions],
    }


def _kinds(kinds: list[str]) -> str:
    return ", ".join(word("concession", k) for k in kinds)


def _print_evaluation(e: Evaluation) -> None:
    band = e.band
    console.print(
        _(
            "Discount {pct}% ({kinds}): guide [bold]{guide}[/], {severity}-risk band "
            "{low}-{high}% ({position})"
        ).format(
            pct=figure(f"{e.discount_pct:g}"),
            kinds=_kinds(list(e.kinds)),
            guide=word("guide", e.guide.value),
            severity=word("severity", band.severity.value),
            low=figure(f"{band.min:g}"),
            high=figure(f"{band.max:g}"),
            position=word("position", band.position),
        )
    )
    if e.allowed_for_requester:
        console.print("[green]" + _("Within your own authority") + "[/] (CONC-3).")
    else:
        who = (
            word("role", e.required_approver_role)
            if e.required_approver_role
            else _("nobody can approve it")
        )
        console.print(
            _("Needs [bold]{who}[/] approval (CONC-3): do not promise it before then.").format(
                who=who
            )
        )
    if e.fit is not None:
        console.print(f"[bold]{escape(tr(e.fit.line()))}[/]")
    for w in e.warnings:
        style = "bold red" if w.blocking else "yellow"
        label = _("blocks") if w.blocking else _("warning")
        console.print(f"[{style}]{label}[/] {w.rule}: {escape(tr(w.text))}")
    _print_cautions([w.as_record() for w in e.cautions])
    for doc in e.documentation:
        console.print(_("document (CONC-8): {text}").format(text=escape(tr(doc))))
    _print_clauses(list(e.clauses))
    for reason in e.reasons:
        console.print(f"[dim]- {escape(tr(reason))}[/]")


def _print_cautions(cautions: list[dict[str, Any]]) -> None:
    for w in cautions:
        console.print(f"[magenta]{_('caution')}[/] {w['rule']}: {escape(tr(w['text']))}")


def _print_clauses(clauses: list[str]) -> None:
    for clause in clauses:
        console.print(_("clause (CONC-8): {text}").format(text=escape(tr(clause))))


def _row(c: Concession) -> dict[str, Any]:
    return {
        "id": c.concession_id,
        "renewal_id": c.renewal_id,
        "account_id": c.account_id,
        "discount_pct": c.discount_pct,
        "kinds": list(c.kinds),
        "sizes": c.sizes,
        "give_back": c.give_back,
        "sunset_clause": c.sunset_clause,
        "requested_by": c.requested_by,
        "requested_at": c.requested_at.isoformat(),
        "risk_severity": c.risk_severity,
        "required_role": c.required_role,
        "status": c.status,
        "next_approver": c.next_approver_email,
        "decided_by": c.decided_by,
        "decided_at": c.decided_at and c.decided_at.isoformat(),
    }


def _step_row(s: ConcessionStep) -> dict[str, Any]:
    return {
        "at": s.at.isoformat(),
        "actor": s.actor_email,
        "role": s.actor_role,
        "action": s.action,
        "note": s.note,
    }


def _status(status: str) -> str:
    style = STATUS_STYLE.get(status)
    shown = word("concession", status)
    return f"[{style}]{shown}[/]" if style else escape(shown)


def _rationale(rationale: str, outcome: str, alternatives: str) -> Rationale:
    return Rationale(
        business_rationale=rationale,
        expected_outcome=outcome,
        alternatives_considered=alternatives,
    )


@app.command("evaluate")
def evaluate_command(
    ctx: typer.Context,
    renewal_id: RenewalId,
    requested_by: RequestedBy,
    discount: Discount = 0.0,
    kind: Kinds = None,
    term: Terms = None,
    give_back: GiveBackOpt = None,
    sunset: Sunset = None,
    rationale: RationaleOpt = "",
    expected_outcome: Outcome = "",
    alternatives: Alternatives = "",
    as_of: AsOf = None,
    as_json: Json = False,
) -> None:
    """Check a concession against CONC-1..7 without requesting it.

    Prints whether it is within your own authority, the role that must approve it,
    the discount band for the renewal's risk severity, the guide category, and the
    warnings (blocking ones stop a request). Stores nothing.

    Examples:\n
      renewals concession evaluate --renewal-id R-c-0042 --discount 12 --requested-by carl@example.com\n
      renewals concession evaluate --renewal-id R-c-0042 --discount 20 --give-back multi_year \\\n
        --sunset "year 1 only" --kind term_change --requested-by carl@example.com --json
    """
    from renewals.concession import service
    from renewals.db import session_scope

    day = parse_as_of(as_of)
    app_state = state(ctx)
    try:
        with session_scope(app_state.engine()) as session:
            evaluation = service.evaluate_for(
                session,
                renewal_id,
                discount_pct=discount,
                kinds=list(kind or []),
                requested_by=requested_by,
                give_back=give_back,
                sunset_clause=sunset,
                rationale=_rationale(rationale, expected_outcome, alternatives),
                policy=app_state.policy(),
                as_of=day,
                sizes=parse_terms(term or []),
            )
    except RenewalsError as exc:
        fail_with(exc)
    if as_json:
        print(json.dumps(_evaluation_json(evaluation), ensure_ascii=False))
        return
    _print_evaluation(evaluation)


@app.command("request")
def request_command(
    ctx: typer.Context,
    renewal_id: RenewalId,
    requested_by: RequestedBy,
    rationale: RationaleOpt,
    expected_outcome: Outcome,
    alternatives: Alternatives,
    discount: Discount = 0.0,
    kind: Kinds = None,
    term: Terms = None,
    give_back: GiveBackOpt = None,
    sunset: Sunset = None,
    as_of: AsOf = None,
    as_json: Json = False,
) -> None:
    """Request a concession: approved at once within your authority, else routed up.

    The request goes to the first active person up your manager chain whose authority
    covers it (CONC-3); a manager with less authority is passed over. Refused when a
    blocking rule fails: a discount without a give-back (CONC-4), missing rationale,
    expected outcome or alternatives (CONC-6).

    Examples:\n
      renewals concession request --renewal-id R-c-0042 --discount 12 --give-back case_study \\\n
        --sunset "year 1 only" --requested-by carl@example.com \\\n
        --rationale "Budget cut after merger" --expected-outcome "Renews at 12% off, full price 2028" \\\n
        --alternatives "6-month term; reduced scope"
    """
    from renewals.concession import service
    from renewals.db import session_scope

    day = parse_as_of(as_of)
    app_state = state(ctx)
    try:
        with session_scope(app_state.engine()) as session:
            concession = service.request(
                session,
                renewal_id,
                discount_pct=discount,
                kinds=list(kind or []),
                requested_by=requested_by,
                give_back=give_back,
                sunset_clause=sunset,
                rationale=_rationale(rationale, expected_outcome, alternatives),
                policy=app_state.policy(),
                as_of=day,
                sizes=parse_terms(term or []),
            )
            row = _row(concession)
            concession_eval = dict(concession.evaluation or {})
            warnings = list(concession_eval.get("warnings", []))
    except service.ConcessionBlocked as exc:
        _print_evaluation(exc.evaluation)
        fail_with(exc)
    except RenewalsError as exc:
        fail_with(exc)
    if as_json:
        print(
            json.dumps(
                {
                    **row,
                    "warnings": warnings,
                    "sizes": concession_eval.get("sizes") or {},
                    "clauses": concession_eval.get("clauses") or [],
                    "discount_fit": concession_eval.get("discount_fit"),
                    "cautions": concession_eval.get("cautions") or [],
                },
                ensure_ascii=False,
            )
        )
        return
    if row["status"] == "approved":
        console.print(
            _("Concession {id} [green]approved[/]: within {email}'s authority.").format(
                id=row["id"], email=row["requested_by"]
            )
        )
    else:
        console.print(
            _("Concession {id} [yellow]pending[/]: waits for {who} (needs {role}).").format(
                id=row["id"], who=row["next_approver"], role=word("role", row["required_role"])
            )
        )
    fit = concession_eval.get("discount_fit")
    if fit:
        reasons = [*fit["for"], *(Text("against: {reason}", reason=a) for a in fit["against"])]
        console.print(
            "[bold]CONC-9[/]: "
            + _("discount {verdict}: {reasons}").format(
                verdict=word("fit", fit["verdict"]),
                reasons=escape("; ".join(tr(r) for r in reasons) or _("no reason")),
            )
        )
    _print_clauses(concession_eval.get("clauses") or [])
    _print_cautions(concession_eval.get("cautions") or [])
    _print_warnings(warnings)


def _print_warnings(warnings: list[dict[str, Any]]) -> None:
    for w in warnings:
        console.print(f"[yellow]{_('warning')}[/] {w['rule']}: {escape(tr(w['text']))}")


@app.command("approve")
def approve_command(
    ctx: typer.Context,
    concession_id: Annotated[int, typer.Argument(help="The concession id.")],
    by: By,
    note: Note = "",
) -> None:
    """Approve a pending concession (only within your authority, CONC-3).

    Examples:\n
      renewals concession approve 7 --by dora@example.com --note "Multi-year makes it pay"
    """
    from renewals.concession import service
    from renewals.db import session_scope

    app_state = state(ctx)
    try:
        with session_scope(app_state.engine()) as session:
            c = service.approve(session, concession_id, by=by, note=note, policy=app_state.policy())
            row = _row(c)
    except RenewalsError as exc:
        fail_with(exc)
    console.print(
        _("Concession {id} approved by {email}.").format(id=row["id"], email=row["decided_by"])
    )


@app.command("decline")
def decline_command(
    ctx: typer.Context,
    concession_id: Annotated[int, typer.Argument(help="The concession id.")],
    by: By,
    note: Annotated[str, typer.Option(help="Why it is declined (required).", show_default=False)],
) -> None:
    """Decline a pending concession (its next approver, or anyone who could approve it).

    Examples:\n
      renewals concession decline 7 --by dora@example.com --note "Root cause is product fit"
    """
    from renewals.concession import service
    from renewals.db import session_scope

    app_state = state(ctx)
    try:
        with session_scope(app_state.engine()) as session:
            service.decline(session, concession_id, by=by, note=note, policy=app_state.policy())
    except RenewalsError as exc:
        fail_with(exc)
    console.print(_("Concession {id} declined.").format(id=concession_id))


@app.command("forward")
def forward_command(
    ctx: typer.Context,
    concession_id: Annotated[int, typer.Argument(help="The concession id.")],
    by: By,
    to: Annotated[
        str | None,
        typer.Option(help="Who decides next (default: up your manager chain).", show_default=False),
    ] = None,
    note: Note = "",
) -> None:
    """Pass a pending concession to someone who may approve it.

    Examples:\n
      renewals concession forward 7 --by mia@example.com\n
      renewals concession forward 7 --by dora@example.com --to vera@example.com --note "On leave"
    """
    from renewals.concession import service
    from renewals.db import session_scope

    app_state = state(ctx)
    try:
        with session_scope(app_state.engine()) as session:
            c = service.forward(
                session, concession_id, by=by, to=to, note=note, policy=app_state.policy()
            )
            row = _row(c)
    except RenewalsError as exc:
        fail_with(exc)
    console.print(
        _("Concession {id} now waits for {who}.").format(id=row["id"], who=row["next_approver"])
    )


@app.command("list")
def list_command(
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option(help=f"Only this status: {', '.join(STATUSES)}.")
    ] = None,
    approver: Annotated[
        str | None, typer.Option(help="Only those waiting for this person.", show_default=False)
    ] = None,
    renewal_id: Annotated[
        str | None,
        typer.Option(
            "--renewal-id",
            autocompletion=completion.renewal_ids,
            help="Only this renewal's.",
            show_default=False,
        ),
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.", min=1)] = 200,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON Lines.")] = False,
) -> None:
    """List concessions, newest first.

    Examples:\n
      renewals concession list --status pending --approver dora@example.com\n
      renewals concession list --renewal-id R-c-0042 --json
    """
    from renewals.concession import service

    if status is not None and status not in STATUSES:
        fail(
            Text(
                "--status must be one of {choices}, got {value}",
                choices=", ".join(STATUSES),
                value=repr(status),
            ),
            2,
        )
    with opened(ctx) as session:
        rows = [
            _row(c)
            for c in service.list_concessions(
                session, status=status, approver=approver, renewal_id=renewal_id, limit=limit
            )
        ]
    if as_json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return
    table = Table(title=_("Concessions"), title_justify="left")
    columns = (
        _("id"),
        _("renewal"),
        _("discount"),
        _("kinds"),
        _("by"),
        _("status"),
        _("waits for / decided by"),
    )
    for index, column in enumerate(columns):
        table.add_column(column, justify="right" if index in (0, 2) else "left")
    for r in rows:
        table.add_row(
            str(r["id"]),
            escape(r["renewal_id"]),
            in_percent(r["discount_pct"]),
            _kinds(r["kinds"]),
            escape(r["requested_by"]),
            _status(r["status"]),
            escape(r["next_approver"] or r["decided_by"] or ""),
        )
    if rows:
        console.print(table)
    console.print(_("{n} concession(s).").format(n=len(rows)))


@app.command("show")
def show_command(
    ctx: typer.Context,
    concession_id: Annotated[int, typer.Argument(help="The concession id.")],
    as_json: Json = False,
) -> None:
    """Show one concession: what, why (CONC-6), the evaluation and every approval step.

    Examples:\n
      renewals concession show 7\n
      renewals concession show 7 --json
    """
    from renewals.concession import service

    with opened(ctx) as session:
        c = service.get(session, concession_id)
        row = _row(c) | {"rationale": c.rationale, "evaluation": c.evaluation}
        row["steps"] = [_step_row(s) for s in service.steps(session, concession_id)]
    if as_json:
        print(json.dumps(row, ensure_ascii=False, default=str))
        return
    title = _("Concession {id}").format(id=row["id"])
    console.print(
        f"[bold]{title}[/] {escape(row['renewal_id'])}: "
        f"{in_percent(row['discount_pct'])} ({_kinds(row['kinds'])}), "
        f"{_status(row['status'])}"
    )
    facts: list[tuple[object, object]] = [
        (lazy("requested by"), row["requested_by"]),
        (lazy("risk severity"), word("severity", row["risk_severity"])),
        (lazy("needs"), word("role", row["required_role"])),
        (lazy("waits for"), row["next_approver"]),
        (lazy("decided by"), row["decided_by"]),
        (lazy("give-back"), word("giveback", row["give_back"])),
        (lazy("sunset"), row["sunset_clause"]),
        (lazy("business rationale"), row["rationale"].get("business_rationale")),
        (lazy("expected outcome"), row["rationale"].get("expected_outcome")),
        (lazy("alternatives considered"), row["rationale"].get("alternatives_considered")),
        ("ARR", row["rationale"].get("account_arr")),
        (lazy("churn probability"), row["rationale"].get("churn_probability")),
    ]
    for label, value in facts:
        if value not in (None, ""):
            console.print(f"[dim]{label}:[/] {escape(str(value))}")
    _print_clauses(row["evaluation"].get("clauses") or [])
    _print_cautions(row["evaluation"].get("cautions") or [])
    _print_warnings(row["evaluation"].get("warnings", []))
    console.print("[bold]" + _("Steps") + "[/]")
    for s in row["steps"]:
        note = f": {escape(s['note'])}" if s["note"] else ""
        console.print(
            "  "
            + _("{at} {action} by {actor} ({role})").format(
                at=s["at"][:16],
                action=word("step", s["action"]),
                actor=escape(s["actor"]),
                role=word("role", s["role"]),
            )
            + note
        )


@app.command("report")
def report_command(
    ctx: typer.Context,
    as_of: AsOf = None,
    since_days: Annotated[
        int | None,
        typer.Option(
            help="Look back this many days (default concessions.precedent.window_days).", min=1
        ),
    ] = None,
    as_json: Json = False,
) -> None:
    """Precedent report (CONC-7): how often and how much we discount, and the patterns.

    Examples:\n
      renewals concession report\n
      renewals concession report --since-days 180 --json
    """
    from renewals.concession import service
    from renewals.db import session_scope

    day = parse_as_of(as_of)
    try:
        policy = state(ctx).policy()
        with session_scope(state(ctx).engine()) as session:
            report = service.precedent_report(
                session, as_of=day, policy=policy, since_days=since_days
            )
    except RenewalsError as exc:
        fail_with(exc)
    record = report.as_record()
    if as_json:
        print(json.dumps(record, ensure_ascii=False))
        return

    console.print(
        _(
            "Since {since}: {discounted} of {renewals} renewals discounted ({share}), "
            "{discounts} discount(s), average {avg}."
        ).format(
            since=record["since"],
            discounted=record["discounted"],
            renewals=record["renewals"],
            share=percent(record["share"]),
            discounts=record["discounts"],
            avg=in_percent(record["avg_discount_pct"]),
        )
    )
    for title, groups, context in (
        (lazy("By segment"), record["by_segment"], "segment"),
        (lazy("By owner"), record["by_owner"], ""),
    ):
        table = Table(title=str(title), title_justify="left")
        columns = ("", _("renewals"), _("discounted"), _("share"), _("avg discount"))
        for index, column in enumerate(columns):
            table.add_column(column, justify="left" if index == 0 else "right")
        for g in groups:
            table.add_row(
                escape(word(context, g["key"]) if context else g["key"]),
                str(g["renewals"]),
                str(g["discounted"]),
                percent(g["share"]),
                in_percent(g["avg_discount_pct"]),
            )
        if groups:
            console.print(table)
    for flag in record["flags"]:
        console.print(f"[yellow]{flag['rule']}[/] {escape(tr(flag['text']))}")
