"""`renewals import DIR`: load a directory in the canonical format."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from renewals.errors import RenewalsError
from renewals.kit.cli import (
    AppState,
    console,
    err_console,
    fail,
    fail_with,
    number,
    progress_bar,
    state,
)
from renewals.kit.i18n import Text, _, tr

if TYPE_CHECKING:  # a command imports its slice when it runs (issue 24)
    from renewals.ingest.service import ImportResult


def import_(
    ctx: typer.Context,
    directory: Annotated[
        Path, typer.Argument(help="Directory with accounts.csv, contracts.csv and optional files.")
    ],
    reject_file: Annotated[
        Path | None,
        typer.Option(
            "--reject-file",
            help="Write the good rows and put bad rows, with their reasons, in this CSV file. "
            "Without it any bad row stops the import and nothing is written.",
        ),
    ] = None,
    delta: Annotated[
        bool,
        typer.Option(
            "--delta",
            help="Read only what changed since the last --delta import of DIR: new or "
            "changed table rows, and the events appended to usage_events.csv/.jsonl "
            "(the file and the stored events are not re-read). Strict: no --reject-file.",
        ),
    ] = False,
) -> None:
    """Import accounts, contracts, stakeholders, usage events, tickets, surveys, interactions,
    goals and users from DIR (CSV or JSON Lines; Parquet or CSV for usage events).

    Everything is validated first; a bad row is reported as file:line:column: reason, all of
    them at once, and nothing is written. Re-importing the same or an updated directory
    updates rows by id (safe to repeat). Format: docs/data-format.md.

    Examples:\n
      renewals import ./export\n
      renewals import ./export --reject-file rejects.csv\n
      renewals import ./export --delta
    """
    if delta and reject_file is not None:
        fail(Text("--delta imports are strict: fix the rows it reports (no --reject-file)"), 2)
    import_directory(state(ctx), directory, reject_file=reject_file, delta=delta)


def import_directory(
    app_state: AppState, directory: Path, *, reject_file: Path | None = None, delta: bool = False
) -> None:
    """Import with a progress bar and print the counts; report bad rows and exit 1 on failure."""
    from renewals.ingest import delta as delta_import
    from renewals.ingest import service
    from renewals.ingest.service import ImportFailed

    settings = app_state.settings
    note = None
    try:
        with progress_bar() as progress:
            if delta:
                result, _, staged = delta_import.run_delta_import(
                    app_state.engine(),
                    directory,
                    data_dir=settings.data_dir,
                    memory_limit=settings.duckdb_memory_limit,
                    progress=progress,
                )
                note = delta_import.summary(staged)
            else:
                result, _ = service.run_import(
                    app_state.engine(),
                    directory,
                    data_dir=settings.data_dir,
                    memory_limit=settings.duckdb_memory_limit,
                    reject_file=reject_file,
                    progress=progress,
                )
    except ImportFailed as exc:
        for issue in exc.issues:  # file:line:column, the field, the reason in the language
            where = str(issue)[: -len(issue.reason)] if issue.reason else str(issue)
            err_console.print(where + tr(issue.reason), markup=False, highlight=False)
        fail(
            Text(
                "{problem}. Fix the rows above, or re-run with --reject-file PATH to import "
                "the good rows and set the bad ones aside.",
                problem=exc.message,
            )
        )
    except RenewalsError as exc:
        fail_with(exc)
    print_result(result)
    if note:
        console.print(tr(note), markup=False)


def print_result(result: ImportResult) -> None:
    label = _("warning:")
    for warning in result.warnings:
        console.print(f"[yellow]{label}[/] {escape(tr(warning))}")
    table = Table(title=_("Imported {source}").format(source=result.source))
    columns = (
        _("file"),
        _("read"),
        _("inserted"),
        _("updated"),
        _("unchanged"),
        _("rejected"),
    )
    for index, column in enumerate(columns):
        table.add_column(column, justify="left" if index == 0 else "right")
    for name, counts in result.counts().items():
        table.add_row(
            name,
            *(number(counts[k]) for k in ("read", "inserted", "updated", "unchanged", "rejected")),
        )
    console.print(table)
    if result.reject_file is not None:
        if result.rejected:
            console.print(
                _("[yellow]{n} row(s) rejected[/]; reasons in {path}").format(
                    n=number(result.rejected), path=result.reject_file
                )
            )
        else:
            console.print(_("no rows rejected ({path} lists none)").format(path=result.reject_file))
