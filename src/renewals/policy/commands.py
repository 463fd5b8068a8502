"""`renewals policy`: see and check the rules the product runs on."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import tomli_w
import typer
from rich.markup import escape
from rich.table import Table

from renewals.kit.cli import console, emit_json_lines, emit_text, fail, state
from renewals.kit.i18n import Text, _, tr, word
from renewals.renewal import routing

app = typer.Typer(
    help="See and check the policy: every threshold, weight, window and limit, with its rule ID.",
    no_args_is_help=True,
)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "is_finite"):  # Decimal
        return int(value) if value == value.to_integral_value() else float(value)
    return value


@app.command()
def show(
    ctx: typer.Context,
    rule: Annotated[
        str | None,
        typer.Option(help="Only values of this rule or rule family, e.g. SEG-1 or SAVE."),
    ] = None,
    as_toml: Annotated[
        bool,
        typer.Option(
            "--toml",
            help="Print the effective policy as TOML (a starting point for your own file).",
        ),
    ] = False,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help="Print JSON Lines: one {key, value, rule, source, meaning} per value."
        ),
    ] = False,
) -> None:
    """Print the effective policy (packaged defaults merged with your file) with rule IDs.

    Examples:\n
      renewals policy show\n
      renewals policy show --rule CONC-3\n
      renewals --policy my-policy.toml policy show --toml > effective.toml
    """
    from renewals.policy import service
    from renewals.policy.service import PolicyError

    app_state = state(ctx)
    try:
        policy = app_state.policy()
    except PolicyError as exc:
        fail(exc.message)
    if as_toml:
        # Raw, never through Rich: Rich would wrap long strings and break the TOML (issue 25).
        emit_text(tomli_w.dumps(_plain(policy.model_dump(mode="python"))))
        return
    if as_json:
        chosen = [
            e
            for e in service.entries(policy)
            if not rule or e.rule.upper().startswith(rule.upper())
        ]
        if rule and not chosen:
            fail(Text("no policy value implements rule {rule}", rule=repr(rule)))
        emit_json_lines(
            {
                "key": e.key,
                "value": _plain(e.value),
                "rule": e.rule,
                "source": e.source,
                "meaning": e.description,
            }
            for e in chosen
        )
        return
    source = app_state.settings.policy_file or _("packaged defaults")
    table = Table(
        title=_("Effective policy ({source})").format(source=source),
        caption=_(
            "source: seed = the rule itself gives the value; product default = the "
            "product's own choice where the rule gives none (docs/policy-reference.md)"
        ),
        show_lines=False,
    )
    table.add_column(_("key"), style="cyan", no_wrap=True)
    table.add_column(_("value"), overflow="fold")
    table.add_column(_("rule"), style="magenta", no_wrap=True)
    table.add_column(_("source"), no_wrap=True)
    table.add_column(_("meaning"), style="dim")
    shown = 0
    for entry in service.entries(policy):
        if rule and not entry.rule.upper().startswith(rule.upper()):
            continue
        table.add_row(
            entry.key, entry.shown, entry.rule, word("origin", entry.source), tr(entry.description)
        )
        shown += 1
    if rule and not shown:
        fail(Text("no policy value implements rule {rule}", rule=repr(rule)))
    console.print(table)


@app.command()
def check(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A policy TOML file (only the keys you change).")],
) -> None:
    """Validate a policy file against the rules; lists every bad key, exits 1 if any.

    Beyond each value, the ownership rules (OWN-2) are tried on every kind of renewal
    they can tell apart (ARR at each boundary, every segment, health category and
    strategic flag) and on the open renewals in the database, if there is one: a rule
    set that leaves a renewal with no owner, or with two, is rejected with an example.

    Example: renewals policy check my-policy.toml
    """
    from renewals.policy import service
    from renewals.policy.service import PolicyError
    from renewals.renewal import routing

    try:
        policy = service.load(file)
    except PolicyError as exc:
        fail(exc.message)
    problems = routing.check(policy, _real_renewals(ctx, policy))
    if problems:
        lines = []
        for p in problems:
            example = (
                _("e.g. renewal {id}").format(id=p.renewal_id)
                if p.renewal_id
                else _("a generated example")
            )
            lines.append(f"  ownership.rules (OWN-2): {tr(p.message)} ({example})")
        fail(escape(_("invalid policy {file}:").format(file=file) + "\n" + "\n".join(lines)))
    defaults = {e.key: e.value for e in service.entries(service.load())}
    changed = [e for e in service.entries(policy) if defaults.get(e.key) != e.value]
    console.print(
        "[green]"
        + _("ok")
        + "[/]: "
        + _("{file} is a valid policy ({n} value(s) differ from the defaults)").format(
            file=file, n=len(changed)
        )
    )
    for entry in changed:
        console.print(f"  {escape(entry.key)} = {escape(entry.shown)}  [magenta]{entry.rule}[/]")


def _real_renewals(ctx: typer.Context, policy: Any) -> list[tuple[str, routing.RoutingFacts]]:
    """The open renewals of the configured database, if it exists (never creates one)."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import SQLAlchemyError

    from renewals.db import make_engine, session_scope
    from renewals.renewal import service as renewal_service

    url = state(ctx).settings.database_url
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return []
    try:
        engine = make_engine(url)
        if not inspect(engine).has_table("renewal"):
            return []
        with session_scope(engine) as session:
            return list(renewal_service.routing_examples(session, policy))
    except SQLAlchemyError:
        return []
