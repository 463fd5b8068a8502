"""`renewals demo-data` and `renewals demo`: a generated book of business to try everything on."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from sqlalchemy import Engine, select

from renewals.commands import print_summary
from renewals.db import session_scope
from renewals.ingest.commands import import_directory
from renewals.ingest.models import ImportRun
from renewals.kit.cli import console, fail, parse_as_of, progress_bar, state
from renewals.policy.service import PolicyError
from renewals.scheduler import run_all

if TYPE_CHECKING:
    from renewals.demo.generator import BookStats

Accounts = Annotated[int, typer.Option(min=1, max=1_000_000, help="How many accounts to generate.")]
Seed = Annotated[int, typer.Option(help="Random seed: the same seed and date give the same book.")]
AsOf = Annotated[
    str | None, typer.Option(help="The book's 'today' (YYYY-MM-DD); default today (UTC).")
]


def _print_stats(directory: Path, stats: BookStats) -> None:
    console.print(f"Demo book: {stats.accounts:,} accounts in {directory} ({stats.seconds:.1f} s)")
    table = Table()
    table.add_column("file")
    table.add_column("rows", justify="right")
    for name, rows in stats.rows.items():
        table.add_row(name, f"{rows:,}")
    console.print(table)


def demo_data(
    directory: Annotated[
        Path, typer.Argument(help="Where to write the files (created if missing).")
    ],
    accounts: Accounts = 2000,
    seed: Seed = 7,
    as_of: AsOf = None,
) -> None:
    """Generate a realistic demo book in the import format (docs/data-format.md).

    Accounts with log-normal ARR (about 10% enterprise, 40% mid-market, 50% SMB), a
    year of upcoming renewals and two years of closed ones, usage events, tickets,
    surveys, meetings and notes in English, German, Indonesian and Malay, all driven
    by a hidden health per account (written to _truth.csv for measuring later work).

    Example: renewals demo-data ./book --accounts 10000 --seed 7
    """
    from renewals.demo.generator import generate_book  # numpy-heavy: only when generating

    day = parse_as_of(as_of)
    with progress_bar() as progress:
        stats = generate_book(directory, accounts=accounts, seed=seed, as_of=day, progress=progress)
    _print_stats(directory, stats)
    console.print(f"Next: renewals import {directory}")


def demo(
    ctx: typer.Context,
    accounts: Accounts = 2000,
    seed: Seed = 7,
    as_of: AsOf = None,
    directory: Annotated[
        Path | None,
        typer.Option("--dir", help="Where to write the demo files; default DATA_DIR/demo-book."),
    ] = None,
    force: Annotated[
        bool, typer.Option(help="Load the demo even into a database that holds other imports.")
    ] = False,
) -> None:
    """Try renewals in one command: generate a demo book, import it, run the daily job,
    and print the summary. Uses ./renewals.db unless --db says otherwise.

    Safe to repeat: the same seed and date give the same book and the import updates by id.
    """
    app_state = state(ctx)
    settings = app_state.settings
    day = parse_as_of(as_of)
    target = directory or settings.data_dir / "demo-book"
    try:
        policy = app_state.policy()
    except PolicyError as exc:
        fail(exc.message)
    engine = app_state.engine()
    with session_scope(engine) as session:
        sources = set(session.scalars(select(ImportRun.source)))
    foreign = sources - {str(target)}
    if foreign and not force:
        fail(
            f"this database already holds data imported from {', '.join(sorted(foreign))}; "
            "use another database (--db sqlite:///demo.db) or --force to mix in the demo book"
        )
    from renewals.demo.generator import generate_book  # numpy-heavy: only when generating

    console.print(f"[bold]1/3[/] generating {accounts:,} demo accounts into {target}")
    with progress_bar() as progress:
        stats = generate_book(target, accounts=accounts, seed=seed, as_of=day, progress=progress)
    _print_stats(target, stats)
    console.print(f"[bold]2/3[/] importing into {engine.url.render_as_string(hide_password=True)}")
    import_directory(app_state, target)
    console.print(f"[bold]3/3[/] running the daily job as of {day}")
    outcomes = run_all(
        engine,
        policy=policy,
        as_of=day,
        settings=settings,
        on_done=lambda o: console.print(f"  {o.status} {o.name}: {o.detail}"),
    )
    if any(o.status != "ok" for o in outcomes):
        raise typer.Exit(1)
    console.print()
    print_summary(engine, settings, day, policy)
    example = _example_renewal(engine, day)
    console.print(
        "\nNext: "
        + (
            f"`renewals renewal {example}` (why it is at risk, who owns it, what is due), "
            if example
            else ""
        )
        + "`renewals tasks list --overdue`, `renewals outbox list`, "
        "`renewals export renewals --format csv -o renewals.csv`, `renewals policy show`, "
        "`renewals import DIR` for your own data (docs/data-format.md)."
    )


def _example_renewal(engine: Engine, day: date) -> str | None:
    """The soonest at-risk renewal of the demo, to try `renewals renewal` on."""
    from renewals.renewal.models import Renewal

    with session_scope(engine) as session:
        return session.scalar(
            select(Renewal.renewal_id)
            .where(Renewal.opportunity_type == "at_risk", Renewal.renewal_date >= day)
            .order_by(Renewal.renewal_date, Renewal.renewal_id)
            .limit(1)
        )
