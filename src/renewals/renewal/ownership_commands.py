"""`renewals ownership`: the ownership model and its rules checked against the book (OWN-1..3)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

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
    parse_as_of,
    state,
)
from renewals.kit.i18n import _, tr, word

STYLE = {"ok": "green", "warn": "yellow", "info": "cyan"}


def ownership(
    ctx: typer.Context,
    as_of: Annotated[str | None, typer.Option(help="Day to count coming quarters from.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print everything as JSON.")] = False,
) -> None:
    """Check the ownership model against the book (OWN-1..3): renewals per coming quarter and
    customers against the volume where a renewal specialist pays off (100+ a quarter or 500+
    customers), each specialist's work (the seed saw specialists fail at about 50
    customers), hand-overs at T-60 done and pending, executive sponsors on strategic
    accounts, the hybrid model's answers (who leads customer communication, who is credited
    with renewal revenue, who settles a disagreement) and the revenue credited per person.

    Owners come from `renewals run` (the `ownership` section of the policy).

    Examples:\n
      renewals ownership\n
      renewals --policy specialist.toml ownership --json | jq .findings
    """
    from renewals.db import session_scope
    from renewals.policy.service import PolicyError
    from renewals.renewal import ownership_service

    app_state = state(ctx)
    try:
        policy = app_state.policy()
    except PolicyError as exc:
        fail(exc.message)
    try:
        with session_scope(app_state.engine()) as session:
            r = ownership_service.report(session, policy, as_of=parse_as_of(as_of))
    except RenewalsError as exc:
        fail_with(exc)
    if as_json:
        emit_json(asdict(r))
        return
    console.print("[bold]" + _("Ownership model (OWN-1)") + f"[/]: {word('model', r.model)}")
    for line in r.rules:
        console.print(f"  OWN-2 {tr(line)}", markup=False)
    console.print(
        "[bold]"
        + _("Hybrid answers (OWN-3)")
        + "[/]"
        + ("" if r.model == "hybrid" else " " + _("(used when the model is hybrid)"))
    )
    for line in r.hybrid:
        console.print(f"  {tr(line)}", markup=False)
    owners = ", ".join(
        f"{word('role', role)} {number(n)}" for role, n in sorted(r.owners_by_role.items())
    )
    console.print(
        _(
            "Open renewals by owner role: {owners}; specialist hand-overs done {done}, pending "
            "{pending}; strategic renewals with an executive sponsor {sponsored}, without "
            "{unsponsored}"
        ).format(
            owners=owners or _("none"),
            done=number(r.handed_over),
            pending=number(r.handover_pending),
            sponsored=number(r.sponsored),
            unsponsored=number(r.strategic_unsponsored),
        )
    )
    console.print(
        _("Renewals per coming quarter: {quarters}; customers {customers}").format(
            quarters=", ".join(f"{q} {number(n)}" for q, n in r.quarters.items()) or _("none"),
            customers=number(r.customers),
        )
    )
    if r.specialists:
        table = Table(title=_("Specialists (OWN-1)"))
        for i, col in enumerate((_("specialist"), _("open renewals"), _("customers"))):
            table.add_column(col, justify="left" if i == 0 else "right")
        for s in r.specialists:
            table.add_row(s.email, number(s.renewals), number(s.customers))
        console.print(table)
    if r.credit:
        table = Table(title=_("Renewal ARR credited (OWN-3), top 10"))
        table.add_column(_("person"))
        table.add_column(_("ARR credited"), justify="right")
        for person, arr in list(r.credit.items())[:10]:
            table.add_row(person, figure(f"{arr:,.0f}"))
        console.print(table)
    console.print("[bold]" + _("Findings") + "[/]")
    for f in r.findings:
        level = word("level", f.level)
        console.print(f"  [{STYLE[f.level]}]{level}[/] {f.rule}: {tr(f.text)}")
