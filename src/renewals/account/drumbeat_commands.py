"""`renewals drumbeat`: the value drumbeat and the advocates of coming renewals (STK-3/4)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from renewals.errors import RenewalsError
from renewals.kit.cli import console, emit_json, fail_with, number, parse_as_of, state
from renewals.kit.i18n import _, tr, word


def drumbeat(
    ctx: typer.Context,
    account_id: Annotated[str | None, typer.Option("--account", help="One account.")] = None,
    days: Annotated[int, typer.Option(min=1, help="Renewals due within this many days.")] = 90,
    as_of: Annotated[str | None, typer.Option(help="As things stood on this day.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 15,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Is value a constant drumbeat before the renewal conversation (STK-3)? For each renewal
    due soon: the months of the last year with a value touch (a QBR held, a value moment
    logged, a goal achieved, a product update shared), the quarters with a QBR where the
    segment expects one, and the advocates: users and champions engaged lately and the
    product's most active users ("happy users create political pressure to renew", STK-4).
    Renewals with the fewest value months first.

    Examples:\n
      renewals drumbeat\n
      renewals drumbeat --account ACCOUNT_ID
    """
    from renewals.account import drumbeat_service
    from renewals.db import session_scope
    from renewals.policy.service import PolicyError
    from renewals.usage.backend import Analytics

    app_state = state(ctx)
    day = parse_as_of(as_of)
    try:
        policy = app_state.policy()
        with session_scope(app_state.engine()) as session:
            r = drumbeat_service.report(
                session, policy, as_of=day, data_dir=app_state.settings.data_dir,
                window_days=days, account_id=account_id,
                analytics=Analytics.from_settings(app_state.settings),
            )  # fmt: skip
    except (RenewalsError, PolicyError) as exc:
        fail_with(exc)
    rows = sorted(r.rows, key=lambda x: (x.beat.months_with_value, x.renewal_date))
    if as_json:
        emit_json(
            {
                "as_of": r.as_of,
                "renewals": len(r.rows),
                "first_time": r.first_time,
                "without_advocates": r.without_advocates,
                "rows": [
                    {
                        "account_id": x.account_id, "renewal_id": x.renewal_id,
                        "renewal_date": x.renewal_date, "segment": x.segment,
                        "months_with_value": x.beat.months_with_value,
                        "silent_months": list(x.beat.silent_months),
                        "qbr_quarters": x.beat.qbr_quarters, "by_kind": x.beat.by_kind,
                        "reasons": list(x.beat.reasons),
                        "advocates": [a.__dict__ for a in x.advocates],
                    }
                    for x in rows[:limit]
                ],
            }
        )  # fmt: skip
        return
    if not rows:
        console.print(_("No open renewals in the window: `renewals run` creates them."))
        return
    window = policy.drumbeat.window_months
    fields = {
        "n": number(len(rows)),
        "days": days,
        "first": number(r.first_time),
        "months": window,
        "without": number(r.without_advocates),
    }
    line = (
        _(
            "[bold]Value drumbeat (STK-3)[/] of {n} renewals: {first} with no value touch in "
            "{months} months (the renewal would be the first time value is discussed); "
            "{without} without a known advocate (STK-4)"
        )
        if account_id
        else _(
            "[bold]Value drumbeat (STK-3)[/] of {n} renewals due within {days} days: {first} "
            "with no value touch in {months} months (the renewal would be the first time value "
            "is discussed); {without} without a known advocate (STK-4)"
        )
    )
    console.print(line.format(**fields), soft_wrap=True)
    table = Table(title=_("Fewest value months first ({n} shown)").format(n=min(limit, len(rows))))
    for col in (
        _("renewal"),
        _("renews"),
        _("segment"),
        _("value months"),
        _("QBR quarters"),
        _("advocates"),
    ):
        table.add_column(col)
    for x in rows[:limit]:
        qbr = "-" if x.beat.qbr_quarters is None else f"{x.beat.qbr_quarters}/{x.beat.quarters}"
        who = "; ".join(f"{a.who} ({tr(a.detail)})" for a in x.advocates) or _("none known")
        table.add_row(
            x.renewal_id, str(x.renewal_date), word("segment", x.segment),
            f"{x.beat.months_with_value}/{x.beat.months}", qbr, who,
        )  # fmt: skip
    console.print(table)
