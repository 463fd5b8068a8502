"""`renewals winloss report | show | confirm`: why renewals were won and lost (FUND-3,
LEARN-1) and where they stall (LEARN-2). Mounted as `renewals winloss`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from renewals.errors import RenewalsError
from renewals.kit.cli import (
    console,
    emit_json,
    fail,
    fail_with,
    figure,
    number,
    opened,
    parse_as_of,
    parse_date,
    percent,
    state,
)
from renewals.kit.i18n import _, pgettext, tr, word
from renewals.winloss.domain import ReasonCategory, StageStall

if TYPE_CHECKING:  # a command imports its slice when it runs (issue 24)
    from renewals.winloss.models import WinLossRecord
    from renewals.winloss.service import WinLossReport

app = typer.Typer(
    help="Win/loss (LEARN-1, FUND-3): why renewals were won and lost, in the customer's "
    "words; competitors, patterns, missed signals; where renewals stall (LEARN-2).",
    no_args_is_help=True,
)


def _pct(value: float | None) -> str:
    return "-" if value is None else percent(value)


def _money(value: float) -> str:
    return number(value)


def _quotes(quotes: Any) -> str:
    return "; ".join(f'"{q}"' for q in quotes)  # the customers' own words, as they wrote them


def _print_report(r: WinLossReport, stalls: list[StageStall]) -> None:
    head = (
        _("Win/loss as of {day} since {since}").format(day=r.as_of, since=r.since)
        if r.since
        else _("Win/loss as of {day}").format(day=r.as_of)
    )
    console.print(
        f"[bold]{head}[/]: "
        + _(
            "{closed} closed renewals, {won} won, {lost} lost, {downgraded} downgraded; ARR "
            "lost {arr} {currency}"
        ).format(
            closed=number(r.closed),
            won=number(r.won),
            lost=number(r.lost),
            downgraded=number(r.downgraded),
            arr=_money(r.arr_lost),
            currency=r.currency,
        ),
        soft_wrap=True,
    )
    if r.themes:
        table = Table(title=_("Themes (FUND-3): why ARR was lost, in their words"))
        columns = (
            _("reason"),
            _("lost"),
            _("downgraded"),
            _("ARR lost"),
            _("confirmed"),
            pgettext("column", "they said"),
        )
        for index, col in enumerate(columns):
            table.add_column(col, justify="right" if 1 <= index <= 4 else "left")
        for t in r.themes:
            table.add_row(
                word("reason", t.category),
                number(t.lost),
                number(t.downgraded),
                _money(t.arr_lost),
                number(t.confirmed),
                _quotes(t.quotes),
            )
        console.print(table)
    if r.competitors:
        table = Table(title=_("Losses by competitor (LEARN-1)"))
        for index, col in enumerate((_("competitor"), _("lost"), "ARR", _("share of losses"))):
            table.add_column(col, justify="left" if index == 0 else "right")
        for c in r.competitors:
            table.add_row(c.competitor, number(c.lost), _money(c.arr), _pct(c.share))
        console.print(table)
    if r.patterns:
        console.print("[bold]" + _("Patterns (LEARN-1)") + "[/]")
        for p in r.patterns:
            console.print(f"- {tr(p.reason)}; ARR {_money(p.arr)}", markup=False, soft_wrap=True)
    else:
        console.print(_("Patterns (LEARN-1): none (one loss is data; a pattern needs repeats)"))
    losing = r.lost + r.downgraded
    since_note = (
        _("signals are on record from {day}").format(day=r.signals_since)
        if r.signals_since
        else _("no signals yet")
    )
    console.print(
        _(
            "Missed signals (LEARN-1): {n} of {losing} losses and downgrades had a risk signal "
            "in the {days} days before the decision ({note}; earlier losses cannot show any)"
        ).format(
            n=number(r.with_missed_signals),
            losing=number(losing),
            days=r.missed_signal_days,
            note=since_note,
        ),
        soft_wrap=True,
    )
    if r.lead_time_days is not None:
        console.print(
            _(
                "Lead time (LEARN-1): median {days} days between the first missed signal "
                "(really lost) and the decision (told us), over {n} of them"
            ).format(days=figure(format(r.lead_time_days, "g")), n=number(r.lead_time_n)),
            soft_wrap=True,
        )
    if r.missed_signals:
        table = Table(title=_("Signals we had before losses and downgrades"))
        for index, col in enumerate((_("signal"), _("renewals"), _("of those with signals"))):
            table.add_column(col, justify="left" if index == 0 else "right")
        for kind, n in r.missed_signals.items():
            table.add_row(
                word("signal", kind),
                number(n),
                _pct(n / r.with_missed_signals if r.with_missed_signals else None),
            )
        console.print(table)
    if r.win_reasons:
        table = Table(title=_("Why they renewed (LEARN-1)"))
        for index, col in enumerate((_("reason"), _("renewals"), pgettext("column", "they said"))):
            table.add_column(col, justify="right" if index == 1 else "left")
        for w in r.win_reasons:
            table.add_row(word("reason", w.category), number(w.renewals), _quotes(w.quotes))
        console.print(table)
    if r.segments:
        table = Table(title=_("By segment"))
        segment_columns = (
            _("segment"),
            _("closed"),
            _("won"),
            _("lost"),
            _("downgraded"),
            _("win rate"),
            _("ARR lost"),
        )
        for index, col in enumerate(segment_columns):
            table.add_column(col, justify="left" if index == 0 else "right")
        for seg in r.segments:
            table.add_row(
                word("segment", seg.segment),
                number(seg.closed),
                number(seg.won),
                number(seg.lost),
                number(seg.downgraded),
                _pct(seg.win_rate),
                _money(seg.arr_lost),
            )
        console.print(table)
    _print_stalls(stalls)


def _print_stalls(stalls: list[StageStall]) -> None:
    table = Table(title=_("Where renewals stall (LEARN-2): median days per stage"))
    columns = (
        _("stage"),
        _("planned"),
        _("median"),
        _("stays"),
        _("in it now, over"),
        _("stall"),
    )
    for index, col in enumerate(columns):
        table.add_column(col, justify="left" if index in (0, 5) else "right")
    for s in stalls:
        table.add_row(
            word("stage", s.stage),
            _("{n} d").format(n=s.planned_days),
            "-"
            if s.median_days is None
            else _("{n} d").format(n=figure(format(s.median_days, "g"))),
            number(s.renewals),
            number(s.open_over),
            "[bold red]" + _("stall") + "[/]" if s.stalled else "",
        )
    console.print(table)


@app.command()
def report(
    ctx: typer.Context,
    since: Annotated[
        str | None, typer.Option(help="Only renewals decided on or after this day.")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option(help="As things stood on this day (default: today).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Themes (reasons with counts, ARR and the customer's words), losses by competitor,
    patterns, lead time (really lost vs told us), missed signals, why they renewed, by
    segment; and where renewals stall. The daily run keeps the records current.

    Examples:\n
      renewals winloss report\n
      renewals winloss report --since 2026-01-01 --json
    """
    from renewals.db import session_scope
    from renewals.policy.service import PolicyError
    from renewals.winloss import service

    app_state = state(ctx)
    day = parse_as_of(as_of)
    start = parse_date(since, "--since")
    try:
        policy = app_state.policy()
    except PolicyError as exc:
        fail(exc.message)
    try:
        with session_scope(app_state.engine()) as session:
            result = service.report(session, policy, as_of=day, since=start)
            stalls = service.stalls(session, policy, as_of=day)
    except RenewalsError as exc:
        fail_with(exc)
    if as_json:
        emit_json({**result.as_dict(), "stalls": [s.as_dict() for s in stalls]})
        return
    if result.closed == 0:
        console.print(
            _(
                "No win/loss records yet: they are made for closed renewals by the daily run "
                "(`renewals run`)."
            )
        )
        _print_stalls(stalls)
        return
    _print_report(result, stalls)


def _print_record(record: WinLossRecord) -> None:
    from renewals.winloss import service

    fields = {
        "id": record.contract_id,
        "account": record.account_id,
        "outcome": word("outcome", record.outcome),
        "day": record.renewal_date,
        "arr": _money(float(record.arr)),
    }
    if record.outcome_arr is not None and record.outcome != "churned":
        fields["to"] = _money(float(record.outcome_arr))
        line = (
            _("[bold]{id}[/] ({account}) {outcome} (won), renewal date {day}, ARR {arr} -> {to}")
            if record.won
            else _(
                "[bold]{id}[/] ({account}) {outcome} (lost), renewal date {day}, ARR {arr} -> {to}"
            )
        )
    else:
        line = (
            _("[bold]{id}[/] ({account}) {outcome} (won), renewal date {day}, ARR {arr}")
            if record.won
            else _("[bold]{id}[/] ({account}) {outcome} (lost), renewal date {day}, ARR {arr}")
        )
    console.print(line.format(**fields), soft_wrap=True)
    table = Table(show_header=False)
    table.add_column(_("field"))
    table.add_column(_("value"))
    table.add_row(
        _("segment / owner"),
        f"{word('segment', record.segment) or '-'} / {record.owner_email or '-'}",
    )
    table.add_row(_("their words"), record.customer_words or "-")
    table.add_row(_("competitor"), record.competitor or "-")
    table.add_row(
        _("reason"),
        (
            _("{category} (confirmed)") if record.reason_confirmed else _("{category} (suggested)")
        ).format(category=word("reason", record.reason_category)),
    )
    table.add_row(_("told us on"), str(record.told_on or "-"))
    table.add_row(_("really lost on"), str(record.really_lost_on or "-"))
    console.print(table)
    suggested = service.explain(record)
    if not record.reason_confirmed:
        for reason in suggested.reasons:
            console.print(f"  - {tr(reason)}", markup=False, soft_wrap=True)
    elif suggested.category != record.reason_category:
        console.print(
            "  "
            + _("(their words suggested {category})").format(
                category=word("reason", suggested.category)
            ),
            markup=False,
        )
    if record.missed_signals:
        signals = Table(title=_("Signals we had before the decision (LEARN-1)"))
        for col in (_("seen on"), _("signal"), _("rule"), _("evidence")):
            signals.add_column(col)
        for s in record.missed_signals:
            signals.add_row(s["seen_on"], word("signal", s["kind"]), s["rule"], tr(s["evidence"]))
        console.print(signals)
    for entry in (record.notes or {}).get("confirmations", []):
        words = {
            "on": entry["on"],
            "by": entry["by"],
            "category": word("reason", entry["reason_category"]),
        }
        if entry.get("note"):
            text = _("{on} {by} confirmed {category}: {note}").format(note=entry["note"], **words)
        else:
            text = _("{on} {by} confirmed {category}").format(**words)
        console.print(f"  {text}", markup=False, soft_wrap=True)


@app.command()
def show(
    ctx: typer.Context,
    contract_id: Annotated[str, typer.Argument(help="A closed contract's id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the record as JSON.")] = False,
) -> None:
    """One closed renewal's record: the words, the reason (and why), when it was really
    lost, the signals we had before."""
    from renewals.winloss import service

    with opened(ctx) as session:
        record = service.get(session, contract_id)
        if as_json:
            emit_json(_record_json(record))
        else:
            _print_record(record)


def _record_json(record: WinLossRecord) -> dict[str, Any]:
    from renewals.winloss import service

    suggested = service.explain(record)
    return {
        "contract_id": record.contract_id,
        "account_id": record.account_id,
        "renewal_id": record.renewal_id,
        "outcome": record.outcome,
        "won": record.won,
        "renewal_date": record.renewal_date.isoformat(),
        "closed_on": record.closed_on.isoformat() if record.closed_on else None,
        "segment": record.segment,
        "owner_email": record.owner_email,
        "arr": str(record.arr),
        "outcome_arr": None if record.outcome_arr is None else str(record.outcome_arr),
        "reason_category": record.reason_category,
        "reason_confirmed": record.reason_confirmed,
        "suggested_category": suggested.category,
        "suggested_reasons": list(suggested.reasons),
        "customer_words": record.customer_words,
        "competitor": record.competitor,
        "told_on": record.told_on.isoformat() if record.told_on else None,
        "really_lost_on": record.really_lost_on.isoformat() if record.really_lost_on else None,
        "missed_signals": record.missed_signals or [],
        "confirmations": (record.notes or {}).get("confirmations", []),
    }


@app.command()
def confirm(
    ctx: typer.Context,
    contract_id: Annotated[str, typer.Argument(help="A closed contract's id.")],
    reason_category: Annotated[
        ReasonCategory,
        typer.Option(
            help="Losses: price_budget, product_fit, service_experience, value_perception, "
            "business_change, champion_left, other. Wins: value_realised, growth, "
            "auto_renewed, other."
        ),
    ],
    by: Annotated[str, typer.Option(help="Who confirms (a user's email).")],
    note: Annotated[str | None, typer.Option(help="What the category leaves out.")] = None,
) -> None:
    """Confirm or correct the reason of a closed renewal (FUND-3); the daily run keeps it.

    Example:\n
      renewals winloss confirm C0001464-2 --reason-category product_fit --by carl@renewals.example --note "reporting module"
    """
    from renewals.winloss import service

    day = parse_as_of(None)
    with opened(ctx) as session:
        record = service.confirm(
            session,
            contract_id,
            reason_category=reason_category.value,
            by=by,
            notes=note,
            on=day,
        )
        console.print(
            _("{id}: reason {category} confirmed by {by}").format(
                id=record.contract_id, category=word("reason", record.reason_category), by=by
            )
        )


def _mount() -> None:
    from renewals.winloss.fundamentals_commands import fundamentals

    app.command("fundamentals")(fundamentals)


_mount()
