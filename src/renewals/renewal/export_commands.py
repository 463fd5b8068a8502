"""`renewals calendar` (an .ics of renewal dates and tasks) and `renewals export renewals`."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from renewals.errors import RenewalsError
from renewals.kit.cli import err_console, fail, fail_with, parse_as_of, state
from renewals.kit.i18n import Text, _, tr
from renewals.kit.time import utc_now


class ExportFormat(StrEnum):
    json = "json"
    csv = "csv"


class _ExportGroup(TyperGroup):
    """Says what can be exported when asked for something else (not just "No such command")."""

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            what = ", ".join(sorted(self.commands))
            fail(
                Text(
                    "cannot export {value}; what can be exported: {what}",
                    value=repr(args[0]),
                    what=what,
                ),
                2,
            )
        return super().resolve_command(ctx, args)


export_app = typer.Typer(
    cls=_ExportGroup,
    help="Export data for other tools (the export contract: docs/export.md).",
    no_args_is_help=True,
)


def _write(data: bytes, output: Path | None) -> None:
    # Bytes, not Rich output: no markup, wrapping or newline translation in a file
    # made with `> renewals.ics`.
    if output is None:
        typer.echo(data, nl=False)
    else:
        try:
            output.write_bytes(data)
        except OSError as exc:
            fail(
                Text("cannot write {path}: {reason}", path=str(output), reason=exc.strerror or exc)
            )


def calendar(
    ctx: typer.Context,
    owner: Annotated[
        str | None,
        typer.Option(metavar="EMAIL", help="Only this user's renewals and tasks (default: all)."),
    ] = None,
    days: Annotated[
        int, typer.Option(min=0, help="Renewal dates and tasks due up to this many days ahead.")
    ] = 180,
    as_of: Annotated[
        str | None, typer.Option(help="The day the window starts (default: today).")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the .ics here (default: standard output)."),
    ] = None,
) -> None:
    """Write an iCalendar (.ics) file of renewal dates and open tasks, to import or
    subscribe to in Google Calendar, Outlook or Apple Calendar. Each renewal date and
    each open task due in the window (overdue ones included) is an all-day event with a
    stable UID, so importing a newer file updates the events instead of duplicating them.
    See docs/calendar.md.

    Examples:\n
      renewals calendar --owner carl@example.com > renewals.ics\n
      renewals calendar --days 90 --as-of 2026-11-24 -o team.ics
    """
    from renewals.db import session_scope
    from renewals.renewal import export
    from renewals.renewal.calendar import build_calendar

    app_state = state(ctx)
    day = parse_as_of(as_of)
    try:
        with session_scope(app_state.engine()) as session:
            events = export.calendar_events(session, owner_email=owner, as_of=day, days=days)
    except RenewalsError as exc:
        fail_with(exc)
    data = build_calendar(events.renewals, events.tasks, owner=events.owner, generated_at=utc_now())
    _write(data, output)
    if output is not None:
        err_console.print(
            _(
                "Wrote {renewals} renewals and {tasks} tasks ({owner}, {start} to {end}) to {path}"
            ).format(
                renewals=len(events.renewals),
                tasks=len(events.tasks),
                owner=tr(events.owner),
                start=day,
                end=day + timedelta(days=days),
                path=output,
            ),
            soft_wrap=True,
            markup=False,
        )


@export_app.command("renewals")
def export_renewals(
    ctx: typer.Context,
    as_of: Annotated[
        str | None,
        typer.Option(help="The day days_to_renewal and overdue tasks count from (default: today)."),
    ] = None,
    format: Annotated[
        ExportFormat, typer.Option("--format", help="json (a list of objects) or csv.")
    ] = ExportFormat.json,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write here (default: standard output)."),
    ] = None,
) -> None:
    """Export every open renewal with its decisions, reasons, health, signals and open
    tasks, one object (JSON) or row (CSV) each, by renewal date. The fields are the
    export contract in docs/export.md.

    Examples:\n
      renewals export renewals > renewals.json\n
      renewals export renewals --as-of 2026-11-24 --format csv -o renewals.csv
    """
    from renewals.db import session_scope
    from renewals.policy.service import PolicyError
    from renewals.renewal import export

    app_state = state(ctx)
    day = parse_as_of(as_of)
    try:
        policy = app_state.policy()
    except PolicyError as exc:
        fail(exc.message)
    try:
        with session_scope(app_state.engine()) as session:
            rows = export.export_rows(session, as_of=day, policy=policy)
    except RenewalsError as exc:
        fail_with(exc)
    text = export.to_csv(rows) if format is ExportFormat.csv else export.to_json(rows)
    _write(text.encode("utf-8"), output)
    if output is not None:
        err_console.print(
            _("Exported {n} open renewals ({format}) to {path}").format(
                n=len(rows), format=format.value, path=output
            ),
            soft_wrap=True,
            markup=False,
        )
