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
from renewals.kit.cli import (
    console,
    emit_json,
    fail,
    fail_with,
    number,
    parse_as_of,
    percent,
    state,
)
from renewals.kit.i18n import _, term, tr, word
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
    return number(value)


def _pct(value: float | None) -> str:
    return "-" if value is None else percent(value, 1)


def _target(a: AgainstTarget) -> str:
    if a.met is None or a.gap is None:
        return "-"
    gap = f"{a.gap * 100:+.1f}"  # signed, one decimal; then the language's separators
    points = _("{points} pts").format(points=gap[0] + number(abs(a.gap * 100), 1))
    return f"[green]{points}[/]" if a.met else f"[red]{points}[/]"


# --- the forecast -----------------------------------------------------------------------------


def _forecast_table(r: ForecastReport) -> Table:
    title = (
        _("Renewal forecast (TECH-5) of {day} by {by}, renewals to {days} days out, in {currency}")
        if r.days is not None
        else _("Renewal forecast (TECH-5) of {day} by {by}, in {currency}")
    )
    by = word("by", r.by)
    table = Table(title=title.format(day=r.snapshot_as_of, by=by, days=r.days, currency=r.currency))
    headers = (
        by,
        _("renewals"),
        "ARR",
        _("expected"),
        _("w/ overrides"),
        *(term("forecast", c) for c in CATEGORIES),
        _("at-risk ARR"),
    )
    for index, col in enumerate(headers):
        table.add_column(col, justify="left" if index == 0 else "right")
    for g in [*r.groups, r.total]:
        is_total = g is r.total
        key = (
            word({"segment": "segment", "category": "forecast"}[r.by], g.key)
            if r.by
            in (
                "segment",
                "category",
            )
            else g.key
        )
        table.add_row(
            "[bold]" + _("total") + "[/]" if is_total else key,
            number(g.renewals),
            _money(g.arr),
            _money(g.expected_arr),
            _money(g.expected_arr_with_overrides) + (f" ({g.overrides})" if g.overrides else ""),
            *(number(g.categories[c].renewals) for c in CATEGORIES),
            _money(g.at_risk_arr),
            end_section=g is r.groups[-1] if r.groups else False,
        )
    return table


def _retention_table(r: RetentionReport) -> Table:
    table = Table(
        title=_(
            "Revenue retention (FUND-2) by quarter of renewal, outcomes known by {day}, in "
            "{currency}"
        ).format(day=r.as_of, currency=r.currency)
    )
    for index, col in enumerate(
        (
            _("quarter"),
            _("closed"),
            _("starting ARR"),
            "GRR",
            "NRR",
            _("renewal rate"),
            _("rate by ARR"),
            _("NRR vs {target}").format(target=percent(r.target)),
            _("undecided"),
        )
    ):
        table.add_column(col, justify="left" if index == 0 else "right")

    def row(label: str, q_r: Retention, against: AgainstTarget, *, end: bool = False) -> None:
        table.add_row(
            label,
            number(q_r.contracts),
            _money(q_r.starting_arr),
            _pct(q_r.grr),
            _pct(q_r.nrr),
            _pct(q_r.renewal_rate_count),
            _pct(q_r.renewal_rate_arr),
            _target(against),
            number(q_r.undecided) if q_r.undecided else "",
            end_section=end,
        )

    for k, q in enumerate(r.history):
        row(q.quarter.key, q.retention, q.against, end=k == len(r.history) - 1)
    row("[bold]" + _("last 4 quarters") + "[/]", r.trailing, r.trailing_against)
    return table


def _forward_table(r: RetentionReport) -> Table:
    table = Table(
        title=_("Expected retention (TECH-1), forecast of {day}").format(day=r.snapshot_as_of)
    )
    for index, col in enumerate(
        (
            _("quarter"),
            _("closed"),
            _("open"),
            _("starting ARR"),
            _("expected GRR"),
            _("expected NRR"),
            _("w/ overrides"),
            _("NRR vs {target}").format(target=percent(r.target)),
        )
    ):
        table.add_column(col, justify="left" if index == 0 else "right")
    for q in r.forward:
        e = q.expected
        table.add_row(
            q.quarter.key,
            number(e.closed),
            number(e.open),
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
        _(
            "Renewal rate is by count (retained / closed); GRR and the rate by ARR leave "
            "expansion out, NRR counts it. Expected: outcomes so far + open renewals x "
            "likelihood (w/ overrides: the owners' calls)."
        ),
        _("Target, last 4 quarters: {reason}.").format(reason=tr(r.trailing_against.reason)),
    ]
    if b.needed_share is not None:
        flat = (
            _("new business of {share} ({arr}) is needed to stay flat").format(
                share=_pct(b.needed_share), arr=_money(b.needed_arr)
            )
            if b.needed_arr
            else _("the renewing base grew {arr} with no new business").format(
                arr=_money(b.surplus_arr)
            )
        )
        lines.append(
            _(
                "Break-even (FUND-2), last 4 quarters: with GRR {grr} (renewal rate {rate} by "
                "ARR), new business of {share} ({arr}) replaces churn and contraction; with "
                "expansion (NRR {nrr}), {flat}."
            ).format(
                grr=_pct(r.trailing.grr),
                rate=_pct(b.renewal_rate_arr),
                share=_pct(b.needed_share_at_renewal_rate),
                arr=_money(b.needed_arr_at_renewal_rate),
                nrr=_pct(r.trailing.nrr),
                flat=flat,
            )
        )
    lines += [tr(reason) for reason in r.reasons if reason.startswith("TECH-1: no forward")]
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
    engines = ", ".join(f"{k} {number(v)}" for k, v in sorted(report.engines.items()))
    console.print(_forecast_table(report))
    models = f" (model #{', #'.join(map(str, report.model_ids))})" if report.model_ids else ""
    notes = [
        _(
            "Engine: {engines}{models}. Expected = likelihood x target ARR; w/ overrides counts "
            "the owners' calls (how many in brackets); at-risk ARR = at risk + lost."
        ).format(engines=engines or _("none"), models=models),
    ]
    notes += [tr(r) for r in report.reasons if r.startswith("TECH-5: amounts in")]
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
            line = _("{renewal}: {by} ({authority}) calls it {category}").format(
                renewal=o.renewal_id,
                by=o.by,
                authority=tr(result.authority),
                category=term("forecast", o.category),
            )
            if result.effective is not None:
                line += _(", counted at {share}").format(share=percent(result.effective.likelihood))
            if result.model_category is not None and result.model_likelihood is not None:
                line += _("; the model says {category} ({share})").format(
                    category=term("forecast", result.model_category),
                    share=percent(result.model_likelihood),
                )
            else:
                line += _("; no forecast yet (it applies from the next `renewals run`)")
            line += _(". From {day}; override #{id}.").format(day=o.on, id=o.id)
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
        _(
            "{renewal}: {n} call(s) withdrawn from {day}; the forecast follows the model again"
        ).format(renewal=renewal_id, n=len(cleared), day=day),
        markup=False,
    )


def _overrides_table(rows: list[OverrideRow], as_of: date) -> Table:
    table = Table(title=_("Forecast overrides as of {day}").format(day=as_of))
    for index, col in enumerate(
        (
            _("renewal"),
            _("renews"),
            "ARR",
            _("model"),
            _("call"),
            _("by"),
            _("on"),
            _("reason"),
            _("outcome"),
        )
    ):
        table.add_column(col, justify="right" if index == 2 else "left")
    for o in rows:
        model = (
            "-"
            if o.model_category is None or o.model_likelihood is None
            else f"{term('forecast', o.model_category)} {percent(o.model_likelihood)}"
        )
        call = term("forecast", o.category) + (
            f" {percent(o.likelihood)}" if o.likelihood is not None else ""
        )
        if not o.active:
            call += " " + _("(withdrawn)")
        elif not o.in_force:
            call += " " + _("(superseded)")
        table.add_row(
            o.renewal_id,
            o.renewal_date.isoformat(),
            _money(o.arr),
            model,
            call,
            o.by,
            o.on.isoformat(),
            o.reason,
            word("outcome", o.outcome),
        )
    return table


def _accuracy_lines(a: OverrideAccuracy) -> list[str]:
    if not a.closed:
        return [
            _(
                "Accuracy (LEARN-2): no renewal with an override has closed yet; it is judged "
                "once they do."
            )
        ]
    return [
        _(
            "Accuracy (LEARN-2) on {n} closed renewals with an override: the owners' calls "
            "were right {owners} ({owners_right}/{n}), the model's {model} ({model_right}/{n})."
        ).format(
            n=number(a.closed),
            owners=_pct(a.override_accuracy),
            owners_right=a.override_right,
            model=_pct(a.model_accuracy),
            model_right=a.model_right,
        ),
        _(
            "Where they disagreed on won vs lost ({n}), the owner was right {right} times. "
            "Won = commit or probable; lost = at risk or lost."
        ).format(n=number(a.disagreed), right=number(a.override_right_when_disagreed)),
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
        console.print(_("No forecast overrides in force on {day}.").format(day=day))
    for line in _accuracy_lines(accuracy):
        console.print(line, soft_wrap=True)


def _mount() -> None:
    """`renewals forecast backtest` lives beside the forecast it checks."""
    from renewals.forecast import backtest_commands

    app.command("backtest")(backtest_commands.backtest)


_mount()
