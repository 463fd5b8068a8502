"""`renewals serve`: the web app and REST API on Uvicorn."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer

from renewals.kit.cli import console, state


def serve(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option(help="Interface to listen on; 0.0.0.0 for every interface.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(
            help="Server processes (Uvicorn workers); about one per CPU core. Default "
            "RENEWALS_WEB_WORKERS or 1. See docs/deploy.md for how many for how many users.",
            min=1,
            max=64,
        ),
    ] = None,
    worker: Annotated[
        bool,
        typer.Option(
            "--worker",
            help="Also run the schedule in this process (as `renewals worker` does): the "
            "daily job, the outbox, the event spool. For one-machine installs; production "
            "runs `renewals worker` as its own service (docs/deploy.md).",
        ),
    ] = False,
) -> None:
    """Serve the dashboards (http://HOST:PORT/) and the REST API (/api/v1, OpenAPI at /docs).

    Users sign in with the passwords set by `renewals user add` / `renewals user password`;
    scripts use `Authorization: Bearer <token>` from `renewals user token`. Stop with Ctrl-C:
    requests under way get RENEWALS_WEB_SHUTDOWN_SECONDS (default 10) to finish.

    Each process answers RENEWALS_WEB_CONCURRENCY requests at once (default 8) with one
    database connection each; more wait their turn, and past RENEWALS_WEB_QUEUE_SECONDS or
    RENEWALS_WEB_BACKLOG the server answers 503 with Retry-After instead of stalling.
    `GET /healthz` reports how busy a process is.
    """
    import uvicorn

    from renewals.web.app import create_app

    # Signing links use RENEWALS_PUBLIC_URL only: the address served on (often 127.0.0.1 or
    # an internal name) is no address a customer can open (TECH-4).
    settings = state(ctx).settings
    workers = workers or settings.web_workers
    console.print(
        f"renewals is serving on [bold]http://{host}:{port}/[/] (API docs at /docs) with "
        f"{workers} worker{'s' if workers != 1 else ''} x {settings.web_concurrency} "
        "requests at once. Ctrl-C stops it."
    )
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": "info",
        "access_log": False,
        "timeout_graceful_shutdown": settings.web_shutdown_seconds,
        "timeout_keep_alive": settings.web_keep_alive_seconds,
    }
    stop = _start_worker(settings) if worker else None
    try:
        if workers == 1:
            uvicorn.run(create_app(settings), **options)
            return
        _multi(settings, workers, options)
    finally:
        if stop is not None:
            stop.set()


def _start_worker(settings: Any) -> Any:
    """The scheduler on a thread of this process; returns the event that stops it."""
    import threading

    from renewals import migrate
    from renewals.db import make_engine
    from renewals.worker.service import RealClock, Worker

    engine = make_engine(settings.database_url, timeout_seconds=settings.db_timeout_seconds)
    migrate.ensure_schema(engine)
    clock = RealClock()
    runner = Worker(engine, settings)
    thread = threading.Thread(
        target=runner.run_forever, args=(clock,), name="renewals-worker", daemon=True
    )
    thread.start()
    console.print(f"worker {runner.worker_id} runs {', '.join(runner.by_name)} in this process")
    return clock.stop


def _multi(settings: Any, workers: int, options: dict[str, Any]) -> None:
    import uvicorn

    from renewals.kit.secrets import secret_key

    # Worker processes build their own app from the environment: hand them this command's
    # settings, and create the secret key once here so that every worker signs alike.
    secret_key(settings)
    for name, value in settings.model_dump(exclude_defaults=True).items():
        if value is not None:
            os.environ[f"RENEWALS_{name.upper()}"] = str(value)
    uvicorn.run("renewals.web.app:create_app", factory=True, workers=workers, **options)
