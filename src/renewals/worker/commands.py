"""`renewals worker`: run the schedule (daily job, outbox, sources, retraining) by itself."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated

import typer

from renewals.kit.cli import console, fail, number, state
from renewals.kit.i18n import Text, _, ngettext, tr


def _instant(value: str, option: str) -> datetime:
    from renewals.kit.time import as_utc

    try:
        return as_utc(datetime.fromisoformat(value))
    except ValueError:
        fail(
            Text(
                "{option} takes an ISO date-time like 2027-01-04T00:00 (UTC unless it says), "
                "got {value}",
                option=option,
                value=repr(value),
            ),
            2,
        )


def worker(
    ctx: typer.Context,
    once: Annotated[
        bool, typer.Option("--once", help="Run the jobs that are due now, then exit (for cron).")
    ] = False,
    clock: Annotated[
        str | None,
        typer.Option(
            "--clock",
            help="Simulated start time (ISO, UTC unless it says): time jumps from one due "
            "job to the next instead of passing; needs --until. For rehearsals and tests.",
        ),
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="With --clock: stop at this simulated time.")
    ] = None,
    worker_id: Annotated[
        str | None,
        typer.Option("--worker-id", help="This worker's name in the history (default host:pid)."),
    ] = None,
) -> None:
    """Run the schedule by itself: the daily job at RENEWALS_WORKER_DAILY_AT in
    RENEWALS_WORKER_TIMEZONE, the outbox every RENEWALS_WORKER_OUTBOX_MINUTES, the
    product-event spool every RENEWALS_WORKER_INGEST_SECONDS, retraining every
    RENEWALS_WORKER_RETRAIN_DAYS.

    Start as many workers as you like against one database: each job runs under a
    database lock (PostgreSQL advisory lock, SQLite lock row), so it runs once per due
    time whichever worker gets there. A failed job retries after
    RENEWALS_WORKER_RETRY_MINUTES, then the admins get an email (and
    RENEWALS_ALERT_WEBHOOK_URL a post). History: `renewals status`, /admin/jobs.

    Examples:\n
      renewals worker\n
      renewals worker --once\n
      renewals worker --clock 2027-01-04T00:00 --until 2027-01-11T00:00
    """
    from pydantic import ValidationError

    from renewals.worker.service import RealClock, SimulatedClock, Worker
    from renewals.worker.settings import WorkerSettings

    if (clock is None) != (until is None):
        fail(_("--clock and --until go together"), 2)
    try:
        worker_settings = WorkerSettings()
    except ValidationError as exc:
        first = exc.errors()[0]  # Pydantic's English, read in the language (web.app's templates)
        key = "RENEWALS_" + str(first["loc"][0]).upper()
        fail(Text("{key}: {reason}", key=key, reason=first["msg"]))
    app_state = state(ctx)
    engine = app_state.engine()
    from renewals import migrate

    migrate.ensure_schema(engine)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    runner = (
        Worker(engine, app_state.settings, worker_settings, worker_id=worker_id)
        if worker_id
        else Worker(engine, app_state.settings, worker_settings)
    )
    if once:
        from renewals.kit.time import utc_now

        now = utc_now()
        runner.ensure_jobs(now)
        runner.heartbeat(now)
        results = runner.tick(now)
        for r in results:
            style = "green" if r.status == "ok" else "red"
            console.print(f"[{style}]{r.status}[/] {r.job}: {tr(r.detail)}", markup=True)
        if not results:
            console.print(_("nothing due"))
        if any(r.status != "ok" for r in results):
            raise typer.Exit(1)
        return
    if clock is not None and until is not None:
        start, end = _instant(clock, "--clock"), _instant(until, "--until")
        if end <= start:
            fail(_("--until must be after --clock"), 2)
        console.print(
            _("worker {worker}: simulated time {start} to {end}").format(
                worker=runner.worker_id, start=start, end=end
            )
        )
        runner.run_forever(SimulatedClock(start, end))
        return
    jobs = len(runner.by_name)
    console.print(
        ngettext(
            "worker {worker} running {n} job: {jobs}. Ctrl-C stops it.",
            "worker {worker} running {n} jobs: {jobs}. Ctrl-C stops it.",
            jobs,
        ).format(worker=runner.worker_id, n=number(jobs), jobs=", ".join(runner.by_name))
    )
    try:
        runner.run_forever(RealClock())
    except KeyboardInterrupt:
        console.print(_("stopped"))
