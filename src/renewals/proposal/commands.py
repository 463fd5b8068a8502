"""`renewals proposal ...`, `renewals wins ...` and `renewals roi ...` (TECH-3, FUND-5, ROI-1)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from renewals.errors import RenewalsError
from renewals.kit import completion
from renewals.kit.cli import (
    console,
    emit_json_lines,
    fail,
    fail_with,
    figure,
    in_percent,
    parse_as_of,
    parse_date,
    state,
)
from renewals.kit.i18n import Text, _, current, tr, word

if TYPE_CHECKING:  # a command imports its slice when it runs (issue 24)
    from renewals.proposal.models import Proposal, RoiInputs, ValueMoment

app = typer.Typer(
    help=(
        "Proposals (TECH-3): value summary from the account's data (FUND-5, ROI-1) and "
        "good/better/best options (BUN-1, BUN-2, MY-1..4), as HTML and PDF."
    ),
    no_args_is_help=True,
)
wins_app = typer.Typer(
    help="The account's wins log (FUND-5): dated value moments for the value summary.",
    no_args_is_help=True,
)
roi_app = typer.Typer(
    help="The account's ROI inputs (ROI-1): hours saved, loaded rate, revenue, losses prevented.",
    no_args_is_help=True,
)

By = Annotated[
    str,
    typer.Option("--by", help="Your email, as in users.csv (an active user).", show_default=False),
]
AsOf = Annotated[str | None, typer.Option(help="Day to compute on (YYYY-MM-DD; default today).")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]
Account = Annotated[
    str,
    typer.Argument(
        autocompletion=completion.account_ids, help="The account id.", show_default=False
    ),
]


def _money(value: Any, currency: str) -> str:
    if value is None:
        return "-"
    amount = float(value)
    text = f"{amount:,.0f}" if amount == int(amount) else f"{amount:,.2f}"
    return f"{figure(text)} {currency}"


def _row(p: Proposal) -> dict[str, Any]:
    options = p.options.get("options", {})
    return {
        "id": p.proposal_id,
        "renewal_id": p.renewal_id,
        "account_id": p.account_id,
        "as_of": p.as_of.isoformat(),
        "option": p.option,
        "status": p.status,
        "language": p.language,
        "currency": p.currency,
        "prices": {n: o.get("annual_price") for n, o in options.items()},
        "concession_id": p.concession_id,
        "pdf_path": p.pdf_path,
        "pdf_sha256": p.pdf_sha256,
        "created_by": p.created_by,
        "created_at": p.created_at.isoformat(),
    }


def _print_summary(summary: dict[str, Any]) -> None:
    currency = summary["currency"]
    console.print(
        _("[bold]Value summary[/] {account}: term {start} to {end}, ARR {arr}").format(
            account=escape(summary["account"]),
            start=summary["term"]["start"],
            end=summary["term"]["end"],
            arr=_money(summary["arr"], currency),
        )
    )
    usage = summary["usage"]
    for f in usage["figures"]:
        value = figure(format(f["value"], "g"))
        console.print(f"  {word('figure', f['key'])}: {value}  [dim]({escape(tr(f['facts']))})[/]")
    if usage["note"]:
        console.print(f"  [dim]{escape(tr(usage['note']))}[/]")
    wins = summary["wins"]["items"]
    console.print("  " + _("wins this term: {n} (FUND-5)").format(n=len(wins)))
    for w in wins:
        console.print(f"    {w['on']} {escape(w['title'])}")
    if summary["wins"]["note"]:
        console.print(f"  [yellow]{escape(tr(summary['wins']['note']))}[/]")
    goals = summary["goals"]
    console.print(
        "  "
        + _("goals achieved: {achieved} of {total}").format(
            achieved=goals["achieved"], total=goals["total"]
        )
    )
    for f in summary["support"]["figures"]:
        value = figure(str(f["value"]))
        console.print(f"  {word('figure', f['key'])}: {value}  [dim]({escape(tr(f['facts']))})[/]")
    roi = summary["roi"]
    for line in roi["lines"]:
        console.print(
            f"  ROI {word('figure', line['key'])}: {_money(line['value'], currency)}  "
            f"[dim]({escape(tr(line['facts']))})[/]"
        )
    if roi["lines"]:
        console.print(
            "  "
            + _("ROI total {total} = {multiple}x ARR (ROI-1)").format(
                total=_money(roi["total"], currency),
                multiple=figure(str(roi["multiple_of_price"])),
            )
        )
    else:
        console.print(f"  [yellow]{escape(tr(roi['note']))}[/]")


def _print_options(options: dict[str, Any], chosen: str | None) -> None:
    currency = options["currency"]
    table = Table(title=_("Options (BUN-2)"), show_lines=False)
    for col in (
        _("option"),
        _("offered"),
        _("price/year"),
        _("term"),
        _("discount"),
        _("expansion"),
        _("total"),
    ):
        table.add_column(col)
    for name, o in options["options"].items():
        exp = o["expansion"]
        expansion = (
            "+" + _("{n} seats ({arr})").format(n=exp["seats"], arr=_money(exp["arr"], currency))
            if exp and exp["seats"]
            else ("+" + figure(format(exp["pct_of_arr"], "g")) + "% ARR" if exp else "-")
        )
        label = f"[bold]{word('option', name)}[/]" + (" *" if name == chosen else "")
        table.add_row(
            label,
            _("yes") if o["offered"] else "[red]" + _("no") + "[/]",
            _money(o["annual_price"], currency),
            _("{n} months").format(n=o["term_months"]) if o["offered"] else "-",
            in_percent(o["discount_pct"]) if o["discount_pct"] else "-",
            expansion,
            _money(o["total"], currency),
        )
    console.print(table)
    for key, title in (("bundle", "BUN-1"), ("multi_year", "MY-1"), ("approach", "MY-3")):
        d = options[key]
        value = d["value"]
        shown = (
            (_("yes") if value else _("no"))
            if isinstance(value, bool) and current() != "en"
            else word("pricing", str(value))
        )
        console.print(f"[bold]{title}[/] {shown}")
        for reason in d["reasons"]:
            console.print(f"  [dim]- {escape(tr(reason))}[/]")
    for name, o in options["options"].items():
        console.print(f"[bold]{word('option', name)}[/]")
        for reason in o["reasons"]:
            console.print(f"  [dim]- {escape(tr(reason))}[/]")


@app.command("create")
def create_command(
    ctx: typer.Context,
    renewal_id: Annotated[
        str,
        typer.Argument(
            autocompletion=completion.renewal_ids, help="The renewal (R-<contract id>)."
        ),
    ],
    option: Annotated[
        str | None,
        typer.Option(
            help="The option to lead with: good, better or best (default: the richest offered)."
        ),
    ] = None,
    pdf: Annotated[Path | None, typer.Option("--pdf", help="Write the PDF here.")] = None,
    html: Annotated[Path | None, typer.Option("--html", help="Write the HTML here.")] = None,
    by: Annotated[
        str | None,
        typer.Option("--by", help="Who creates it (an active user; default: the renewal owner)."),
    ] = None,
    as_of: AsOf = None,
    as_json: Json = False,
) -> None:
    """Create a proposal: value summary, good/better/best prices with reasons, the document.

    Good is the flat renewal; better adds a modest expansion sized from growth signals;
    best adds the full expansion and a multi-year term (MY-1 candidates only, MY-2
    incentive, MY-3 pricing, MY-4 clauses). At-risk renewals never bundle expansion
    (BUN-1). A discount beyond your authority goes to the approval chain (CONC-3) and the
    proposal waits as needs_approval. The document is in the account's language when a
    template exists (else English). Earlier open proposals of the renewal are superseded.

    Examples:\n
      renewals proposal create R-C0000003 --option better --pdf out.pdf\n
      renewals proposal create R-C0000003 --option best --by carl@example.com --html p.html --json
    """
    from renewals.db import session_scope
    from renewals.proposal import service

    day = parse_as_of(as_of)
    app_state = state(ctx)
    try:
        with session_scope(app_state.engine()) as session:
            proposal = service.create(
                session,
                renewal_id,
                option=option,
                by=by,
                as_of=day,
                policy=app_state.policy(),
                templates_dir=app_state.settings.templates_dir,
                vendor_name=app_state.settings.vendor_name,
            )
            if pdf is not None:
                service.write_pdf(session, proposal, pdf, by=proposal.created_by)
            if html is not None:
                try:
                    html.parent.mkdir(parents=True, exist_ok=True)
                    html.write_text(proposal.html, encoding="utf-8")
                except OSError as exc:
                    raise RenewalsError(
                        Text(
                            "cannot write {path}: {problem}",
                            path=str(html),
                            problem=str(exc.strerror or exc),
                        )
                    ) from exc
            row = _row(proposal)
            summary, options = proposal.value_summary, proposal.options
    except RenewalsError as exc:
        fail_with(exc)
    except OSError as exc:
        fail(Text("cannot write the PDF: {problem}", problem=str(exc.strerror or exc)))
    if as_json:
        print(json.dumps({**row, "value_summary": summary, "options": options}, ensure_ascii=False))
        return
    _print_summary(summary)
    _print_options(options, row["option"])
    status = row["status"]
    console.print(
        _("Proposal {id} ({option}, {language}) [bold]{status}[/]").format(
            id=row["id"],
            option=word("option", row["option"]),
            language=row["language"],
            status=word("proposal", status),
        )
        + (
            _(": concession {id} waits for approval (CONC-3)").format(id=row["concession_id"])
            if status == "needs_approval"
            else ""
        )
    )
    note = options.get("document", {}).get("note")
    if note:
        console.print(f"[yellow]{escape(tr(note))}[/]")
    if pdf is not None:
        console.print(
            _("PDF written to {path} (sha256 {sha})").format(path=pdf, sha=row["pdf_sha256"])
        )
    if html is not None:
        console.print(_("HTML written to {path}").format(path=html))


@app.command("show")
def show_command(
    ctx: typer.Context,
    proposal_id: Annotated[int, typer.Argument(help="The proposal id.")],
    as_json: Json = False,
) -> None:
    """Show a proposal: its options, reasons and status (follows its concession's approval).

    Examples:\n
      renewals proposal show 3
    """
    from renewals.db import session_scope
    from renewals.proposal import service

    app_state = state(ctx)
    try:
        with session_scope(app_state.engine()) as session:
            proposal = service.sync_approval(session, service.get(session, proposal_id))
            row = _row(proposal)
            summary, options = proposal.value_summary, proposal.options
    except RenewalsError as exc:
        fail_with(exc)
    if as_json:
        print(json.dumps({**row, "value_summary": summary, "options": options}, ensure_ascii=False))
        return
    console.print(
        _(
            "Proposal {id} for {renewal} ({account}), as of {day}: {option}, {status}, "
            "{language}, by {by}"
        ).format(
            id=row["id"],
            renewal=row["renewal_id"],
            account=row["account_id"],
            day=row["as_of"],
            option=word("option", row["option"]),
            status=word("proposal", row["status"]),
            language=row["language"],
            by=row["created_by"],
        )
    )
    _print_summary(summary)
    _print_options(options, row["option"])
    if row["pdf_path"]:
        console.print(f"PDF {row['pdf_path']} (sha256 {row['pdf_sha256']})")


@app.command("list")
def list_command(
    ctx: typer.Context,
    renewal: Annotated[str | None, typer.Option("--renewal", help="Only this renewal's.")] = None,
    as_json: Json = False,
) -> None:
    """List proposals, newest first.

    Examples:\n
      renewals proposal list --renewal R-C0000003
    """
    from renewals.db import session_scope
    from renewals.proposal import service

    app_state = state(ctx)
    try:
        with session_scope(app_state.engine()) as session:
            rows = [_row(p) for p in service.list_proposals(session, renewal_id=renewal)]
    except RenewalsError as exc:
        fail_with(exc)
    if as_json:
        emit_json_lines(rows)
        return
    if not rows:
        console.print(_("No proposals."))
        return
    table = Table()
    for col in (
        _("id"),
        _("renewal"),
        _("as of"),
        _("option"),
        _("status"),
        word("option", "good"),
        word("option", "better"),
        word("option", "best"),
        _("by"),
    ):
        table.add_column(col)
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["renewal_id"],
            r["as_of"],
            word("option", r["option"]),
            word("proposal", r["status"]),
            *(_money(r["prices"].get(n), r["currency"]) for n in ("good", "better", "best")),
            r["created_by"],
        )
    console.print(table)


# --- wins ------------------------------------------------------------------------------------


def _win_row(w: ValueMoment) -> dict[str, Any]:
    return {
        "id": w.id,
        "account_id": w.account_id,
        "on": w.on.isoformat(),
        "title": w.title,
        "detail": w.detail,
        "hours_saved": w.hours_saved,
        "revenue": None if w.revenue is None else str(w.revenue),
        "recorded_by": w.recorded_by,
    }


@wins_app.command("add")
def wins_add(
    ctx: typer.Context,
    account: Account,
    on: Annotated[
        str, typer.Option("--on", help="When it happened (YYYY-MM-DD).", show_default=False)
    ],
    title: Annotated[str, typer.Option("--title", help="What was achieved.", show_default=False)],
    by: By,
    detail: Annotated[str, typer.Option(help="More about it.")] = "",
    hours_saved: Annotated[
        float | None, typer.Option("--hours-saved", help="Hours it saved (one-off, ROI-1).", min=0)
    ] = None,
    revenue: Annotated[
        float | None, typer.Option("--revenue", help="Revenue it brought (ROI-1).", min=0)
    ] = None,
) -> None:
    """Record a dated win on the account (FUND-5); it appears in the value summary.

    Examples:\n
      renewals wins add acme --on 2026-05-14 --title "Migrated 10,000 records" \\\n
        --hours-saved 120 --by carl@example.com
    """
    from renewals.db import session_scope
    from renewals.proposal import service

    day = _required_date(on, "--on")
    app_state = state(ctx)
    try:
        with session_scope(app_state.engine()) as session:
            win = service.add_win(
                session,
                account,
                on=day,
                title=title,
                by=by,
                as_of=parse_as_of(None),
                detail=detail,
                hours_saved=hours_saved,
                revenue=revenue,
            )
            row = _win_row(win)
    except RenewalsError as exc:
        fail_with(exc)
    console.print(
        _("Win {id} recorded on {account}: {on} {title}").format(
            id=row["id"], account=account, on=row["on"], title=escape(row["title"])
        )
    )


@wins_app.command("list")
def wins_list(ctx: typer.Context, account: Account, as_json: Json = False) -> None:
    """List the account's wins, oldest first.

    Examples:\n
      renewals wins list acme
    """
    from renewals.db import session_scope
    from renewals.proposal import service

    app_state = state(ctx)
    try:
        with session_scope(app_state.engine()) as session:
            rows = [_win_row(w) for w in service.list_wins(session, account)]
    except RenewalsError as exc:
        fail_with(exc)
    if as_json:
        emit_json_lines(rows)
        return
    if not rows:
        console.print(
            _("No wins recorded on {account} (FUND-5: record them as they happen).").format(
                account=account
            )
        )
        return
    table = Table()
    for col in (_("id"), _("on"), _("title"), _("hours saved"), _("revenue"), _("by")):
        table.add_column(col)
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["on"],
            escape(r["title"]),
            "-" if r["hours_saved"] is None else f"{r['hours_saved']:g}",
            r["revenue"] or "-",
            r["recorded_by"],
        )
    console.print(table)


# --- ROI ---------------------------------------------------------------------------------------


def _roi_row(account: str, r: RoiInputs | None) -> dict[str, Any]:
    if r is None:
        return {"account_id": account}
    return {
        "account_id": account,
        "hours_saved_per_week": r.hours_saved_per_week,
        "loaded_hourly_rate": None if r.loaded_hourly_rate is None else str(r.loaded_hourly_rate),
        "revenue_generated": None if r.revenue_generated is None else str(r.revenue_generated),
        "losses_prevented": None if r.losses_prevented is None else str(r.losses_prevented),
        "qualitative": r.qualitative,
        "source": r.source,
        "updated_by": r.updated_by,
        "updated_at": r.updated_at.isoformat(),
    }


@roi_app.command("set")
def roi_set(
    ctx: typer.Context,
    account: Account,
    by: By,
    hours_per_week: Annotated[
        float | None, typer.Option("--hours-per-week", help="Hours the product saves a week.")
    ] = None,
    rate: Annotated[
        float | None,
        typer.Option(
            "--rate", help="Loaded hourly rate (default: the policy's roi.loaded_hourly_rate)."
        ),
    ] = None,
    revenue: Annotated[
        float | None, typer.Option("--revenue", help="Revenue generated over the term.")
    ] = None,
    losses_prevented: Annotated[
        float | None, typer.Option("--losses-prevented", help="Losses prevented over the term.")
    ] = None,
    note: Annotated[
        str | None, typer.Option("--note", help="Qualitative value, in the customer's words.")
    ] = None,
    source: Annotated[
        str | None, typer.Option("--source", help="Where the figures come from.")
    ] = None,
) -> None:
    """Set the account's ROI inputs (ROI-1); only the values given change. Audited.

    ROI = hours a week x weeks a year x loaded rate + the term's wins' hours x rate +
    revenue generated + losses prevented (10 hours a week at 144/h is about 75,000 a year).

    Examples:\n
      renewals roi set acme --hours-per-week 10 --rate 150 --source "customer survey 2026-10" --by carl@example.com
    """
    from renewals.db import session_scope
    from renewals.proposal import service

    app_state = state(ctx)
    try:
        with session_scope(app_state.engine()) as session:
            row = service.set_roi(
                session,
                account,
                by=by,
                hours_saved_per_week=hours_per_week,
                loaded_hourly_rate=rate,
                revenue_generated=revenue,
                losses_prevented=losses_prevented,
                qualitative=note,
                source=source,
            )
            out = _roi_row(account, row)
    except RenewalsError as exc:
        fail_with(exc)
    console.print(_("ROI inputs of {account} saved.").format(account=account))
    _print_roi(out)


def _print_roi(row: dict[str, Any]) -> None:
    for key in (
        "hours_saved_per_week",
        "loaded_hourly_rate",
        "revenue_generated",
        "losses_prevented",
        "qualitative",
        "source",
        "updated_by",
    ):
        if key in row:
            value = row[key]
            console.print(f"  {key}: {'-' if value in (None, '') else escape(str(value))}")


@roi_app.command("show")
def roi_show(ctx: typer.Context, account: Account, as_json: Json = False) -> None:
    """Show the account's ROI inputs (absent ones fall back to the policy).

    Examples:\n
      renewals roi show acme
    """
    from renewals.db import session_scope
    from renewals.proposal import service

    app_state = state(ctx)
    try:
        with session_scope(app_state.engine()) as session:
            out = _roi_row(account, service.get_roi(session, account))
            rate = app_state.policy().roi.loaded_hourly_rate
    except RenewalsError as exc:
        fail_with(exc)
    if as_json:
        print(json.dumps({**out, "policy_loaded_hourly_rate": str(rate)}, ensure_ascii=False))
        return
    if len(out) == 1:
        console.print(
            _("No ROI inputs on {account}: the policy rate {rate}/h applies (ROI-1).").format(
                account=account, rate=figure(str(rate))
            )
        )
        return
    _print_roi(out)
    if out.get("loaded_hourly_rate") is None:
        console.print(
            "  " + _("(rate: the policy's {rate}/h, ROI-1)").format(rate=figure(str(rate)))
        )


def _required_date(value: str, option: str) -> date:
    day = parse_date(value, option)
    if day is None:
        fail(Text("{option} needs a date (YYYY-MM-DD)", option=option), 2)
    return day
