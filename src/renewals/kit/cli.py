"""What every command shares: settings from global options, the engine, the policy,
a Rich console and progress bar, and one way to report an expected error."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import NoReturn

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from sqlalchemy import Engine

from renewals.config import Settings
from renewals.db import make_engine
from renewals.errors import RenewalsError
from renewals.policy import service as policy_service
from renewals.policy.domain import Policy

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


@dataclass
class AppState:
    settings: Settings
    _engine: Engine | None = field(default=None, repr=False)

    def engine(self) -> Engine:
        """The application database, migrated to the current schema on first use."""
        if self._engine is None:
            from renewals import migrate

            self._engine = make_engine(self.settings.database_url)
            migrate.ensure_schema(self._engine)
        return self._engine

    def policy(self) -> Policy:
        return policy_service.load(self.settings.policy_file)


def state(ctx: typer.Context) -> AppState:
    obj = ctx.find_root().obj
    if not isinstance(obj, AppState):  # a sub-app invoked directly (tests)
        obj = AppState(Settings())
        ctx.find_root().obj = obj
    return obj


def fail(message: str, code: int = 1) -> NoReturn:
    err_console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def fail_with(exc: RenewalsError) -> NoReturn:
    fail(exc.message)


def parse_as_of(value: str | None) -> date:
    from renewals.kit.time import today

    if value is None:
        return today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"--as-of must be an ISO date (YYYY-MM-DD), got {value!r}", 2)


ProgressCallback = Callable[[str, int, int], None]


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[ProgressCallback]:
    """A Rich progress bar driven by callbacks `(step, done, total)`; quiet when not a terminal."""
    if not enabled or not console.is_terminal:
        yield lambda step, done, total: None
        return
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description:<32}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("starting", total=None)
        current = ["starting"]

        def update(step: str, done: int, total: int) -> None:
            if step != current[0]:  # a new step: its own elapsed time and ETA
                current[0] = step
                progress.reset(task, description=step, completed=done, total=total)
            else:
                progress.update(task, description=step, completed=done, total=total)

        yield update
