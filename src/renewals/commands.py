"""Commands that belong to no single domain: the database, the daily run, the status."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from renewals.kit.cli import (
    console,
    emit_json,
    fail,
    number,
    parse_as_of,
    percent,
    progress_bar,
    state,
)
from renewals.kit.i18n import Text, _, lazy, tr, word

if TYPE_CHECKING:  # each command imports its slice when it runs (issue 24)
    from sqlalchemy import Engine

    from renewals.config import Settings
    from renewals.health import service as health_service
    from renewals.policy.domain import Policy
    from renewals.renewal import service as renewal_service

db_app = typer.Typer(
    help="The application database (SQLite by default, PostgreSQL by URL).", no_args_is_help=True
)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Create or migrate the database schema to the latest version (safe to repeat)."""
    from renewals import migrate
    from renewals.db import make_engine

    settings = state(ctx).settings
    engine = make_engine(settings.database_url)
    before = migrate.current(engine)
    migrate.upgrade(engine)
    after = migrate.current(engine)
    if before == after:
        line = _("{database}: already at {version}")
    else:
        line = _("{database}: upgraded from {before} to {version}")
    console.print(
        line.format(database=_safe_url(settings), before=before or _("empty"), version=after)
    )


@db_app.command("current")
def db_current(
    ctx: typer.Context,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print {database, current, newest} as JSON.")
    ] = False,
) -> None:
    """Print the schema version of the database and the newest one this release has."""
    from renewals import migrate
    from renewals.db import make_engine

    settings = state(ctx).settings
    engine = make_engine(settings.database_url)
    if as_json:
        emit_json(
            {
                "database": _safe_url(settings),
                "current": migrate.current(engine),
                "newest": migrate.head(),
            }
        )
        return
    console.print(
        _("{database}: at {version}, newest is {newest}").format(
            database=_safe_url(settings),
            version=migrate.current(engine) or _("empty"),
            newest=migrate.head(),
        )
    )


def _safe_url(settings: Settings) -> str:
    from renewals.db import make_engine

    return make_engine(settings.database_url).url.render_as_string(hide_password=True)


def run(
    ctx: typer.Context,
    as_of: Annotated[
        str | None, typer.Option(help="Run as of this date (YYYY-MM-DD); default today (UTC).")
    ] = None,
    job: Annotated[
        list[str] | None, typer.Option("--job", help="Run only this job (repeatable).")
    ] = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Re-read everything, not only what changed since the last run "
            "(a policy change does this by itself).",
        ),
    ] = False,
) -> None:
    """Run the daily job: every registered step, in order, for one day.

    Safe to re-run for the same day: each step replaces what it did before.
    Large books are worked through in account batches (policy run.batch_accounts),
    with a progress bar and ETA on a terminal. The usage features run on the engine
    of RENEWALS_ANALYTICS_BACKEND (duckdb by default; see docs/analytics-backends.md).

    A run reads again only what changed since the last one (docs/daily-run.md);
    --full reads everything, with the same result.
    """
    from renewals.policy.service import PolicyError
    from renewals.scheduler import jobs, run_all

    app_state = state(ctx)
    try:
        policy = app_state.policy()
    except PolicyError as exc:
        fail(exc.message)
    known = jobs()
    for name in job or []:
        if name not in known:
            fail(
                Text("unknown job {name}; jobs: {jobs}", name=repr(name), jobs=", ".join(known)), 2
            )
    day = parse_as_of(as_of)
    # A bar with ETA per step; the book is worked through in batches of
    # policy run.batch_accounts (TECH-1), so memory stays bounded at any size.
    with progress_bar() as progress:
        outcomes = run_all(
            app_state.engine(),
            policy=policy,
            as_of=day,
            settings=app_state.settings,
            only=job,
            full=full,
            on_done=lambda o: console.print(
                f"[{'green' if o.status == 'ok' else 'red'}]{word('job', o.status)}[/] "
                f"{o.name} [dim]({number(o.seconds, 1)} s)[/]: {escape(tr(o.detail))}"
            ),
            progress=progress,
        )
    if any(o.status != "ok" for o in outcomes):
        raise typer.Exit(1)


def status(
    ctx: typer.Context,
    as_of: Annotated[
        str | None, typer.Option(help="Figures as of this date; default today.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the summary as one JSON object.")
    ] = False,
) -> None:
    """Summarise the book: accounts, ARR, renewals coming up, history, usage, last runs."""
    from renewals.policy.service import PolicyError

    app_state = state(ctx)
    try:
        policy = app_state.policy()
    except PolicyError as exc:  # a bad policy file: one clear error, exit 1
        fail(exc.message)
    from renewals.errors import RenewalsError

    try:
        summary = book_summary(app_state.engine(), app_state.settings, parse_as_of(as_of), policy)
    except RenewalsError as exc:  # e.g. a missing FX rate: name it, never sum currencies
        fail(exc.message)
    if as_json:
        emit_json(_summary_json(summary))
        return
    _print_book(summary)


@dataclass(frozen=True)
class BookSummary:
    """What `renewals status` shows, gathered once for the table and for --json."""

    as_of: date
    figures: Any  # contract.domain.BookFigures
    closed: dict[Any, int]
    last_import: tuple[datetime, str] | None
    last_run: datetime | None
    health: health_service.Mix | None
    pipeline: renewal_service.Pipeline | None
    usage: dict[str, int]
    data_dir: Path
    # The worker's schedule (renewals worker, issue 19): each job's next run and last success.
    worker_jobs: list[Any] = field(default_factory=list)
    worker_seen: datetime | None = None


def print_summary(engine: Engine, settings: Settings, as_of: date, policy: Policy) -> None:
    """Print the book summary that `renewals status` and `renewals demo` end with."""
    _print_book(book_summary(engine, settings, as_of, policy))


def book_summary(engine: Engine, settings: Settings, as_of: date, policy: Policy) -> BookSummary:
    """Gather the book's figures, health mix, pipeline, history, usage and last runs."""
    from sqlalchemy import func, select

    from renewals.contract import repository as contract_repository
    from renewals.contract import service as contract_service
    from renewals.db import session_scope
    from renewals.fx import service as fx_service
    from renewals.health import service as health_service
    from renewals.ingest.models import ImportRun
    from renewals.renewal import service as renewal_service
    from renewals.scheduler import JobRun
    from renewals.usage import service as usage_service
    from renewals.worker import service as worker_service

    with session_scope(engine) as session:
        figures = contract_service.compute_book(session, policy=policy, as_of=as_of)
        closed = contract_repository.count_closed(session)
        last_import = session.scalars(
            select(ImportRun).order_by(ImportRun.id.desc()).limit(1)
        ).first()
        last_run = session.scalar(select(func.max(JobRun.finished_at)).where(JobRun.status == "ok"))
        health = health_service.mix(session, as_of)
        pipeline = renewal_service.pipeline(
            session,
            as_of=as_of,
            window_days=policy.run.renewal_window_days,
            rates=fx_service.rate_table(session, policy),
        )
        imported = (last_import.finished_at, last_import.source) if last_import else None
        worker_jobs = worker_service.job_states(session)
        beats = worker_service.heartbeats(session)
    usage = usage_service.summary(settings.data_dir, settings.duckdb_memory_limit)
    return BookSummary(
        as_of,
        figures,
        closed,
        imported,
        last_run,
        health,
        pipeline,
        usage,
        settings.data_dir,
        worker_jobs,
        beats[0].seen_at if beats else None,
    )


def _summary_json(s: BookSummary) -> dict[str, Any]:
    """The --json form: the same figures, keys as in the table (docs/cli.md)."""
    f = s.figures
    return {
        "as_of": s.as_of.isoformat(),
        "currency": f.currency,
        "accounts": f.accounts,
        "active_accounts": f.active_accounts,
        "arr": str(f.arr),
        "window_days": f.window_days,
        "renewals_in_window": f.renewals_in_window,
        "arr_in_window": str(f.arr_in_window),
        "by_segment": {
            str(segment): {
                "accounts": v.accounts,
                "arr": str(v.arr),
                "renewals_in_window": v.renewals_in_window,
                "arr_in_window": str(v.arr_in_window),
            }
            for segment, v in f.by_segment.items()
        },
        "health": None
        if s.health is None
        else {
            "as_of": s.health.as_of.isoformat(),
            "categories": {
                k: {"accounts": n, "arr": a} for k, (n, a) in s.health.categories.items()
            },
            "risks": {k: {"accounts": n, "arr": a} for k, (n, a) in s.health.risks.items()},
        },
        "pipeline": None
        if s.pipeline is None
        else {
            "window_days": s.pipeline.window_days,
            "by_stage": {k: {"renewals": n, "arr": a} for k, (n, a) in s.pipeline.by_stage.items()},
            "by_opportunity": {
                k: {"renewals": n, "arr": a} for k, (n, a) in s.pipeline.by_opportunity.items()
            },
            "tasks_open": s.pipeline.tasks_open,
            "tasks_overdue": s.pipeline.tasks_overdue,
            "outbox": s.pipeline.outbox,
        },
        "closed": {str(k): v for k, v in s.closed.items()},
        "usage": s.usage,
        "last_import": None
        if s.last_import is None
        else {"finished_at": s.last_import[0].isoformat(), "source": s.last_import[1]},
        "last_run": s.last_run.isoformat() if s.last_run else None,
        "worker": {
            "last_seen": s.worker_seen.isoformat() if s.worker_seen else None,
            "jobs": [_job_json(j) for j in s.worker_jobs],
        },
    }


def _job_json(job: Any) -> dict[str, Any]:
    from renewals.worker.service import as_dict

    return as_dict(job)


def _print_book(s: BookSummary) -> None:
    """The summary in the reader's language (issue 22): labels from the catalogue, stored
    values as their words, figures written the language's way (kit.locale)."""
    from renewals.account.domain import Segment

    figures, closed, health, pipeline, usage, as_of = (
        s.figures,
        s.closed,
        s.health,
        s.pipeline,
        s.usage,
        s.as_of,
    )
    unit = f" {figures.currency}" if figures.currency else ""
    console.print(
        _(
            "[bold]Book of business[/] as of {day}: {accounts} accounts, {active} under "
            "contract, ARR {arr}{unit}"
        ).format(
            day=as_of,
            accounts=number(figures.accounts),
            active=number(figures.active_accounts),
            arr=_money(figures.arr),
            unit=unit,
        )
    )
    table = Table(
        title=_("Segments (SEG-1) and renewals in the next {days} days (TECH-5)").format(
            days=figures.window_days
        )
    )
    columns = (
        _("segment"),
        _("accounts"),
        f"ARR{unit}",
        _("renewals due"),
        _("ARR due") + unit,
    )
    for index, column in enumerate(columns):
        table.add_column(column, justify="left" if index == 0 else "right")
    for segment in Segment:
        f = figures.by_segment[segment]
        share = percent(f.accounts / figures.active_accounts) if figures.active_accounts else "-"
        table.add_row(
            word("segment", segment.value),
            f"{number(f.accounts)} ({share})",
            _money(f.arr),
            number(f.renewals_in_window),
            _money(f.arr_in_window),
        )
    table.add_row(
        _("total"),
        number(figures.active_accounts),
        _money(figures.arr),
        number(figures.renewals_in_window),
        _money(figures.arr_in_window),
        style="bold",
    )
    console.print(table)
    if health:
        _print_health(health)
    if pipeline:
        _print_pipeline(pipeline, figures.currency)
    if closed:
        total = sum(closed.values())
        parts = ", ".join(
            f"{word('outcome', k.value)} {number(v)} ({percent(v / total)})"
            for k, v in sorted(closed.items())
        )
        console.print(
            _("Closed renewals on record: {total}: {parts}").format(
                total=number(total), parts=parts
            )
        )
    console.print(
        _(
            "Usage events stored: {events} from {users} users in {accounts} accounts ({path})"
        ).format(
            events=number(usage["events"]),
            users=number(usage["users"]),
            accounts=number(usage["accounts"]),
            path=s.data_dir,
        )
    )
    if s.last_import:
        console.print(
            _("Last import: {when} UTC from {source}").format(
                when=f"{s.last_import[0]:%Y-%m-%d %H:%M}", source=s.last_import[1]
            )
        )
    if s.last_run:
        console.print(_("Last daily run: {when} UTC").format(when=f"{s.last_run:%Y-%m-%d %H:%M}"))
    if s.worker_jobs:
        _print_worker(s)


def _print_worker(s: BookSummary) -> None:
    """The worker's schedule (issue 19): next run, last status and last success per job."""
    seen = (
        _("last seen {when} UTC").format(when=f"{s.worker_seen:%Y-%m-%d %H:%M}")
        if s.worker_seen
        else _("never seen")
    )
    table = Table(title=_("Scheduled jobs (`renewals worker`, {seen})").format(seen=seen))
    for column in (
        _("job"),
        _("schedule"),
        _("next run (UTC)"),
        _("last"),
        _("last success (UTC)"),
    ):
        table.add_column(column)
    for j in s.worker_jobs:
        last = word("job", j.last_status) if j.last_status else "-"
        if j.failures:
            last += " " + _("({n} failure(s) in a row)").format(n=j.failures)
        table.add_row(
            j.name,
            j.schedule,
            f"{j.next_run_at:%Y-%m-%d %H:%M}",
            last,
            f"{j.last_success_at:%Y-%m-%d %H:%M}" if j.last_success_at else _("never"),
        )
    console.print(table)


def _print_health(health: health_service.Mix) -> None:
    """HEALTH-3 categories and SIG-0 risk, with the ARR behind each."""
    total = sum(n for n, _arr in health.categories.values()) or 1
    table = Table(title=_("Health (HEALTH-3) and risk (SIG-0) on {day}").format(day=health.as_of))
    for index, column in enumerate(("", _("accounts"), "ARR")):
        table.add_column(column, justify="left" if index == 0 else "right")
    for key in ("expansion", "green", "yellow", "red", "unscored"):
        if key in health.categories:
            n, arr = health.categories[key]
            table.add_row(
                word("badge", key), f"{number(n)} ({percent(n / total)})", _money(Decimal(arr))
            )
    table.add_section()
    for key, label in (
        ("save", lazy("save mode (SIG-4)")),
        ("at_risk", lazy("at risk (SIG-0)")),
        ("watch", lazy("watch (one signal)")),
        ("none", lazy("no signals")),
    ):
        if key in health.risks:
            n, arr = health.risks[key]
            table.add_row(str(label), f"{number(n)} ({percent(n / total)})", _money(Decimal(arr)))
    console.print(table)


def _print_pipeline(p: renewal_service.Pipeline, currency: str = "") -> None:
    """TIME-4 stages and SEG-3 opportunity types of the renewals due soon; the work queued
    (ARR in the reporting currency, TECH-5)."""
    table = Table(title=_("Renewals due in {days} days (TIME-4, SEG-3)").format(days=p.window_days))
    for index, column in enumerate(("", _("renewals"), f"ARR {currency}" if currency else "ARR")):
        table.add_column(column, justify="left" if index == 0 else "right")
    for stage in ("assessment", "preparation", "engagement", "closing", "execution"):
        if stage in p.by_stage:
            n, arr = p.by_stage[stage]
            table.add_row(word("stage", stage), number(n), _money(Decimal(arr)))
    table.add_section()
    for kind in ("at_risk", "expansion", "early", "flat"):
        if kind in p.by_opportunity:
            n, arr = p.by_opportunity[kind]
            table.add_row(word("opportunity", kind), number(n), _money(Decimal(arr)))
    console.print(table)
    console.print(
        _(
            "Tasks: {open} open, {overdue} overdue (`renewals tasks list`). Outbox: {waiting} "
            "customer messages awaiting an owner's approval, {ready} ready to send, {sent} "
            "sent (`renewals outbox list`)."
        ).format(
            open=number(p.tasks_open),
            overdue=number(p.tasks_overdue),
            waiting=number(p.outbox.get("pending_approval", 0)),
            ready=number(p.outbox.get("approved", 0)),
            sent=number(p.outbox.get("sent", 0)),
        )
    )


def _money(value: Decimal) -> str:
    return number(value)
