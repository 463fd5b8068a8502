"""`renewals contract ...`: draft, approve, send for signature, verify (TECH-4)."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from renewals.contract_doc.domain import Status
from renewals.errors import RenewalsError
from renewals.kit import completion
from renewals.kit.cli import console, fail, fail_with, figure, parse_as_of, state
from renewals.kit.i18n import Text, _, tr, word
from renewals.kit.time import utc_now

if TYPE_CHECKING:  # a command imports its slice when it runs (issue 24)
    from renewals.contract_doc.models import ContractDocument

app = typer.Typer(
    help=(
        "Renewal contracts (TECH-4): draft from a proposal or a renewal, internal approval "
        "routed by policy, signing links, executed copies stored with their SHA-256."
    ),
    no_args_is_help=True,
)

STATUS_STYLE = {
    "draft": "dim",
    "pending_approval": "yellow",
    "approved": "cyan",
    "sent": "blue",
    "signed": "green",
    "declined": "red",
    "expired": "magenta",
}

By = Annotated[
    str,
    typer.Option("--by", help="Your email, as in users.csv (an active user).", show_default=False),
]
DocumentId = Annotated[int, typer.Argument(help="The contract number.", show_default=False)]
Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _row(d: ContractDocument) -> dict[str, Any]:
    from renewals.contract_doc import service

    return {
        "id": d.document_id,
        "renewal_id": d.renewal_id,
        "account_id": d.account_id,
        "proposal_id": d.proposal_id,
        "status": d.status,
        "language": d.language,
        "currency": d.currency,
        "annual_value": str(d.annual_value),
        "term_months": d.term_months,
        "required_role": d.required_role,
        "routing": d.routing,
        "terms": d.terms,
        "created_by": d.created_by,
        "created_at": d.created_at.isoformat(),
        "approved_by": d.approved_by,
        "approved_at": d.approved_at and d.approved_at.isoformat(),
        "signer_name": d.signer_name,
        "signer_email": d.signer_email,
        "sent_at": d.sent_at and d.sent_at.isoformat(),
        "expires_at": d.expires_at and d.expires_at.isoformat(),
        "signed_name": d.signed_name,
        "signed_at": d.signed_at and d.signed_at.isoformat(),
        "signed_ip": d.signed_ip,
        "signed_via": d.signed_via,
        "external_id": d.external_id,
        "file_path": d.file_path,
        "sha256": d.sha256,
        "document_sha256": service.document_sha256(d),
        "version": d.version,
    }


def _status(status: str) -> str:
    style = STATUS_STYLE.get(status)
    shown = word("document", status)
    return f"[{style}]{shown}[/]" if style else escape(shown)


def _value(row: dict[str, Any]) -> str:
    return f"{figure(format(Decimal(row['annual_value']), ',.2f'))} {row['currency']}"


def _summary(row: dict[str, Any]) -> None:
    console.print(
        _(
            "Contract [bold]{id}[/] for {renewal} ({account}): {status}, {months} months at "
            "{value} a year, language {language}"
        ).format(
            id=row["id"],
            renewal=row["renewal_id"],
            account=row["account_id"],
            status=_status(row["status"]),
            months=row["term_months"],
            value=_value(row),
            language=row["language"],
        )
    )
    console.print(
        _("Approval by: [bold]{role}[/] or more senior").format(
            role=word("role", row["required_role"])
        )
    )
    for reason in (row["routing"] or {}).get("reasons", []):
        console.print(f"[dim]- {escape(tr(reason))}[/]")


def _decimal(value: str | None, name: str) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value.replace(",", "").replace("_", ""))
    except InvalidOperation:
        fail(Text("{name} must be a number, got {value}", name=name, value=repr(value)), 2)


@app.command("create")
def create_command(
    ctx: typer.Context,
    renewal_id: Annotated[
        str,
        typer.Argument(
            autocompletion=completion.renewal_ids, help="The renewal (R-<contract id>)."
        ),
    ],
    by: By,
    proposal: Annotated[
        int | None,
        typer.Option(
            "--proposal", help="Take price, term and clauses from this proposal's chosen option."
        ),
    ] = None,
    term_months: Annotated[
        int | None,
        typer.Option(
            "--term-months",
            help="Term in months (default: the proposal's, else the current contract's).",
            min=1,
            max=120,
        ),
    ] = None,
    annual_value: Annotated[
        str | None,
        typer.Option(
            "--annual-value",
            help="Annual value (default: the proposal's price, else the current ARR).",
        ),
    ] = None,
    clause: Annotated[
        list[str] | None,
        typer.Option(
            "--clause",
            help=(
                "Repeatable. A standard clause key from the policy (contracts.standard_clauses, "
                "e.g. annual_true_up, price_lock) or custom text (non-standard: routes approval "
                "to contracts.nonstandard_approver_role)."
            ),
        ),
    ] = None,
    as_json: Json = False,
) -> None:
    """Draft the renewal contract from its template, in the account's language.

    The contract is routed for approval at once (TECH-4, CONC-3): a standard one by
    contracts.standard_approver_role; a term outside contracts.standard_term_months or
    a custom clause by contracts.nonstandard_approver_role; a discount against the
    current ARR by the approval matrix role that covers it, unless an approved
    concession covers it already. The routing reasons are printed.

    Examples:\n
      renewals contract create R-initech-2026 --by carl@example.com\n
      renewals contract create R-acme-2026 --proposal 3 --by carl@example.com\n
      renewals contract create R-globex-2026 --term-months 18 --annual-value 39000 \\\n
        --clause annual_true_up --clause "Free onboarding for the new team" --by carl@example.com
    """
    from renewals.contract_doc import service
    from renewals.db import session_scope

    app_state = state(ctx)
    value = _decimal(annual_value, "--annual-value")
    try:
        with session_scope(app_state.engine()) as session:
            doc = service.create(
                session,
                renewal_id,
                by=by,
                policy=app_state.policy(),
                proposal_id=proposal,
                term_months=term_months,
                annual_value=value,
                clauses=list(clause or []),
                templates_dir=app_state.settings.templates_dir,
                vendor=service.vendor_of(app_state.settings),
            )
            row = _row(doc)
    except RenewalsError as exc:
        fail_with(exc)
    if as_json:
        print(json.dumps(row, ensure_ascii=False))
        return
    _summary(row)
    for source in row["terms"].get("sources", []):
        console.print(f"[dim]- {escape(tr(source))}[/]")
    console.print(
        _("Next: {command}").format(command=f"renewals contract submit {row['id']} --by {by}")
    )


@app.command("submit")
def submit_command(ctx: typer.Context, document_id: DocumentId, by: By) -> None:
    """Submit a draft for internal approval (routed again on the current policy)."""
    from renewals.contract_doc import service
    from renewals.db import session_scope

    app_state = state(ctx)
    try:
        with session_scope(app_state.engine()) as session:
            row = _row(service.submit(session, document_id, by=by, policy=app_state.policy()))
    except RenewalsError as exc:
        fail_with(exc)
    _summary(row)


@app.command("approve")
def approve_command(
    ctx: typer.Context,
    document_id: DocumentId,
    by: By,
    note: Annotated[str, typer.Option(help="Kept in the audit log.")] = "",
) -> None:
    """Approve a submitted contract.

    The approver must be an active user whose role is at least the required one in the
    approval matrix (CONC-3), and not the person who drafted it (TECH-4).
    """
    from renewals.contract_doc import service
    from renewals.db import session_scope

    app_state = state(ctx)
    try:
        with session_scope(app_state.engine()) as session:
            doc = service.approve(session, document_id, by=by, policy=app_state.policy(), note=note)
            approved_by, status = doc.approved_by, doc.status
    except RenewalsError as exc:
        fail_with(exc)
    console.print(
        _("Contract {id} {status} by {email}.").format(
            id=document_id, status=_status(status), email=approved_by
        )
    )
    console.print(
        _("Next: {command}").format(command=f"renewals contract send {document_id} --by <you>")
    )


@app.command("decline")
def decline_command(
    ctx: typer.Context,
    document_id: DocumentId,
    by: By,
    reason: Annotated[str, typer.Option(help="Why (kept in the audit log).", show_default=False)],
) -> None:
    """Decline or withdraw a contract before it is signed (its link stops working)."""
    from renewals.contract_doc import service
    from renewals.db import session_scope

    app_state = state(ctx)
    try:
        with session_scope(app_state.engine()) as session:
            status = service.decline(
                session, document_id, by=by, reason=reason, policy=app_state.policy()
            ).status
    except RenewalsError as exc:
        fail_with(exc)
    console.print(_("Contract {id} {status}.").format(id=document_id, status=_status(status)))


@app.command("send")
def send_command(
    ctx: typer.Context,
    document_id: DocumentId,
    by: By,
    signer_name: Annotated[
        str | None,
        typer.Option(help="Who signs for the customer (default: the decision maker, STK-1)."),
    ] = None,
    signer_email: Annotated[str | None, typer.Option(help="The signer's email.")] = None,
    queue: Annotated[
        bool,
        typer.Option(
            "--queue",
            help=(
                "Also queue the link as a customer email in the outbox; it leaves as the "
                "account's message permission allows (TIME-5)."
            ),
        ),
    ] = False,
    as_of: Annotated[
        str | None, typer.Option(help="Business day of the message (YYYY-MM-DD; default today).")
    ] = None,
) -> None:
    """Send an approved contract for signature and print the signing link.

    The link is signed and expires after contracts.signing_link_days; sending again
    (also after it expired) makes a new link and the old one stops working. The
    signer needs no login: the link itself authenticates them.
    """
    from renewals.contract_doc import service
    from renewals.db import session_scope
    from renewals.kit.secrets import secret_key

    day = parse_as_of(as_of)
    app_state = state(ctx)
    settings = app_state.settings
    try:
        with session_scope(app_state.engine()) as session:
            sent = service.send(
                session,
                document_id,
                by=by,
                policy=app_state.policy(),
                settings=settings,
                secret=secret_key(settings),
                as_of=day,
                signer_name=signer_name,
                signer_email=signer_email,
                queue=queue,
            )
            signer = sent.doc.signer_name or sent.doc.signer_email or _("the customer")
    except RenewalsError as exc:
        fail_with(exc)
    console.print(
        _("Contract {id} sent for signature by {signer}; the link works until {when} UTC:").format(
            id=document_id, signer=escape(signer), when=f"{sent.expires_at:%Y-%m-%d %H:%M}"
        )
    )
    for note in sent.notes:
        console.print(f"[dim]- {escape(tr(note))}[/]")
    print(sent.link)
    if sent.message_id is not None:
        console.print(
            _("Outbox message {id}: {status} ({reason})").format(
                id=sent.message_id,
                status=word("message", sent.message_status),
                reason=escape(tr(sent.message_reason or "")),
            )
        )


@app.command("status")
def status_command(
    ctx: typer.Context,
    document_id: DocumentId,
    pdf: Annotated[
        Path | None, typer.Option(help="Write the contract (the executed copy once signed) as PDF.")
    ] = None,
    html: Annotated[Path | None, typer.Option(help="Write it as HTML.")] = None,
    as_json: Json = False,
) -> None:
    """Show a contract: status, routing reasons, signature and its history."""
    from renewals.contract_doc import service
    from renewals.db import session_scope
    from renewals.kit.pdf import html_to_pdf

    app_state = state(ctx)
    try:
        with session_scope(app_state.engine()) as session:
            doc = service.get(session, document_id)
            row = _row(doc)
            events: list[dict[str, Any]] = [
                {"at": e.at.isoformat(), "actor": e.actor, "action": e.action, "detail": e.detail}
                for e in service.history(session, document_id)
            ]
            text = (
                service.executed_html(session, doc, app_state.settings)
                if doc.signed_at
                else doc.html
            )
    except RenewalsError as exc:
        fail_with(exc)
    if html:
        html.write_text(text, encoding="utf-8")
    if pdf:
        try:
            pdf.write_bytes(html_to_pdf(text))
        except RenewalsError as exc:
            fail_with(exc)
    if as_json:
        print(json.dumps({**row, "history": events}, ensure_ascii=False, default=str))
        return
    _summary(row)
    if row["signed_at"]:
        console.print(
            _("Signed by [bold]{name}[/] at {at} from {ip} via {via}").format(
                name=escape(row["signed_name"]),
                at=row["signed_at"],
                ip=row["signed_ip"] or _("unknown address"),
                via=row["signed_via"],
            )
        )
        console.print(
            _("Executed copy: {path} (SHA-256 {sha})").format(
                path=row["file_path"], sha=row["sha256"]
            )
        )
    elif row["sent_at"]:
        console.print(
            _("Sent {at}, link valid until {until}").format(
                at=row["sent_at"], until=row["expires_at"]
            )
        )
    console.print(_("Document SHA-256: {sha}").format(sha=row["document_sha256"]))
    table = Table(_("at (UTC)"), _("who"), _("what"), _("detail"))
    for e in events:
        detail = e["detail"].get("reason") or e["detail"].get("note") or ""
        table.add_row(e["at"][:19], escape(e["actor"]), e["action"], escape(tr(str(detail))))
    console.print(table)
    for path in (html, pdf):
        if path:
            console.print(_("Wrote {path}").format(path=path))


@app.command("list")
def list_command(
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option(help=f"Only this status: {', '.join(Status)}.")
    ] = None,
    renewal_id: Annotated[
        str | None, typer.Option(autocompletion=completion.renewal_ids, help="Only this renewal's.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON Lines.")] = False,
) -> None:
    """List contracts, newest first."""
    from renewals.contract_doc import service
    from renewals.db import session_scope

    app_state = state(ctx)
    try:
        with session_scope(app_state.engine()) as session:
            rows = [
                _row(d)
                for d in service.list_documents(session, status=status, renewal_id=renewal_id)
            ]
    except RenewalsError as exc:
        fail_with(exc)
    if as_json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return
    if not rows:
        console.print(_("No contracts."))
        return
    table = Table(
        _("id"),
        _("renewal"),
        _("status"),
        _("annual value"),
        _("term"),
        _("approval by"),
        _("signed by"),
    )
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["renewal_id"],
            _status(r["status"]),
            _value(r),
            _("{n} mo").format(n=r["term_months"]),
            word("role", r["required_role"]),
            escape(r["signed_name"] or ""),
        )
    console.print(table)


@app.command("verify")
def verify_command(ctx: typer.Context, document_id: DocumentId) -> None:
    """Check the stored executed copy against its recorded SHA-256 (exit 1 if not)."""
    from renewals.contract_doc import service
    from renewals.db import session_scope

    app_state = state(ctx)
    try:
        with session_scope(app_state.engine()) as session:
            result = service.verify(session, document_id)
    except RenewalsError as exc:
        fail_with(exc)
    if not result.ok:
        fail(
            Text(
                "contract {id}: {problem} ({path})",
                id=document_id,
                problem=result.message,
                path=str(result.path) if result.path else Text("no file"),
            )
        )
    console.print(
        "[green]"
        + _("ok")
        + "[/] "
        + _("contract {id}: {path} sha256 {sha}").format(
            id=document_id, path=result.path, sha=result.actual
        )
    )


@app.command("expire")
def expire_command(
    ctx: typer.Context,
    as_of: Annotated[
        str | None,
        typer.Option(help="Expire links that ran out by the end of this day (default: now)."),
    ] = None,
) -> None:
    """Mark sent contracts whose signing link ran out as expired (also a daily-run job)."""
    from renewals.contract_doc import domain, service
    from renewals.db import session_scope

    now = utc_now()
    cutoff = domain.expire_cutoff(parse_as_of(as_of), now) if as_of else now
    app_state = state(ctx)
    try:
        with session_scope(app_state.engine()) as session:
            count = service.expire_links(session, cutoff=cutoff)
    except RenewalsError as exc:
        fail_with(exc)
    console.print(
        (_("{n} signing link expired.") if count == 1 else _("{n} signing links expired.")).format(
            n=count
        )
    )
