"""`renewals source ...`: where data comes in from (docs/sources.md)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from renewals.errors import RenewalsError
from renewals.kit.cli import console, emit_json, fail, fail_with, number, opened, state
from renewals.kit.i18n import Text, _, tr

app = typer.Typer(
    help=(
        "Sources of data: product events over the Segment/RudderStack HTTP API (/v1) with "
        "write keys, the event spool and its quarantine."
    ),
    no_args_is_help=True,
)

By = Annotated[
    str,
    typer.Option("--by", help="Your email (an active admin user): kept in the audit log."),
]


def _admin(session, email: str) -> str:  # type: ignore[no-untyped-def]
    from renewals.errors import Forbidden
    from renewals.user import access
    from renewals.user.domain import Role

    user = access.require_active_user(session, email)
    if user.role != Role.admin:
        raise Forbidden(
            Text("{email} is {role}: only admins manage sources", email=user.email, role=user.role)
        )
    return user.email


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A name for the source, e.g. web-app or mobile.")],
    by: By,
    kind: Annotated[
        str,
        typer.Option(
            help="events: the /v1 tracking API with a write key; warehouse: tables of any "
            "Ibis backend (usage events, accounts, contracts, ...), synced incrementally "
            "(--url, --table, --column, --updated-at)."
        ),
    ] = "events",
    url: Annotated[
        str | None,
        typer.Option(help="warehouse: the Ibis connection, e.g. postgres://user@host/db."),
    ] = None,
    table: Annotated[
        list[str] | None,
        typer.Option(
            "--table",
            help="warehouse: the table or view of usage events (TABLE or events=TABLE), or "
            "of an entity of the import format (accounts=TABLE, contracts=TABLE, users, "
            "stakeholders, tickets, surveys, interactions, goals); repeatable.",
        ),
    ] = None,
    column: Annotated[
        list[str] | None,
        typer.Option(
            "--column",
            help="warehouse: USAGE=COLUMN when the events table names a usage column "
            "differently (account_id, user_id, event, feature, timestamp), or "
            "ENTITY.FIELD=COLUMN for an entity's field (accounts.name=Name); repeatable.",
        ),
    ] = None,
    updated_at: Annotated[
        list[str] | None,
        typer.Option(
            "--updated-at",
            help="warehouse: ENTITY=COLUMN, the entity table's last-modified column "
            "(accounts=LastModifiedDate): each sync reads the rows changed since the last.",
        ),
    ] = None,
) -> None:
    """Add a source. An `events` source gets a write key, printed once (only its hash is
    stored): give it to the Segment or RudderStack client as its write key, with the
    server's address as the client's host / data-plane URL.

    Examples:\n
      renewals source add web-app --by admin@example.com\n
      renewals source add dwh --kind warehouse --url postgres://ro@dwh/analytics
      --table product_events --column timestamp=event_time --by admin@example.com\n
      renewals source add crm --kind warehouse --url postgres://ro@dwh/crm
      --table accounts=Account --column accounts.account_id=Id --column accounts.name=Name
      --updated-at accounts=LastModifiedDate --by admin@example.com
    """
    from renewals.source import service

    config = None
    if kind == "warehouse":
        from renewals.source.entities import entity_config
        from renewals.source.warehouse import config_for

        if not url or not table:
            fail(_("a warehouse source needs --url and --table"), 2)
        events_table: str | None = None
        tables: dict[str, str] = {}
        for t in table:
            key, _sep, value = t.partition("=")
            if not value:
                events_table = key.strip()
            elif key.strip() == "events":
                events_table = value.strip()
            else:
                tables[key.strip()] = value.strip()
        pairs = [c.split("=", 1) for c in column or []]
        stamps = [c.split("=", 1) for c in updated_at or []]
        if any(len(p) != 2 for p in [*pairs, *stamps]):
            fail(
                _(
                    "--column takes USAGE=COLUMN or ENTITY.FIELD=COLUMN, --updated-at "
                    "ENTITY=COLUMN, e.g. --column timestamp=event_time"
                ),
                2,
            )
        usage: dict[str, str] = {}
        fields: dict[str, dict[str, str]] = {}
        for k, v in pairs:
            entity, dot, field_name = k.strip().partition(".")
            if dot:
                fields.setdefault(entity, {})[field_name] = v.strip()
            else:
                usage[k.strip()] = v.strip()
        try:
            entities = entity_config(tables, fields, {k.strip(): v.strip() for k, v in stamps})
            config = config_for(url, events_table, usage, entities)
        except RenewalsError as exc:
            fail_with(exc)
    with opened(ctx) as session:
        raw, source = service.add(session, name, kind=kind, by=_admin(session, by), config=config)
    console.print(
        _("Added source {name} ({kind}).").format(
            name=f"[bold]{escape(source.name)}[/]", kind=source.kind
        )
    )
    if raw:
        console.print(_("Write key (shown once; store it in the client's configuration):"))
        typer.echo(raw)


@app.command("list")
def list_(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print the sources as JSON.")] = False,
) -> None:
    """List the sources: kind, key hint, created, revoked, last events received."""
    from renewals.db import session_scope
    from renewals.source import service

    with session_scope(state(ctx).engine()) as session:
        rows: list[dict[str, Any]] = [
            {
                "name": s.name,
                "kind": s.kind,
                "key_hint": f"{s.key_hint}..." if s.key_hint else None,
                "created_at": s.created_at.isoformat(),
                "created_by": s.created_by,
                "revoked_at": s.revoked_at and s.revoked_at.isoformat(),
                "last_sync_at": s.last_sync_at and s.last_sync_at.isoformat(),
            }
            for s in service.list_sources(session)
        ]
    if as_json:
        emit_json(rows)
        return
    if not rows:
        console.print(_("No sources yet: `renewals source add NAME --by EMAIL`."))
        return
    table = Table(title=_("Sources"))
    for column in (_("name"), _("kind"), _("key"), _("created"), _("by"), _("revoked")):
        table.add_column(column)
    for r in rows:
        table.add_row(
            r["name"],
            r["kind"],
            r["key_hint"] or "",
            r["created_at"][:16],
            r["created_by"],
            (r["revoked_at"] or "")[:16],
        )
    console.print(table)


@app.command("revoke")
def revoke(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The source whose write key to revoke.")],
    by: By,
) -> None:
    """Revoke a source's write key: its requests get 401 from now on (events already
    acknowledged are kept). Add a new source for a new key."""
    from renewals.source import service

    with opened(ctx) as session:
        source = service.revoke(session, name, by=_admin(session, by))
    console.print(_("Revoked the write key of {name}.").format(name=escape(source.name)))


@app.command("compact")
def compact(ctx: typer.Context) -> None:
    """Move acknowledged product events from the spool into the usage store now (the
    worker does it every RENEWALS_WORKER_INGEST_SECONDS). Each event is stored once."""
    from datetime import timedelta

    from renewals.source import service
    from renewals.worker.lock import holder_name, job_lock
    from renewals.worker.settings import WorkerSettings

    app_state = state(ctx)
    settings = app_state.settings
    engine = app_state.engine()
    lease = timedelta(minutes=WorkerSettings().worker_lock_minutes)
    with job_lock(engine, "source.compact", holder=holder_name(), lease=lease) as got:
        if not got:
            fail(_("a worker is compacting the spool right now; try again in a moment"))
        report = service.compact(engine, settings.data_dir, settings.duckdb_memory_limit)
    console.print(tr(report.summary()))


@app.command("sync")
def sync(
    ctx: typer.Context,
    name: Annotated[
        str | None, typer.Argument(help="The warehouse source; default every one.")
    ] = None,
) -> None:
    """Sync warehouse sources now (the worker does it every RENEWALS_WORKER_SYNC_MINUTES):
    only rows past the stored high-water mark are read; unknown accounts are quarantined."""
    from datetime import timedelta

    from renewals.source import warehouse
    from renewals.worker.lock import holder_name, job_lock
    from renewals.worker.settings import WorkerSettings

    app_state = state(ctx)
    settings, engine = app_state.settings, app_state.engine()
    lease = timedelta(minutes=WorkerSettings().worker_lock_minutes)
    with job_lock(engine, "source.sync", holder=holder_name(), lease=lease) as got:
        if not got:
            fail(_("a worker is syncing right now; try again in a moment"))
        try:
            if name:
                reports = [
                    warehouse.sync(engine, name, settings.data_dir, settings.duckdb_memory_limit)
                ]
            else:
                reports = warehouse.sync_all(
                    engine, settings.data_dir, settings.duckdb_memory_limit
                )
        except RenewalsError as exc:
            fail_with(exc)
    for report in reports:
        console.print(tr(report.summary()), markup=False, soft_wrap=True)
    if not reports:
        console.print(_("No warehouse sources: `renewals source add NAME --kind warehouse ...`."))


@app.command("quarantine")
def quarantine(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="Newest rows to list.", min=0, max=1000)] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """The import report of product events: what was quarantined and why (unknown
    accounts, no account, malformed calls), by account, and the newest rows."""
    from renewals.source import service

    settings = state(ctx).settings
    summary = service.quarantine(settings.data_dir, settings.duckdb_memory_limit, limit=limit)
    if as_json:
        emit_json(
            {
                "total": summary.total,
                "by_reason": dict(summary.by_reason),
                "unknown_accounts": dict(summary.by_account),
                "rows": summary.rows,
            }
        )
        return
    if not summary.total:
        console.print(_("The quarantine is empty: every product event found its account."))
        return
    console.print(
        _("{n} product events in quarantine.").format(n=f"[bold]{number(summary.total)}[/]")
    )
    table = Table(title=_("Why"))
    table.add_column(_("reason"))
    table.add_column(_("events"), justify="right")
    for reason, n in summary.by_reason:
        table.add_row(escape(reason), number(n))
    console.print(table)
    if summary.by_account:
        accounts = Table(title=_("Unknown accounts (groupId not in accounts.csv)"))
        accounts.add_column("groupId")
        accounts.add_column(_("events"), justify="right")
        for account, n in summary.by_account:
            accounts.add_row(escape(account), number(n))
        console.print(accounts)
