"""`renewals outbox ...`: see, approve and send the messages the campaign writes (TIME-5)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from renewals.errors import RenewalsError
from renewals.kit import completion
from renewals.kit.cli import console, fail, fail_with, opened, progress_bar, state
from renewals.kit.i18n import Text, _, lazy, tr, word
from renewals.outbox.domain import MessageStatus, PermissionMode

if TYPE_CHECKING:  # a command imports its slice when it runs (issue 24)
    from renewals.outbox.models import OutboxMessage

app = typer.Typer(
    help=(
        "Outbox (TIME-5): customer and internal messages, allowed per account, "
        "approved by people where needed and delivered exactly once."
    ),
    no_args_is_help=True,
)

STATUS_STYLE = {
    MessageStatus.pending_approval: "yellow",
    MessageStatus.approved: "cyan",
    MessageStatus.sending: "cyan",
    MessageStatus.sent: "green",
    MessageStatus.failed: "yellow",
    MessageStatus.dead: "bold red",
    MessageStatus.uncertain: "bold red",
    MessageStatus.blocked: "red",
    MessageStatus.cancelled: "dim",
}

By = Annotated[
    str,
    typer.Option("--by", help="Your email, as in users.csv (an active user).", show_default=False),
]


def _row(m: OutboxMessage, *, full: bool = False) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": m.message_id,
        "created_on": m.created_on.isoformat(),
        "account_id": m.account_id,
        "renewal_id": m.renewal_id,
        "step": m.step,
        "rule": m.rule,
        "audience": m.audience,
        "channel": m.channel,
        "to_address": m.to_address,
        "to_name": m.to_name,
        "language": m.language,
        "subject": m.subject,
        "status": m.status,
        "status_reason": m.status_reason,
        "attempts": m.attempts,
        "next_attempt_at": m.next_attempt_at and m.next_attempt_at.isoformat(),
        "sent_at": m.sent_at and m.sent_at.isoformat(),
        "approved_by": m.approved_by,
    }
    if full:
        row |= {
            "idempotency_key": m.idempotency_key,
            "body": m.body,
            "approved_at": m.approved_at and m.approved_at.isoformat(),
            "last_error": m.last_error,
            "facts": m.facts,
        }
    return row


STATUSES = [str(s) for s in MessageStatus]


def _status(status: str) -> str:
    style = STATUS_STYLE.get(MessageStatus(status)) if status in STATUSES else None
    shown = word("message", status)
    return f"[{style}]{shown}[/]" if style else escape(shown)


@app.command("list")
def list_command(
    ctx: typer.Context,
    status: Annotated[
        str | None,
        typer.Option(help=f"Only this status: {', '.join(MessageStatus)}.", show_default=False),
    ] = None,
    account: Annotated[
        str | None, typer.Option(help="Only this account's messages.", show_default=False)
    ] = None,
    renewal: Annotated[
        str | None, typer.Option(help="Only this renewal's messages.", show_default=False)
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.", min=1)] = 200,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON Lines.")] = False,
) -> None:
    """List outbox messages, newest first, with their status and why they have it.

    Examples:\n
      renewals outbox list --status pending_approval\n
      renewals outbox list --account acc-00042\n
      renewals outbox list --status dead --json
    """
    from renewals.outbox import service

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
            _row(m)
            for m in service.list_messages(
                session, status=status, account_id=account, renewal_id=renewal, limit=limit
            )
        ]
    if as_json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return
    table = Table(title=_("Outbox"), title_justify="left")
    for index, column in enumerate(
        (
            _("id"),
            _("created"),
            _("account"),
            _("step"),
            _("audience"),
            _("to"),
            _("status"),
            _("reason"),
        )
    ):
        table.add_column(column, justify="right" if index == 0 else "left")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["created_on"],
            escape(r["account_id"]),
            escape(r["step"]),
            word("audience", r["audience"]),
            escape(r["to_address"]) if r["to_address"] else "[dim]" + _("none") + "[/]",
            _status(r["status"]),
            escape(tr(r["status_reason"])),
        )
    if rows:
        console.print(table)
    console.print(_("{n} message(s).").format(n=len(rows)))


@app.command("show")
def show_command(
    ctx: typer.Context,
    message_id: Annotated[int, typer.Argument(help="The message id (see `outbox list`).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the message as JSON.")] = False,
) -> None:
    """Show one message in full: recipient, subject, body, status, attempts and errors.

    Examples:\n
      renewals outbox show 42\n
      renewals outbox show 42 --json
    """
    from renewals.outbox import service

    with opened(ctx) as session:
        row = _row(service.get(session, message_id), full=True)
    if as_json:
        print(json.dumps(row, ensure_ascii=False, default=str))
        return
    to = f"{row['to_name']} <{row['to_address']}>" if row["to_name"] else row["to_address"]
    about = _("({audience}, {channel}, {language}) {step} [{rule}] for {account}").format(
        audience=word("audience", row["audience"]),
        channel=row["channel"],
        language=row["language"],
        step=row["step"],
        rule=row["rule"],
        account=row["account_id"],
    ) + (f" / {row['renewal_id']}" if row["renewal_id"] else "")
    title = _("Message {id}").format(id=row["id"])
    console.print(f"[bold]{title}[/] {escape(about)}")
    console.print(
        _("Status: {status}: {reason}").format(
            status=_status(row["status"]), reason=escape(tr(row["status_reason"]))
        )
    )
    recipient = escape(to) if to else "[red]" + _("no recipient") + "[/]"
    console.print(_("To: {to}").format(to=recipient))
    console.print(
        _("Subject: {subject}").format(subject=row["subject"]), highlight=False, markup=False
    )
    console.print("")
    console.print(row["body"], highlight=False, markup=False)
    console.print("")
    facts = [
        (lazy("created"), row["created_on"]),
        (lazy("approved by"), row["approved_by"]),
        (lazy("approved at"), row["approved_at"]),
        (lazy("attempts"), row["attempts"]),
        (lazy("next attempt"), row["next_attempt_at"]),
        (lazy("sent at"), row["sent_at"]),
        (lazy("last error"), row["last_error"]),
        (lazy("key"), row["idempotency_key"]),
    ]
    for label, value in facts:
        if value not in (None, ""):
            console.print(f"[dim]{label}:[/] {escape(str(value))}")


@app.command("approve")
def approve_command(
    ctx: typer.Context,
    message_ids: Annotated[list[int], typer.Argument(help="One or more message ids.")],
    by: By,
) -> None:
    """Approve customer messages waiting for a person; the next `outbox send` delivers them.

    Only pending_approval messages. Allowed: the renewal's or the account's owner,
    their managers (up the manager chain), a director, VP or executive, or an admin.
    All the messages given are approved, or none.

    Examples:\n
      renewals outbox approve 42 --by carl@example.com\n
      renewals outbox approve 42 43 44 --by mia@example.com
    """
    from renewals.outbox import service

    with opened(ctx) as session:
        done = [m.message_id for m in service.approve(session, message_ids, by=by)]
    console.print(
        _("Approved {n} message(s): {ids}.").format(n=len(done), ids=", ".join(map(str, done)))
    )


@app.command("decline")
def decline_command(
    ctx: typer.Context,
    message_id: Annotated[int, typer.Argument(help="The message id.")],
    by: By,
    reason: Annotated[
        str, typer.Option(help="Why it must not be sent (kept with it).", show_default=False)
    ],
) -> None:
    """Decline a customer message waiting for a person: it is cancelled, never sent.

    Examples:\n
      renewals outbox decline 42 --by carl@example.com --reason "Talked to them yesterday"
    """
    from renewals.outbox import service

    with opened(ctx) as session:
        service.decline(session, message_id, by=by, reason=reason)
    console.print(_("Declined message {id}: it will not be sent.").format(id=message_id))


@app.command("retry")
def retry_command(
    ctx: typer.Context,
    message_id: Annotated[int, typer.Argument(help="The message id.")],
    by: By,
) -> None:
    """Put a failed, dead or uncertain message back in the queue with fresh attempts.

    An `uncertain` message may already have arrived (its send was cut off mid-way):
    retry it only after checking with the recipient that it did not.

    Examples:\n
      renewals outbox list --status dead\n
      renewals outbox retry 42 --by carl@example.com
    """
    from renewals.outbox import service

    with opened(ctx) as session:
        service.retry(session, message_id, by=by)
    console.print(
        _("Message {id} is queued again; `renewals outbox send` delivers it.").format(id=message_id)
    )


@app.command("allow")
def allow_command(
    ctx: typer.Context,
    # TIME-5: the mode is a person's deliberate choice, never a default.
    mode: Annotated[
        PermissionMode,
        typer.Option(help="auto, approve_each or never.", case_sensitive=False, show_default=False),
    ],
    by: By,
    reason: Annotated[
        str, typer.Option(help="Why (kept with the permission).", show_default=False)
    ],
    account_id: Annotated[
        str | None,
        typer.Argument(
            autocompletion=completion.account_ids,
            help="The account's id (or give --from with a list).",
            show_default=False,
        ),
    ] = None,
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from",
            help="A file of account ids, one a line (# comments allowed): allow them all.",
            exists=True,
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
) -> None:
    """Set which automated customer messages an account may get (TIME-5).

    `auto`: they leave without a per-message approval; `approve_each`: each waits for
    a person; `never`: none are sent. Without a setting no automated customer message
    leaves without a person's approval: a person allows it per account, once (kept,
    shown by `outbox show`, audited, revocable with another mode). Even with `auto`, a
    message of an at-risk or red renewal waits for a person's approval of that message.
    The account's owner, a manager or above, or an admin may set it. `never` cancels
    the account's queued customer messages; `approve_each` holds those no person
    approved. Internal messages are not affected.

    Examples:\n
      renewals outbox allow acc-00042 --mode never --by carl@example.com --reason "In a dispute"\n
      renewals outbox allow acc-00007 --mode auto --by mia@example.com --reason "Agreed with buyer"\n
      renewals outbox allow --from smb-ok.txt --mode auto --by mia@example.com --reason "Reviewed list"
    """
    from renewals.outbox import service

    if (account_id is None) == (from_file is None):
        fail(Text("give one account id or --from FILE (a list of account ids)"), 2)
    ids = [account_id] if account_id else _ids_from(from_file)  # type: ignore[arg-type]
    with opened(ctx) as session:
        changes = service.set_permissions(session, ids, mode, by=by, reason=reason)
    for change in changes:
        if change.previous:
            line = _("{account}: customer messages {mode} (was {previous}).")
        else:
            line = _("{account}: customer messages {mode}.")
        console.print(
            line.format(
                account=change.account_id,
                mode=word("permission", change.mode),
                previous=word("permission", change.previous),
            )
        )
        if change.cancelled:
            console.print(
                "  "
                + _("Cancelled {n} queued customer message(s).").format(n=len(change.cancelled))
            )
        if change.held:
            console.print(
                "  "
                + _("Holding {n} queued customer message(s) for approval.").format(
                    n=len(change.held)
                )
            )
    if len(changes) > 1:
        console.print(
            _("{n} accounts set to {mode}.").format(n=len(changes), mode=word("permission", mode))
        )


@app.command("allowances")
def allowances_command(
    ctx: typer.Context,
    account_id: Annotated[
        str | None,
        typer.Option("--account", help="Only this account.", show_default=False),
    ] = None,
) -> None:
    """Show the per-account allowances people gave (TIME-5): mode, who, when and why.

    An account not listed has none: each of its customer messages waits for a person.

    Examples:\n
      renewals outbox allowances\n
      renewals outbox allowances --account acc-00007
    """
    from renewals.db import session_scope
    from renewals.outbox import service

    with session_scope(state(ctx).engine()) as session:
        rows = service.list_permissions(session, account_id=account_id)
        table = Table(_("account"), _("mode"), _("set by"), _("set at"), _("reason"))
        for p in rows:
            table.add_row(
                p.account_id,
                word("permission", p.mode),
                p.set_by,
                f"{p.set_at:%Y-%m-%d %H:%M}",
                p.reason,
            )
    if not rows:
        console.print(_("No allowance given: every customer message waits for a person (TIME-5)."))
        return
    console.print(table)


def _ids_from(path: Path) -> list[str]:
    """Account ids from a file, one a line; blank lines and # comments are skipped."""
    ids = []
    for line in path.read_text(encoding="utf-8").splitlines():
        value = line.split("#", 1)[0].strip().split(",", 1)[0].strip()
        if value and value != "account_id":
            ids.append(value)
    return ids


@app.command("send")
def send_command(
    ctx: typer.Context,
    limit: Annotated[
        int | None, typer.Option(help="Send at most this many.", min=1, show_default=False)
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would leave; send nothing.")
    ] = False,
) -> None:
    """Deliver due messages (approved, or failed with their retry due), each exactly once.

    Email goes through RENEWALS_SMTP_HOST/PORT (RENEWALS_SMTP_FROM, _USER, _PASSWORD,
    _STARTTLS); webhook messages to RENEWALS_WEBHOOK_URL. A failure is retried with
    backoff (policy campaign.retry_backoff_minutes, doubling) up to
    campaign.max_attempts, then the message is dead. A send cut off mid-way becomes
    uncertain and is never resent automatically. Safe to run from cron.

    Examples:\n
      renewals outbox send --dry-run\n
      RENEWALS_SMTP_HOST=smtp.example.com renewals outbox send --limit 100
    """
    from pydantic import ValidationError

    from renewals.db import session_scope
    from renewals.outbox import service
    from renewals.outbox.delivery import OutboxSettings, transports_from

    app_state = state(ctx)
    try:
        if dry_run:
            with session_scope(app_state.engine()) as session:
                rows = [_row(m) for m in service.due_messages(session, limit=limit)]
            table = Table(title=_("Would send"), title_justify="left")
            for column in (
                _("id"),
                _("account"),
                _("step"),
                _("audience"),
                _("channel"),
                _("to"),
                _("subject"),
            ):
                table.add_column(column)
            for r in rows:
                table.add_row(
                    str(r["id"]),
                    escape(r["account_id"]),
                    escape(r["step"]),
                    word("audience", r["audience"]),
                    r["channel"],
                    escape(r["to_address"] or ""),
                    escape(r["subject"]),
                )
            if rows:
                console.print(table)
            console.print(
                _("{n} message(s) would be sent (dry run: nothing sent).").format(n=len(rows))
            )
            return
        settings = OutboxSettings()
        policy = app_state.policy()
        engine = app_state.engine()
        with progress_bar() as on_progress:
            report = service.send_due(
                engine,
                policy=policy,
                transports=transports_from(settings),
                limit=limit,
                on_progress=on_progress,
                settings=settings,
            )
    except ValidationError as exc:
        fail(
            Text(
                "invalid outbox settings (RENEWALS_SMTP_*, RENEWALS_WEBHOOK_URL): {reasons}",
                reasons=str(exc),
            )
        )
    except RenewalsError as exc:
        fail_with(exc)
    for result in report.results:
        if result.status not in (MessageStatus.sent, "skipped"):
            console.print(
                "  "
                + _("message {id}: {status}: {detail}").format(
                    id=result.message_id,
                    status=_status(result.status),
                    detail=escape(tr(result.detail)),
                )
            )
    console.print(
        _(
            "Sent {sent}, failed {failed} (will retry), dead {dead}, uncertain {uncertain} "
            "(check by hand), skipped {skipped}."
        ).format(
            sent=report.sent,
            failed=report.failed,
            dead=report.dead,
            uncertain=report.uncertain,
            skipped=report.skipped,
        )
    )
