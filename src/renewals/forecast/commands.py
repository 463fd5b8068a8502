"""`renewals forecast`: the renewal forecast and revenue retention (TECH-1, TECH-5, FUND-2),
and the owners' overrides. Mounted in the root app:

    app.add_typer(forecast_commands.app, name="forecast")

Without a subcommand it prints the forecast table and the retention trend; the
subcommands record, withdraw and list owners' calls.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from renewals.errors import RenewalsError
from renewals.forecast.domain import CATEGORIES, AgainstTarget, Retention
from renewals.kit import completion
from renewals.kit.cli import console, emit_json, fail, fail_with, parse_as_of, state
from renewals.policy.domain import Policy

if TYPE_CHECKING:  # a command imports its slice when it runs (issue 24)
    from renewals.forecast.service import (
        ForecastReport,
        OverrideAccuracy,
        OverrideRow,
        RetentionReport,
    )

app = typer.Typer(rich_markup_mode="rich")  # help: the callback's docstring


class By(StrEnum):
    segment = "segment"
    owner = "owner"
    month = "month"
    quarter = "quarter"
    category = "category"


class CategoryChoice(StrEnum):
    commit = "commit"
    probable = "probable"
    at_risk = "at_risk"
    lost = "lost"


AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _policy(ctx: typer.Context) -> Policy:
    from renewals.policy.service import PolicyError

    try:
        return state(ctx).policy()
    except PolicyError as exc:
        fail(exc.message)


def _money(value: object) -> str:
    return f"{value:,.0f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _target(a: AgainstTarget) -> str:
    if a.met is None or a.gap is None:
        return "-"
    points = f"{a.gap * 100:+.1f} pts"
    return f"[green]{points}[/]" if a.met else f"[red]{points}[/]"


# --- the forecast -----------------------------------------------------------------------------


def _forecast_table(r: ForecastReport) -> Table:
    window = f", renewals to {r.days} days out" if r.days is not None else ""
    table = Table(
        title=f"Renewal forecast (TECH-5) of {r.snapshot_as_of} by {r.by}{window}, in {r.currency}"
    )
    headers = (
        r.by,
        "renewals",
        "ARR",
        "expected",
        "w/ overrides",
        *(c.replace("_", " ") for c in CATEGORIES),
        "at-risk ARR",
    )
    for col in headers:
        table.add_column(col, justify="left" if col == r.by else "right")
    for g in [*r.groups, r.total]:
        is_total = g is r.total
        table.add_row(
            "[bold]total[/]" if is_total else g.key,
            f"{g.renewals:,}",
            _money(g.arr),
            _money(g.expected_arr),
            _money(g.expected_arr_with_overrides) + (f" ({g.overrides})" if g.overrides else ""),
            *(f"{g.categories[c].renewals:,}" for c in CATEGORIES),
            _money(g.at_risk_arr),
            end_section=g is r.groups[-1] if r.groups else False,
        )
    return table


def _retention_table(r: RetentionReport) -> Table:
    table = Table(
        title=f"Revenue retention (FUND-2) by quarter of renewal, outcomes known by {r.as_of}, "
        f"in {r.currency}"
    )
    for col in (
        "quarter",
        "closed",
        "starting ARR",
        "GRR",
        "NRR",
        "renewal rate",
        "rate by ARR",
        f"NRR vs {r.target:.0%}",
        "undecided",
    ):
        table.add_column(col, justify="left" if col == "quarter" else "right")

    def row(label: str, q_r: Retention, against: AgainstTarget, *, end: bool = False) -> None:
        table.add_row(
            label,
            f"{q_r.contracts:,}",
            _money(q_r.starting_arr),
            _pct(q_r.grr),
            _pct(q_r.nrr),
            _pct(q_r.renewal_rate_count),
            _pct(q_r.renewal_rate_arr),
            _target(against),
            f"{q_r.undecided:,}" if q_r.undecided else "",
            end_section=end,
        )

    for k, q in enumerate(r.history):
        row(q.quarter.key, q.retention, q.against, end=k == len(r.history) - 1)
    row("[bold]last 4 quarters[/]", r.trailing, r.trailing_against)
    return table


def _forward_table(r: RetentionReport) -> Table:
    table = Table(title=f"Expected retention (TECH-1), forecast of {r.snapshot_as_of}")
    for col in (
        "quarter",
        "closed",
        "open",
        "starting ARR",
        "expected GRR",
        "expected NRR",
        "w/ overrides",
        f"NRR vs {r.target:.0%}",
    ):
        table.add_column(col, justify="left" if col == "quarter" else "right")
    for q in r.forward:
        e = q.expected
        table.add_row(
            q.quarter.key,
            f"{e.closed:,}",
            f"{e.open:,}",
            _money(e.starting_arr),
            _pct(e.grr),
            _pct(e.nrr),
            _pct(e.nrr_with_overrides),
            _target(q.against),
        )
    return table


def _print_retention(r: RetentionReport) -> None:
    console.print(_retention_table(r))
    if r.forward:
        console.print(_forward_table(r))
    b = r.break_even
    lines = [
        "Renewal rate is by count (retained / closed); GRR and the rate by ARR leave "
        "expansion out, NRR counts it. Expected: outcomes so far + open renewals x "
        "likelihood (w/ overrides: the owners' calls).",
        f"Target, last 4 quarters: {r.trailing_against.reason}.",
    ]
    if b.needed_share is not None:
        flat = (
            f"new business of {_pct(b.needed_share)} ({_money(b.needed_arr)}) is needed to stay "
            "flat"
            if b.needed_arr
            else f"the renewing base grew {_money(b.surplus_arr)} with no new business"
        )
        lines.append(
            f"Break-even (FUND-2), last 4 quarters: with GRR {_pct(r.trailing.grr)} (renewal "
            f"rate {_pct(b.renewal_rate_arr)} by ARR), new business of "
            f"{_pct(b.needed_share_at_renewal_rate)} ({_money(b.needed_arr_at_renewal_rate)}) "
            f"replaces churn and contraction; with expansion (NRR {_pct(r.trailing.nrr)}), {flat}."
        )
    lines += [reason for reason in r.reasons if reason.startswith("TECH-1: no forward")]
    for line in lines:
        console.print(line, soft_wrap=True)


@app.callback(invoke_without_command=True)
def forecast(
    ctx: typer.Context,
    as_of: Annotated[
        str | None,
        typer.Option(
            help="Read the forecast of this day or the latest before it (default: today)."
        ),
    ] = None,
    by: Annotated[By, typer.Option(help="Group the forecast by this.")] = By.segment,
    days: Annotated[
        int | None,
        typer.Option(
            min=0, help="Only renewals dated up to this many days out (overdue ones included)."
        ),
    ] = None,
    quarters: Annotated[
        int, typer.Option(min=1, max=40, help="Quarters of retention history.")
    ] = 8,
    as_json: AsJson = False,
) -> None:
    """The renewal forecast and revenue retention (TECH-1, TECH-5, FUND-2).

    Per group: open renewals, ARR, expected ARR (likelihood x target ARR) by the model
    and with the owners' overrides, the forecast categories and the at-risk ARR (at
    risk + lost). Then GRR, NRR and renewal rates per quarter from closed contracts,
    the expected retention of this quarter and the next, the NRR target and the FUND-2
    break-even. The forecast is written by `renewals run` (step forecast.snapshot).
    See docs/forecast.md.

    Examples:\n
      renewals forecast\n
      renewals forecast --as-of 2026-11-24 --by owner\n
      renewals forecast --by quarter --json | jq .retention.break_even\n
      renewals forecast override R-C000123 --category at_risk --reason "champion left" --by ana@example.com\n
      renewals forecast overrides
    """
    from renewals.db import session_scope
    from renewals.forecast import service

    if ctx.invoked_subcommand is not None:
        return
    app_state = state(ctx)
    policy = _policy(ctx)
    day = parse_as_of(as_of)
    try:
        with session_scope(app_state.engine()) as session:
            report = service.forecast(session, policy, as_of=day, by=by.value, days=days)
            trend = service.retention(session, policy, as_of=day, quarters=quarters)
    except RenewalsError as exc:
        fail_with(exc)
    if as_json:
        emit_json({"forecast": report.as_dict(), "retention": trend.as_dict()})
        return
    engines = ", ".join(f"{k} {v:,}" for k, v in sorted(report.engines.items()))
    console.print(_forecast_table(report))
    notes = [
        f"Engine: {engines or 'none'}"
        + (f" (model #{', #'.join(map(str, report.model_ids))})" if report.model_ids else "")
        + ". Expected = likelihood x target ARR; w/ overrides counts the owners' calls "
        "(how many in brackets); at-risk ARR = at risk + lost.",
    ]
    notes += [r for r in report.reasons if r.startswith("TECH-5: amounts in")]
    for note in notes:
        console.print(note, soft_wrap=True)
    console.print()
    _print_retention(trend)


# --- overrides ------------------------------------------------------------------------------------


@app.command("override")
def override(
    ctx: typer.Context,
    renewal_id: Annotated[
        str,
        typer.Argument(autocompletion=completion.renewal_ids, help="The renewal, e.g. R-C000123."),
    ],
    category: Annotated[
        CategoryChoice,
        typer.Option(help="Your call: commit, probable, at_risk or lost.", show_default=False),
    ],
    reason: Annotated[
        str, typer.Option(help="Why: kept with the call and judged against the outcome.")
    ],
    by: Annotated[str, typer.Option(help="Your email (a user in users.csv).")],
    likelihood: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Your likelihood, 0-1, within the category's band (default: the model's "
            "if it is in that category, else the category's lower threshold; lost: 0).",
        ),
    ] = None,
    on: Annotated[
        str | None, typer.Option(help="The day the call applies from (default: today).")
    ] = None,
) -> None:
    """Record your forecast call on an open renewal (TECH-5). The model's likelihood stays
    as it is; the forecast shows both (expected ARR "w/ overrides") and `renewals forecast
    overrides` later shows whose calls were right. The owner, their managers, a manager
    or above, or an admin may; the call is audited.

    Examples:\n
      renewals forecast override R-C000123 --category at_risk --reason "champion left, no budget owner" --by ana@example.com\n
      renewals forecast override R-C000123 --category commit --likelihood 0.95 --reason "PO received" --by ana@example.com
    """
    from renewals.db import session_scope
    from renewals.forecast import service

    app_state = state(ctx)
    policy = _policy(ctx)
    day = parse_as_of(on)
    try:
        with session_scope(app_state.engine()) as session:
            result = service.override(
                session,
                renewal_id,
                category=category.value,
                likelihood=likelihood,
                reason=reason,
                by=by,
                on=day,
                policy=policy,
            )
            o = result.override
            line = f"{o.renewal_id}: {o.by} ({result.authority}) calls it {o.category}"
            if result.effective is not None:
                line += f", counted at {result.effective.likelihood:.0%}"
            if result.model_category is not None and result.model_likelihood is not None:
                line += f"; the model says {result.model_category} ({result.model_likelihood:.0%})"
            else:
                line += "; no forecast yet (it applies from the next `renewals run`)"
            line += f". From {o.on}; override #{o.id}."
    except RenewalsError as exc:
        fail_with(exc)
    console.print(line, markup=False, soft_wrap=True)


@app.command("clear-override")
def clear_override(
    ctx: typer.Context,
    renewal_id: Annotated[
        str,
        typer.Argument(autocompletion=completion.renewal_ids, help="The renewal, e.g. R-C000123."),
    ],
    by: Annotated[str, typer.Option(help="Your email (a user in users.csv).")],
    reason: Annotated[str, typer.Option(help="Why the call is withdrawn.")] = "",
    on: Annotated[
        str | None, typer.Option(help="The day the model's call applies again (default: today).")
    ] = None,
) -> None:
    """Withdraw the calls on a renewal: the forecast follows the model again (audited; the
    calls stay on record and are still judged once the renewal closes).

    Example:\n
      renewals forecast clear-override R-C000123 --by ana@example.com --reason "new champion found"
    """
    from renewals.db import session_scope
    from renewals.forecast import service

    app_state = state(ctx)
    day = parse_as_of(on)
    try:
        with session_scope(app_state.engine()) as session:
            cleared = service.clear_override(session, renewal_id, by=by, on=day, reason=reason)
    except RenewalsError as exc:
        fail_with(exc)
    console.print(
        f"{renewal_id}: {len(cleared)} call(s) withdrawn from {day}; the forecast follows "
        "the model again",
        markup=False,
    )


def _overrides_table(rows: list[OverrideRow], as_of: date) -> Table:
    table = Table(title=f"Forecast overrides as of {as_of}")
    for col in (
        "renewal",
        "renews",
        "ARR",
        "model",
        "call",
        "by",
        "on",
        "reason",
        "outcome",
    ):
        table.add_column(col, justify="right" if col == "ARR" else "left")
    for o in rows:
        model = (
            "-"
            if o.model_category is None or o.model_likelihood is None
            else f"{o.model_category} {o.model_likelihood:.0%}"
        )
        call = o.category + (f" {o.likelihood:.0%}" if o.likelihood is not None else "")
        if not o.active:
            call += " (withdrawn)"
        elif not o.in_force:
            call += " (superseded)"
        table.add_row(
            o.renewal_id,
            o.renewal_date.isoformat(),
            _money(o.arr),
            model,
            call,
            o.by,
            o.on.isoformat(),
            o.reason,
            o.outcome or "",
        )
    return table


def _accuracy_lines(a: OverrideAccuracy) -> list[str]:
    if not a.closed:
        return [
            "Accuracy (LEARN-2): no renewal with an override has closed yet; it is judged "
            "once they do."
        ]
    return [
        f"Accuracy (LEARN-2) on {a.closed:,} closed renewals with an override: the owners' "
        f"calls were right {_pct(a.override_accuracy)} ({a.override_right}/{a.closed}), the "
        f"model's {_pct(a.model_accuracy)} ({a.model_right}/{a.closed}).",
        f"Where they disagreed on won vs lost ({a.disagreed:,}), the owner was right "
        f"{a.override_right_when_disagreed:,} times. Won = commit or probable; lost = at risk "
        "or lost.",
    ]


@app.command("overrides")
def overrides(
    ctx: typer.Context,
    as_of: Annotated[
        str | None, typer.Option(help="The calls in force on this day (default: today).")
    ] = None,
    everything: Annotated[
        bool, typer.Option("--all", help="Withdrawn and superseded calls too.")
    ] = False,
    as_json: AsJson = False,
) -> None:
    """The owners' forecast calls in force, next to the model's, and how accurate both were
    on the renewals that closed (LEARN-2: won = commit/probable, lost = at risk/lost).

    Examples:\n
      renewals forecast overrides\n
      renewals forecast overrides --all --json
    """
    from renewals.db import session_scope
    from renewals.forecast import service

    app_state = state(ctx)
    day = parse_as_of(as_of)
    try:
        with session_scope(app_state.engine()) as session:
            rows = service.list_overrides(session, as_of=day, everything=everything)
            accuracy = service.override_accuracy(session, as_of=day)
    except RenewalsError as exc:
        fail_with(exc)
    if as_json:
        emit_json({"overrides": [r.as_dict() for r in rows], "accuracy": accuracy.as_dict()})
        return
    if rows:
        console.print(_overrides_table(rows, day))
    else:
        console.print(f"No forecast overrides in force on {day}.")
    for line in _accuracy_lines(accuracy):
        console.print(line, soft_wrap=True)


def _mount() -> None:
    """`renewals forecast backtest` lives beside the forecast it checks."""
    from renewals.forecast import backtest_commands

    app.command("backtest")(backtest_commands.backtest)


_mount()
