"""`renewals multiyear RENEWAL_ID`: the multi-year options against the single-year path."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from renewals.errors import RenewalsError
from renewals.kit import completion
from renewals.kit.cli import console, emit_json, fail_with, figure, parse_as_of, state
from renewals.kit.i18n import Text, _, tr


def multiyear(
    ctx: typer.Context,
    renewal_id: Annotated[
        str, typer.Argument(autocompletion=completion.renewal_ids, help="R-<contract id>.")
    ],
    years: Annotated[
        int | None,
        typer.Option(
            min=2,
            max=5,
            help="The horizon compared (default: multi_year.math_horizon_years, MY-5).",
        ),
    ] = None,
    likelihood: Annotated[
        float | None,
        typer.Option(min=0, max=1, help="Yearly renewal likelihood (default: the forecast's)."),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option(help="Day to count the days to renewal from (default today).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Do the math first (MY-2, MY-3): each multi-year option of the policy (two and three
    years, the band's lowest and highest discount, fixed or escalating) against renewing one
    year at a time at full price with the account's renewal likelihood, over the same
    horizon; the break-even likelihood of each ("a 30% two-year discount only pays when the
    yearly renewal chance is below 40%"). The likelihood is the forecast's (TECH-1), else the
    policy prior of the health category.

    Then the Strategy Framework's warnings, each with its rule and this renewal's facts:
    do the math first (MY-5: how many options lose, which one pays most), a multi-year
    term outlives product change (MY-6: is the renegotiation trigger among the clauses
    offered), bundling delays the renewal (BUN-3, expansion renewals: days left against
    the 45-day point where bundled terms are final), and customers pick the middle option
    (BUN-4: the order to present three options in, the one we want in the middle).

    Examples:\n
      renewals multiyear RENEWAL_ID\n
      renewals multiyear RENEWAL_ID --years 2 --likelihood 0.7
    """
    from renewals.db import session_scope
    from renewals.policy.service import PolicyError
    from renewals.renewal import service
    from renewals.renewal.multi_year_math import cautions, options

    app_state = state(ctx)
    try:
        policy = app_state.policy()
        with session_scope(app_state.engine()) as session:
            r = service.get(session, renewal_id)
            arr, opportunity = float(r.current_arr), r.opportunity_type
            days = (r.renewal_date - parse_as_of(as_of)).days
            prior = getattr(policy.forecast.prior, r.health_category or "unscored", None)
            p = likelihood if likelihood is not None else (r.likelihood or prior or 0.8)
            source = (
                Text("given")
                if likelihood is not None
                else Text("the forecast")
                if r.likelihood is not None
                else Text("the prior for {category}", category=r.health_category or "unscored")
            )
    except (RenewalsError, PolicyError) as exc:
        fail_with(exc)
    years = years or policy.multi_year.math_horizon_years
    found = options(arr, p, years=years, policy=policy)
    warned = cautions(found, p, opportunity_type=opportunity, days_to_renewal=days, policy=policy)
    notes = [f"{c.rule}: {c.text}" for c in warned]
    if as_json:
        emit_json(
            {
                "renewal_id": renewal_id, "arr": arr, "likelihood": p, "source": source,
                "years": years, "options": [o.__dict__ for o in found], "notes": notes,
                "cautions": [c.__dict__ for c in warned],
            }
        )  # fmt: skip
        return
    console.print(
        _(
            "[bold]{id}[/]: ARR {arr}, yearly renewal likelihood {p} ({source}), over {years} years"
        ).format(
            id=renewal_id,
            arr=figure(f"{arr:,.0f}"),
            p=figure(f"{p:.0%}"),
            source=tr(source),
            years=years,
        )
    )
    table = Table(title=_("Multi-year options against the single-year path (MY-2, MY-3)"))
    for i, col in enumerate(
        (_("option"), _("expected revenue"), _("vs single-year"), _("break-even likelihood"))
    ):
        table.add_column(col, justify="left" if i == 0 else "right")
    for o in found:
        table.add_row(
            tr(o.name),
            figure(f"{o.value:,.0f}"),
            figure(f"{o.against_single:+,.0f}"),
            "-" if o.break_even is None else figure(f"{o.break_even:.0%}"),
        )
    console.print(table)
    for c in warned:
        console.print(f"  {c.rule}: {tr(c.text)}", markup=False)
