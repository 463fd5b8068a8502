"""`renewals doctor`: check the configuration and say what to fix."""

from __future__ import annotations

from typing import Annotated

import typer

from renewals.kit.cli import console, emit_json, state
from renewals.kit.i18n import _, tr, word

STYLE = {"ok": "green", "warning": "yellow", "error": "red"}


def doctor(
    ctx: typer.Context,
    smtp: Annotated[
        bool,
        typer.Option("--smtp/--no-smtp", help="Connect to the SMTP server (sends nothing)."),
    ] = True,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the findings as a JSON list.")
    ] = False,
) -> None:
    """Check the set-up and say what to fix: database (reachable, schema current), data
    directory (exists, writable, free space), secret key, policy, SMTP (answers, login),
    public URL (absolute, https), worker (reported recently).

    Changes nothing. Exit code 1 when a check finds an error, 0 otherwise (warnings
    included). Run it after installing, after an upgrade, and from monitoring.

    Examples:\n
      renewals doctor\n
      renewals doctor --no-smtp --json
    """
    from dataclasses import asdict

    from renewals.doctor.service import examine

    findings = examine(state(ctx).settings, smtp=smtp)
    if as_json:
        emit_json([asdict(f) | {"level": str(f.level)} for f in findings])
    else:
        from rich.markup import escape
        from rich.table import Table

        table = Table(title="renewals doctor", show_lines=False)
        for column in (_("check"), _("result"), _("finding"), _("what to do")):
            table.add_column(column, overflow="fold")
        for f in findings:
            level = f"[{STYLE[f.level]}]{word('level', str(f.level))}[/]"
            check = word("check", f.check)
            table.add_row(check, level, escape(tr(f.message)), escape(tr(f.fix)))
        console.print(table)
        errors = sum(f.level == "error" for f in findings)
        warnings = sum(f.level == "warning" for f in findings)
        verdict = (
            "[green]" + _("ready") + "[/]"
            if not errors
            else "[red]" + _("{n} error(s) to fix").format(n=errors) + "[/]"
        )
        console.print(_("{verdict}, {n} warning(s)").format(verdict=verdict, n=warnings))
    if any(f.level == "error" for f in findings):
        raise typer.Exit(1)
