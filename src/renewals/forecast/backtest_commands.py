"""`renewals forecast backtest`: replay past quarters with an engine and measure the error.

Mounted in the `forecast` sub-app:

    app.command("backtest")(backtest_commands.backtest)
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from renewals.errors import RenewalsError
from renewals.kit.calendar import quarter_of
from renewals.kit.cli import (
    console,
    emit_json,
    fail,
    fail_with,
    figure,
    number,
    parse_date,
    percent,
    progress_bar,
    state,
)
from renewals.kit.i18n import _, ngettext, tr, word
from renewals.kit.time import today

if TYPE_CHECKING:  # a command imports its slice when it runs (issue 24)
    from renewals.forecast.backtest import BacktestReport, CategoryRow


class EngineChoice(StrEnum):
    prior = "prior"
    learned = "learned"


def default_range(day: date) -> tuple[date, date]:
    """The last four whole quarters before the one holding `day`."""
    current = quarter_of(day)
    first = current.start
    for _quarter in range(4):
        first = quarter_of(first - timedelta(days=1)).start
    return first, current.start - timedelta(days=1)


def _money(value: float | None) -> str:
    return "-" if value is None else number(value)


def _pct(value: float | None) -> str:
    return "-" if value is None else percent(value, 1)


def _quarters_table(r: BacktestReport) -> Table:
    table = Table(
        title=_("Backtest ({engine}): forecast vs actual renewed ARR per quarter").format(
            engine=r.engine
        )
    )
    columns = (
        _("quarter"),
        _("as of"),
        _("renewals"),
        _("forecast"),
        _("actual"),
        _("error"),
        "APE",
        _("note"),
    )
    for index, col in enumerate(columns):
        table.add_column(col, justify="left" if index in (0, 1, 7) else "right")
    for q in r.quarters:
        table.add_row(
            q.quarter.key,
            q.as_of.isoformat(),
            number(q.renewals)
            if q.complete
            else _("{closed}/{renewals} closed").format(
                closed=number(q.closed), renewals=number(q.renewals)
            ),
            _money(q.forecast_arr),
            _money(q.actual_arr),
            "-" if q.error is None else figure(f"{q.error:+,.0f}"),
            _pct(q.ape),
            tr(q.note),
        )
    return table


def _category_table(title: str, rows: list[CategoryRow], *, churn: bool) -> Table:
    table = Table(title=title)
    if churn:
        columns = (
            _("category"),
            _("renewals"),
            _("churned"),
            _("churn rate"),
            _("predicted churn rate"),
        )
    else:
        columns = (
            _("category"),
            _("renewals"),
            _("retained"),
            _("renewal rate"),
            _("predicted renewal rate"),
        )
    for index, col in enumerate(columns):
        table.add_column(col, justify="left" if index == 0 else "right")
    for c in rows:
        predicted = c.mean_likelihood
        if churn and predicted is not None:
            predicted = 1 - predicted
        table.add_row(
            word("badge" if churn else "forecast", c.category),
            number(c.renewals),
            number(c.churned if churn else c.retained),
            _pct(c.churn_rate if churn else c.renewal_rate),
            _pct(predicted),
        )
    return table


def backtest(
    ctx: typer.Context,
    date_from: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="Replay the quarters starting on or after this day (default: the last four "
            "whole quarters).",
        ),
    ] = None,
    date_to: Annotated[
        str | None,
        typer.Option("--to", help="...and starting on or before this day."),
    ] = None,
    engine: Annotated[
        EngineChoice,
        typer.Option(
            help="prior: the policy's likelihoods; learned: a model trained, for each quarter, "
            "only on renewals closed before it."
        ),
    ] = EngineChoice.prior,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """How accurate the forecast would have been (TECH-1, LEARN-2): for each past quarter,
    forecast renewed ARR as of its first day (point in time) against the ARR that did
    renew; MAPE over the complete quarters; churn rate per health category and renewal
    rate per forecast category. Reads only. See docs/forecast-backtest.md.

    Examples:\n
      renewals forecast backtest\n
      renewals forecast backtest --from 2025-10-01 --to 2026-09-30\n
      renewals forecast backtest --engine learned --json
    """
    from renewals.db import session_scope
    from renewals.forecast import backtest as rules
    from renewals.policy.service import PolicyError

    app_state = state(ctx)
    start, end = default_range(today())
    start = parse_date(date_from, "--from") or start
    end = parse_date(date_to, "--to") or end
    try:
        policy = app_state.policy()
    except PolicyError as exc:
        fail(exc.message)
    settings = app_state.settings
    try:
        with (
            session_scope(app_state.engine()) as session,
            progress_bar(not as_json) as progress,
        ):
            result = rules.backtest(
                session,
                policy,
                data_dir=settings.data_dir,
                memory_limit=settings.duckdb_memory_limit,
                date_from=start,
                date_to=end,
                engine=engine.value,
                progress=progress,
            )
    except RenewalsError as exc:
        fail_with(exc)
    if as_json:
        emit_json(result.as_dict())
        return
    console.print(_quarters_table(result))
    if result.mape is None:
        console.print(_("MAPE: - (no quarter is complete yet: every renewal due must be closed)"))
    else:
        mape = "MAPE " + percent(result.mape, 1)
        console.print(
            f"[bold]{mape}[/] "
            + ngettext(
                "over {n} complete quarter (forecast = sum of likelihood x ARR; actual = ARR of "
                "the renewals retained)",
                "over {n} complete quarters (forecast = sum of likelihood x ARR; actual = ARR of "
                "the renewals retained)",
                result.complete_quarters,
            ).format(n=number(result.complete_quarters))
        )
    if result.health:
        console.print(
            _category_table(
                _("Health category on the quarter's first day (LEARN-2)"), result.health, churn=True
            )
        )
    if result.forecast:
        console.print(
            _category_table(
                _("Forecast category (TECH-5): observed renewal rate"),
                result.forecast,
                churn=False,
            )
        )
    for note in result.notes:
        console.print(f"- {tr(note)}", markup=False, soft_wrap=True)
