"""The `renewals` command: a Typer root that mounts each domain's commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from renewals import __version__, commands
from renewals.concession import commands as concession_commands
from renewals.config import Settings
from renewals.contract_doc import commands as contract_commands
from renewals.demo import commands as demo_commands
from renewals.escalation import commands as escalation_commands
from renewals.forecast import commands as forecast_commands
from renewals.forecast import model_commands
from renewals.health import commands as health_commands
from renewals.ingest import commands as ingest_commands
from renewals.kit.cli import AppState, fail
from renewals.outbox import commands as outbox_commands
from renewals.playbook import commands as playbook_commands
from renewals.policy import commands as policy_commands
from renewals.proposal import commands as proposal_commands
from renewals.renewal import commands as renewal_commands
from renewals.renewal import export_commands
from renewals.save_plan import commands as save_commands
from renewals.signal import commands as signal_commands
from renewals.user import commands as user_commands
from renewals.web import commands as web_commands
from renewals.winloss import commands as winloss_commands

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
) -> None:
    overrides = {
        k: v
        for k, v in {"database_url": db, "data_dir": data_dir, "policy_file": policy}.items()
        if v
    }
    try:
        settings = Settings(**overrides)
    except ValueError as exc:  # pydantic's ValidationError: one line per bad setting, no traceback
        errors = getattr(exc, "errors", lambda: [])()
        problems = [
            f"RENEWALS_{'_'.join(map(str, e['loc'])).upper()}={e.get('input')!r}: {e['msg']}"
            for e in errors
        ]
        fail("invalid setting: " + ("; ".join(problems) or str(exc)))
    ctx.obj = AppState(settings)


app.add_typer(policy_commands.app, name="policy")
app.add_typer(commands.db_app, name="db")
app.add_typer(signal_commands.app, name="signals")
app.add_typer(playbook_commands.app, name="tasks")
app.add_typer(outbox_commands.app, name="outbox")
app.add_typer(export_commands.export_app, name="export")
app.add_typer(save_commands.app, name="saves")
app.add_typer(concession_commands.app, name="concession")
app.add_typer(escalation_commands.app, name="escalation")
app.add_typer(winloss_commands.app, name="winloss")
app.add_typer(forecast_commands.app, name="forecast")
app.add_typer(model_commands.app, name="model")
app.add_typer(user_commands.app, name="user")
app.add_typer(proposal_commands.app, name="proposal")
app.add_typer(contract_commands.app, name="contract")
app.add_typer(proposal_commands.wins_app, name="wins")
app.add_typer(proposal_commands.roi_app, name="roi")
app.command("import")(ingest_commands.import_)
app.command("run")(commands.run)
app.command("status")(commands.status)
app.command("health")(health_commands.health)
app.command("renewal")(renewal_commands.renewal)
app.command("stage")(renewal_commands.stage)
app.command("calendar")(export_commands.calendar)
app.command("demo-data")(demo_commands.demo_data)
app.command("demo")(demo_commands.demo)
app.command("serve")(web_commands.serve)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
