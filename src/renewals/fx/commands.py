"""`renewals fx ...`: the FX rates totals are converted with (docs/currencies.md)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from renewals.kit.cli import console, emit_json, fail, fail_with, figure, number, parse_as_of, state
from renewals.kit.i18n import Text, _, tr

app = typer.Typer(
    help=(
        "Currencies: FX rates (fx_rates.csv or the policy) that convert every total to the "
        "policy's reporting currency (currency.reporting)."
    ),
    no_args_is_help=True,
)


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A CSV file with the columns date, currency, rate.")],
) -> None:
    """Import FX rates: `date,currency,rate` rows, the rate being units of the reporting
    currency per unit of the currency on that date. The whole file is checked first (a bad
    row is reported as file:line:column: reason) and nothing is written on a problem; a
    rate already stored for the same date and currency is replaced. `renewals import DIR`
    imports DIR/fx_rates.csv the same way.

    Examples:\n
      renewals fx import fx_rates.csv
    """
    from renewals.db import session_scope
    from renewals.fx import service

    if not file.is_file():
        fail(Text("{file}: no such file", file=str(file)), 2)
    try:
        with session_scope(state(ctx).engine()) as session:
            count = service.import_rates(session, file)
    except service.FxImportFailed as exc:
        for issue in exc.issues:
            column = f":{issue.column}" if issue.column else ""
            console.print(f"{issue.file}:{issue.line}{column}: {tr(issue.reason)}", markup=False)
        fail(exc.message)
    console.print(_("Imported {n} rates from {file}.").format(n=number(count), file=file.name))


@app.command("show")
def show(
    ctx: typer.Context,
    as_of: Annotated[
        str | None, typer.Option(help="The rates that apply on this date; default today.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the rates as JSON.")] = False,
) -> None:
    """The reporting currency and the rate each known currency converts at on a date."""
    from renewals.db import session_scope
    from renewals.errors import RenewalsError
    from renewals.fx import service

    app_state = state(ctx)
    day: date = parse_as_of(as_of)
    try:
        policy = app_state.policy()
        with session_scope(app_state.engine()) as session:
            table = service.rate_table(session, policy)
    except RenewalsError as exc:
        fail_with(exc)
    rows: dict[str, str | None] = {}
    for currency in table.currencies():
        try:
            rows[currency] = str(table.rate(currency, day))
        except RenewalsError:
            rows[currency] = None
    if as_json:
        emit_json({"reporting": table.reporting, "as_of": day.isoformat(), "rates": rows})
        return
    out = Table(
        title=_("Rates on {day}: {currency} per unit").format(day=day, currency=table.reporting)
    )
    out.add_column(_("currency"))
    out.add_column(_("{currency} per unit").format(currency=table.reporting), justify="right")
    out.add_row(table.reporting, figure(f"{Decimal(1):.4f}"))
    for currency, rate in rows.items():
        out.add_row(currency, figure(f"{Decimal(rate):.4f}") if rate else _("missing"))
    console.print(out)
