"""`renewals demo-data` and `renewals demo`: a generated book of business to try everything on.

`renewals demo` ends by serving the web app with one signed-in identity per role; the
demo password below is for the demo only (docs/demo.md, docs/web.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from renewals.kit.cli import console, fail, number, parse_as_of, progress_bar, state
from renewals.kit.i18n import Text, _, tr, word

if TYPE_CHECKING:  # a command imports its slice when it runs (issue 24)
    from sqlalchemy import Engine

    from renewals.demo.generator import BookStats

Accounts = Annotated[int, typer.Option(min=1, max=1_000_000, help="How many accounts to generate.")]
Seed = Annotated[int, typer.Option(help="Random seed: the same seed and date give the same book.")]
AsOf = Annotated[
    str | None, typer.Option(help="The book's 'today' (YYYY-MM-DD); default today (UTC).")
]

# For the demo only: every demo user without a password gets this one. Never use the
# demo database for real data (docs/demo.md).
DEMO_PASSWORD = "renewals-demo"
DEMO_ADMIN = ("admin@renewals.example", "Demo Admin")


def _print_stats(directory: Path, stats: BookStats) -> None:
    console.print(
        _("Demo book: {n} accounts in {directory} ({seconds} s)").format(
            n=number(stats.accounts), directory=directory, seconds=number(stats.seconds, 1)
        )
    )
    table = Table()
    table.add_column(_("file"))
    table.add_column(_("rows"), justify="right")
    for name, rows in stats.rows.items():
        table.add_row(name, number(rows))
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
    console.print(_("Next: {command}").format(command=f"renewals import {directory}"))


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
    serve: Annotated[
        bool,
        typer.Option(
            "--serve/--no-serve",
            help="End by serving the web app until Ctrl-C (--no-serve: just load the demo).",
        ),
    ] = True,
    host: Annotated[
        str, typer.Option(help="Interface the web app listens on; 0.0.0.0 for every interface.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port of the web app.", min=1, max=65535)] = 8000,
) -> None:
    """Try renewals in one command: generate a demo book, import it, run the daily job,
    print the summary, then serve the web app (http://127.0.0.1:8000/) until Ctrl-C.
    Uses ./renewals.db unless --db says otherwise.

    Prints one demo user per role (a CSM with at-risk accounts, a second CSM, a manager,
    a director, a VP, an executive, an admin) with the demo password, "renewals-demo",
    for the demo only. Safe to repeat: the same seed and date give the same book and
    the import updates by id; passwords already set are kept.
    """
    from sqlalchemy import select

    from renewals.commands import print_summary
    from renewals.config import demo_settings
    from renewals.db import session_scope
    from renewals.ingest.commands import import_directory
    from renewals.ingest.models import ImportRun
    from renewals.policy.service import PolicyError
    from renewals.scheduler import run_all
    from renewals.web import commands as web_commands

    app_state = state(ctx)
    # Links made by the daily run and the served app point where this demo serves, and the
    # demo's documents name its example vendor (never a default outside the demo).
    settings = app_state.settings = demo_settings(app_state.settings, host, port)
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
            Text(
                "this database already holds data imported from {sources}; use another "
                "database (--db sqlite:///demo.db) or --force to mix in the demo book",
                sources=", ".join(sorted(foreign)),
            )
        )
    from renewals.demo.generator import generate_book  # numpy-heavy: only when generating

    step = _("generating {n} demo accounts into {target}")
    console.print("[bold]1/3[/] " + step.format(n=number(accounts), target=target))
    with progress_bar() as progress:
        stats = generate_book(target, accounts=accounts, seed=seed, as_of=day, progress=progress)
    _print_stats(target, stats)
    step = _("importing into {url}").format(url=engine.url.render_as_string(hide_password=True))
    console.print("[bold]2/3[/] " + step)
    import_directory(app_state, target)
    # LEARN-3: the demo shows the playbook library with the seeds' own scripts, talk tracks
    # and objections in it (a team of its own loads them with `renewals library load-seeds`).
    from renewals.library import service as library_service

    with session_scope(engine) as session:
        added, _kept = library_service.load_seeds(session, on=day)
    console.print(
        "  "
        + _("library: {n} seed items (scripts, talk tracks, objections) loaded").format(n=added)
    )
    console.print("[bold]3/3[/] " + _("running the daily job as of {day}").format(day=day))
    outcomes = run_all(
        engine,
        policy=policy,
        as_of=day,
        settings=settings,
        on_done=lambda o: console.print(
            f"  {word('job', o.status)} {o.name} ({number(o.seconds, 1)} s): {tr(o.detail)}"
        ),
    )
    if any(o.status != "ok" for o in outcomes):
        raise typer.Exit(1)
    console.print()
    print_summary(engine, settings, day, policy)
    example = _example_renewal(engine, day)
    commands = (
        "`renewals tasks list --overdue`, `renewals outbox list`, "
        "`renewals export renewals --format csv -o renewals.csv`, `renewals policy show`"
    )
    own = "`renewals import DIR`"
    next_ = (
        _(
            "Next: {renewal} (why it is at risk, who owns it, what is due), {commands}, "
            "{own} for your own data (docs/data-format.md)."
        ).format(renewal=f"`renewals renewal {example}`", commands=commands, own=own)
        if example
        else _("Next: {commands}, {own} for your own data (docs/data-format.md).").format(
            commands=commands, own=own
        )
    )
    console.print("\n" + next_)
    logins = demo_logins(engine)
    _print_logins(logins, f"http://{host}:{port}/")
    if serve:
        console.print()
        web_commands.serve(ctx, host=host, port=port)
    else:
        console.print(
            "\n" + _("Start the web app with `renewals serve` and sign in as one of them.")
        )


def _example_renewal(engine: Engine, day: date) -> str | None:
    """The soonest at-risk renewal of the demo, to try `renewals renewal` on."""
    from sqlalchemy import select

    from renewals.db import session_scope
    from renewals.renewal.models import Renewal

    with session_scope(engine) as session:
        return session.scalar(
            select(Renewal.renewal_id)
            .where(Renewal.opportunity_type == "at_risk", Renewal.renewal_date >= day)
            .order_by(Renewal.renewal_date, Renewal.renewal_id)
            .limit(1)
        )


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    name: str
    why: str


def demo_logins(engine: Engine) -> list[DemoLogin]:
    """One user per role to sign in as, each with a password (the demo password if unset).

    The first CSM owns the most open at-risk renewals; the manager and director are
    their chain, so the team views show the same accounts. An admin is created when
    the book has none.
    """
    from sqlalchemy import func, select

    from renewals.db import session_scope
    from renewals.renewal.models import Renewal
    from renewals.user import service as user_service
    from renewals.user.models import User

    with session_scope(engine) as session:
        users = {u.email: u for u in session.scalars(select(User).where(User.active.is_(True)))}
        if not any(u.role == "admin" for u in users.values()):
            admin = user_service.add_user(
                session,
                email=DEMO_ADMIN[0],
                name=DEMO_ADMIN[1],
                role="admin",
                manager_email=None,
                password=None,
                actor="demo",
            )
            users[admin.email] = admin
        user_service.set_missing_passwords(session, DEMO_PASSWORD, actor="demo")
        open_by_owner = dict(
            session.execute(
                select(Renewal.owner_email, func.count())
                .where(Renewal.outcome.is_(None))
                .group_by(Renewal.owner_email)
            ).all()
        )
        at_risk_by_owner = dict(
            session.execute(
                select(Renewal.owner_email, func.count())
                .where(Renewal.outcome.is_(None), Renewal.opportunity_type == "at_risk")
                .group_by(Renewal.owner_email)
            ).all()
        )
        csms = sorted(
            (u for u in users.values() if u.role == "csm"),
            key=lambda u: (
                -at_risk_by_owner.get(u.email, 0),
                -open_by_owner.get(u.email, 0),
                u.email,
            ),
        )
        logins: list[DemoLogin] = []

        def add(role: str, user: User | None, why: Text) -> None:
            if user is not None:
                logins.append(DemoLogin(role, user.email, user.name, why))

        def first(role: str, preferred: str | None = None) -> User | None:
            if preferred and preferred in users and users[preferred].role == role:
                return users[preferred]
            return min(
                (u for u in users.values() if u.role == role), key=lambda u: u.email, default=None
            )

        lead = csms[0] if csms else None
        if lead is not None:
            add(
                "csm",
                lead,
                Text("owns {n} open at-risk renewal(s)", n=at_risk_by_owner.get(lead.email, 0)),
            )
        if len(csms) > 1:
            second = csms[1]
            add(
                "csm",
                second,
                Text("another CSM ({n} open renewals)", n=open_by_owner.get(second.email, 0)),
            )
        manager = first("manager", lead.manager_email if lead else None)
        add("manager", manager, Text("the first CSM's manager: sees the team"))
        director = first("director", manager.manager_email if manager else None)
        add(
            "director",
            director,
            Text("sees every account; approves up to the director limit (CONC-3)"),
        )
        add(
            "vp",
            first("vp"),
            Text("sees every account; approves above the director limit (CONC-3)"),
        )
        add("executive", first("executive"), Text("the executive dashboard"))
        add("admin", first("admin"), Text("also the audit log and the users (/audit, /users)"))
        return logins


def _print_logins(logins: list[DemoLogin], url: str) -> None:
    table = Table(
        title=_("Sign in at {url} (password for every demo user: {password})").format(
            url=url, password=DEMO_PASSWORD
        )
    )
    table.add_column(_("role"))
    # Never cut an email short: people copy it into the sign-in form.
    table.add_column(_("email"), no_wrap=True, min_width=max(len(login.email) for login in logins))
    table.add_column(_("name"), ratio=1)
    table.add_column(_("why this one"), ratio=2)
    for login in logins:
        table.add_row(word("role", login.role), login.email, login.name, tr(login.why))
    console.print()
    console.print(table)
    console.print(
        _(
            "The password {password} is for the demo only: change it with "
            "`renewals user password EMAIL` before anyone else can reach this server."
        ).format(password=f"[bold]{DEMO_PASSWORD}[/]")
    )
