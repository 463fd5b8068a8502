"""The `renewals` command: a Typer root over a registry of commands, each imported only when
it runs, is completed or shows its help (issue 24).

This module imports Typer, Rich and the registry below, nothing else: `renewals --help` and
`renewals tasks list` do not pay for scikit-learn, Ibis, DuckDB, WeasyPrint or FastAPI.
A new command is one line in COMMANDS; tests/test_cli_startup.py checks the imports.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, cast

import typer

from renewals import __version__
from renewals.kit.cli import (
    LANGUAGE_HELP,
    AppState,
    LazyCommand,
    LazyGroup,
    language_option,
    use_language,
    wide_help_off_terminal,
)

# name, "module:attribute" (a Typer app or a command function), the line `renewals --help` shows
COMMANDS = tuple(
    LazyCommand(name, target, summary)
    for name, target, summary in (
        (
            "import",
            "renewals.ingest.commands:import_",
            "Validate and import a directory of CSV, JSON Lines or Parquet files.",
        ),
        (
            "run",
            "renewals.commands:run",
            "Run the daily job: every registered step, in order, for one day.",
        ),
        (
            "status",
            "renewals.commands:status",
            "Summarise the book: accounts, ARR, renewals coming up, history, usage, last runs.",
        ),
        (
            "health",
            "renewals.health.commands:app",
            "Explain one account's health (score, components, drivers, trend, signals, tasks); calibrate it to the book.",
        ),
        (
            "renewal",
            "renewals.renewal.commands:renewal",
            "Explain one renewal: segment, opportunity, touch, motion, owner, stages, tasks, timeline.",
        ),
        (
            "stage",
            "renewals.renewal.commands:stage",
            "Move a renewal to another stage by hand, with a reason (TIME-4; audited).",
        ),
        (
            "calendar",
            "renewals.renewal.export_commands:calendar",
            "Write an iCalendar (.ics) file of renewal dates and open tasks.",
        ),
        (
            "demo-data",
            "renewals.demo.commands:demo_data",
            "Generate a realistic demo book in the import format (docs/data-format.md).",
        ),
        (
            "demo",
            "renewals.demo.commands:demo",
            "Try renewals in one command: generate, import and run a demo book, then serve it.",
        ),
        (
            "serve",
            "renewals.web.commands:serve",
            "Serve the dashboards and the REST API (/api/v1, OpenAPI at /docs).",
        ),
        (
            "fx",
            "renewals.fx.commands:app",
            "Currencies: FX rates that convert every total to the reporting currency.",
        ),
        (
            "source",
            "renewals.source.commands:app",
            "Sources: product events over the Segment/RudderStack API (/v1), write keys, quarantine.",
        ),
        (
            "worker",
            "renewals.worker.commands:worker",
            "Run the schedule by itself: daily job, outbox, event spool, retraining (locked).",
        ),
        (
            "doctor",
            "renewals.doctor.commands:doctor",
            "Check the set-up (database, data, secret, SMTP, public URL, worker); say what to fix.",
        ),
        (
            "policy",
            "renewals.policy.commands:app",
            "See and check the policy: every threshold, weight, window and limit, with its rule ID.",
        ),
        (
            "db",
            "renewals.commands:db_app",
            "The application database (SQLite by default, PostgreSQL by URL).",
        ),
        (
            "signals",
            "renewals.signal.commands:app",
            "Risk signals (SIG-0..9): try the multilingual text detectors on your own words.",
        ),
        (
            "tasks",
            "renewals.playbook.commands:app",
            "Playbook tasks (TIME-1..5, HEALTH-4, SEG-2/3 paths): list, complete, snooze.",
        ),
        (
            "outbox",
            "renewals.outbox.commands:app",
            "Outbox (TIME-5): customer and internal messages, approved where needed, sent once.",
        ),
        (
            "export",
            "renewals.renewal.export_commands:export_app",
            "Export data for other tools (the export contract: docs/export.md).",
        ),
        (
            "multiyear",
            "renewals.renewal.multi_year_commands:multiyear",
            "Do the math first: multi-year options against renewing a year at a time (MY-2/3).",
        ),
        (
            "drumbeat",
            "renewals.account.drumbeat_commands:drumbeat",
            "The value drumbeat before coming renewals, and their advocates (STK-3, STK-4).",
        ),
        (
            "review",
            "renewals.review.commands:app",
            "The quarterly review (LEARN-2) with its decisions, and the program's phases (MET-2).",
        ),
        (
            "library",
            "renewals.library.commands:app",
            "The playbook library (LEARN-3): scripts, talk tracks, objections; use and outcome.",
        ),
        (
            "ownership",
            "renewals.renewal.ownership_commands:ownership",
            "Check the ownership model against the book: specialist volume, hand-overs, sponsors.",
        ),
        (
            "saves",
            "renewals.save_plan.commands:app",
            "The save desk: triage of at-risk renewals, evidence, save plans, exits, metrics.",
        ),
        (
            "concession",
            "renewals.concession.commands:app",
            "Concessions (CONC-1..7): checked against the policy, approved in the matrix, audited.",
        ),
        (
            "escalation",
            "renewals.escalation.commands:app",
            "Executive escalations (ESC-1, ESC-2): suggested, briefed, then four protocol steps.",
        ),
        (
            "winloss",
            "renewals.winloss.commands:app",
            "Win/loss (LEARN-1, FUND-3): why renewals were won and lost; where they stall.",
        ),
        (
            "forecast",
            "renewals.forecast.commands:app",
            "The renewal forecast and revenue retention (TECH-1, TECH-5, FUND-2).",
        ),
        (
            "model",
            "renewals.forecast.model_commands:app",
            "The learned renewal likelihood (TECH-1): train, evaluate, show.",
        ),
        (
            "user",
            "renewals.user.commands:app",
            "Users of the web app (TECH-5): add, passwords, deactivate, API tokens.",
        ),
        (
            "proposal",
            "renewals.proposal.commands:app",
            "Proposals (TECH-3): value summary and good/better/best options, as HTML and PDF.",
        ),
        (
            "contract",
            "renewals.contract_doc.commands:app",
            "Renewal contracts (TECH-4): draft, approval, signing links, executed copies.",
        ),
        (
            "wins",
            "renewals.proposal.commands:wins_app",
            "The account's wins log (FUND-5): dated value moments for the value summary.",
        ),
        (
            "roi",
            "renewals.proposal.commands:roi_app",
            "The account's ROI inputs (ROI-1): hours saved, loaded rate, revenue, losses prevented.",
        ),
    )
)


class RenewalsGroup(LazyGroup):
    lazy_commands = COMMANDS


app = typer.Typer(
    name="renewals",
    help=(
        "Open-source renewal management for B2B SaaS customer-success teams.\n\n"
        "Start with `renewals demo` (a generated book of business in a local SQLite database), "
        "then `renewals import DIR` for your own data (docs/data-format.md) and "
        "`renewals policy show` for the rules it runs on."
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    cls=RenewalsGroup,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"renewals {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database URL (default sqlite:///./renewals.db; e.g. "
            "postgresql://user@host/db). Also RENEWALS_DATABASE_URL.",
        ),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            help="Where usage events are kept as Parquet (default ./renewals-data). Also RENEWALS_DATA_DIR."
        ),
    ] = None,
    policy: Annotated[
        Path | None,
        typer.Option(help="Policy TOML merged over the defaults. Also RENEWALS_POLICY_FILE."),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
    language: Annotated[
        str | None,
        typer.Option("--language", help=LANGUAGE_HELP, is_eager=True, callback=language_option),
    ] = None,
) -> None:
    overrides = {
        k: v
        for k, v in {"database_url": db, "data_dir": data_dir, "policy_file": policy}.items()
        if v
    }
    # Settings are read (and a bad one reported in one line) when a command first needs them.
    ctx.obj = AppState(overrides=overrides)
    use_language(ctx, language, from_environment=True)  # issue 22


# ---------------------------------------------------------------- the help's catalogue

# The commands whose --help reads in every language (issue 22): "" is the root (its help,
# its options and the one-line summary of every command), then every command with its
# sub-commands. A new command's help is extracted with the others: translate it.
HELP_TRANSLATED: tuple[str, ...] = ("", *(command.name for command in COMMANDS))


def cli_help_texts(names: tuple[str, ...] = HELP_TRANSLATED) -> list[str]:
    """The paragraphs of the help the CLI shows for `names` (kit.cli.translate_help looks
    each up): commands' and options' help, the root's command summaries and Typer's words;
    example command lines left out."""
    import typer.main

    from renewals.kit import cli

    root = typer.main.get_command(app)
    found: list[str] = []

    def add(text: str | None) -> None:
        for paragraph in cli.help_paragraphs(text or ""):
            if paragraph.strip() and not cli.is_example(paragraph):
                found.append(paragraph)

    def walk(command: Any, ctx: Any) -> None:
        add(command.help)
        add(command.short_help)
        for param in command.get_params(ctx):
            add(getattr(param, "help", None))
        for sub in getattr(command, "commands", {}).values():
            walk(sub, ctx)

    ctx: Any = typer.Context(root)
    for name in names:
        if name == "":
            add(root.help)
            for param in root.get_params(ctx):
                add(getattr(param, "help", None))
            found.extend(c.summary for c in COMMANDS)
        else:
            walk(cast(Any, root).get_command(ctx, name), ctx)
    return list(dict.fromkeys(found))


# Typer's own words in a help (typer.rich_utils) and the usage line's prefix.
TYPER_WORDS = (
    "Arguments",
    "Options",
    "Commands",
    "[default: {}]",
    "[required]",
    "[env var: {}]",
    "(deprecated) ",
    "Usage:",
)


def extract_cli_help(
    fileobj: Any, keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[Any, ...]]:
    """Babel extraction method for this file (babel.cfg): its Python messages, then the help
    paragraphs of HELP_TRANSLATED's commands and Typer's words (line 0: no place in a file).
    Here, at the entry points, because it walks the commands; it imports Babel when run."""
    from babel.messages.extract import extract_python

    yield from extract_python(fileobj, keywords, comment_tags, options)
    from renewals.kit.cli import USAGE_ERRORS

    for text in (*cli_help_texts(), *TYPER_WORDS, *USAGE_ERRORS):
        yield 0, None, text, []


def main() -> None:
    wide_help_off_terminal()
    app()


if __name__ == "__main__":
    main()
