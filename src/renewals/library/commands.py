"""`renewals library`: the playbook library (LEARN-3) from the command line."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from renewals.kit import completion
from renewals.kit.cli import console, emit_json, figure, opened, parse_as_of, state
from renewals.kit.i18n import _, word

app = typer.Typer(
    help="The playbook library (LEARN-3): the seeds' scripts (save conversation, "
    "executive-to-executive call, graceful exit) and talk tracks in en/de/id/ms, objections "
    "with responses (TIME-4), the team's templates; each use on a renewal, ranked by outcome.",
    no_args_is_help=True,
)


@app.command("load-seeds")
def load_seeds(ctx: typer.Context) -> None:
    """Load (or refresh) the seeds' own scripts, talk tracks and objections with responses,
    in English, German, Indonesian and Malay. Safe to repeat; the team's items are kept.

    Example: renewals library load-seeds
    """
    from renewals.db import session_scope
    from renewals.library import service

    with session_scope(state(ctx).engine()) as session:
        created, updated = service.load_seeds(session, on=parse_as_of(None))
    console.print(
        _("library: {created} seed items added, {updated} updated").format(
            created=created, updated=updated
        )
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    kind: Annotated[
        str | None,
        typer.Option(
            help="objection, talk_track, script, email_template, proposal_format, bundling."
        ),
    ] = None,
    language: Annotated[str | None, typer.Option(help="en, de, id or ms.")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Every item with its uses and the outcome of the renewals it was used on (won, lost,
    open), best win rate first; objections still waiting for a response; the campaign's
    email templates with the outcomes of the renewals they went to.

    Examples:\n
      renewals library list --kind script --language de\n
      renewals library list --kind objection
    """
    from renewals.db import session_scope
    from renewals.library import service

    with session_scope(state(ctx).engine()) as session:
        r = service.report(session, kind=kind, language=language)
        rows = [
            {
                "key": s.item.key,
                "language": s.item.language,
                "kind": s.item.kind,
                "rule": s.item.rule,
                "title": s.item.title,
                "source": s.item.source,
                "uses": s.uses,
                "won": s.won,
                "lost": s.lost,
                "open": s.open,
                "win_rate": s.win_rate,
                "has_response": bool(s.item.response),
            }
            for s in r.items
        ]
        unanswered = [(i.key, i.language, i.title) for i in r.unanswered]
    if as_json:
        emit_json({"items": rows, "templates": r.templates, "unanswered": unanswered})
        return
    if not rows:
        console.print(
            _("The library is empty: `renewals library load-seeds` loads the seeds' texts.")
        )
        return
    table = Table(title=_("Playbook library (LEARN-3): {n} items").format(n=len(rows)))
    columns = (
        _("key"), _("lang"), _("kind"), _("rule"), _("title"),
        _("uses"), _("won"), _("lost"), _("open"), _("win rate"),
    )  # fmt: skip
    for i, col in enumerate(columns):
        table.add_column(col, justify="right" if i >= 5 else "left")
    for x in rows:
        rate = "-" if x["win_rate"] is None else figure(f"{x['win_rate']:.0%}")
        table.add_row(
            str(x["key"]), str(x["language"]), word("library", str(x["kind"])), str(x["rule"]),
            escape(str(x["title"])),
            str(x["uses"]), str(x["won"]), str(x["lost"]), str(x["open"]), rate,
        )  # fmt: skip
    console.print(table)
    if unanswered:
        console.print(
            "[yellow]"
            + _("{n} objections heard without a response (TIME-4):").format(n=len(unanswered))
            + "[/]"
        )
        for key, lang, title in unanswered:
            console.print(f"  {key} ({lang}): {title}", markup=False)
    if r.templates:
        console.print(_("Campaign email templates sent (TIME-5) and how those renewals ended:"))
        for t in r.templates:
            console.print(
                "  "
                + _(
                    "{template} ({language}): sent {sent}, won {won}, lost {lost}, open {open}"
                ).format(
                    template=t["template"],
                    language=t["language"],
                    sent=t["sent"],
                    won=t.get("won", 0),
                    lost=t.get("lost", 0),
                    open=t.get("open", 0),
                )
            )


@app.command()
def show(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="The item's key (see `renewals library list`).")],
    language: Annotated[str, typer.Option(help="en, de, id or ms.")] = "en",
    as_json: Annotated[bool, typer.Option("--json", help="The item as JSON.")] = False,
) -> None:
    """Print one item in full (the script, the objection and its response).

    Examples:\n
      renewals library show save_listen_first --language ms\n
      renewals library show save_listen_first --json
    """
    from renewals.library import service

    with opened(ctx) as session:
        item = service.get(session, key, language)
        if as_json:
            emit_json(
                {
                    "key": item.key,
                    "language": item.language,
                    "kind": item.kind,
                    "rule": item.rule,
                    "title": item.title,
                    "source": item.source,
                    "body": item.body,
                    "response": item.response,
                }
            )
            return
        console.print(
            f"[bold]{escape(item.title)}[/] ({word('library', item.kind)}, {item.rule}; "
            f"{escape(item.source)})"
        )
        console.print(item.body, markup=False)
        if item.kind == "objection":
            console.print("[bold]" + _("Response") + "[/]")
            console.print(
                item.response or _("(none yet: `renewals library respond`)"), markup=False
            )


@app.command()
def add(
    ctx: typer.Context,
    kind: Annotated[str, typer.Option(help="talk_track, email_template, proposal_format, ...")],
    title: Annotated[str, typer.Option(help="A short title; the key is made from it.")],
    body: Annotated[str, typer.Option(help="The text itself.")],
    by: Annotated[str, typer.Option(help="Who adds it (a user's email).")],
    language: Annotated[str, typer.Option(help="en, de, id or ms.")] = "en",
    response: Annotated[str | None, typer.Option(help="For an objection: the response.")] = None,
) -> None:
    """Add what worked for the team: a template, a talk track, a proposal format, a bundling
    approach, an objection with its response (LEARN-3).

    Example: renewals library add --kind talk_track --title "Migration story" --body "Remember when we migrated 10,000 records in a weekend?" --by EMAIL
    """
    from renewals.library import service
    from renewals.user import access

    with opened(ctx) as session:
        access.require_active_user(session, by)
        item = service.add(
            session, kind=kind, title=title, body=body, by=by, on=parse_as_of(None),
            language=language, response=response,
        )  # fmt: skip
        console.print(
            _("added {key} ({language}, {kind})").format(
                key=item.key, language=item.language, kind=word("library", item.kind)
            )
        )


@app.command()
def use(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="The item's key.")],
    renewal_id: Annotated[
        str, typer.Argument(autocompletion=completion.renewal_ids, help="R-<contract id>.")
    ],
    by: Annotated[str, typer.Option(help="Who used it (a user's email).")],
    language: Annotated[str, typer.Option(help="en, de, id or ms.")] = "en",
    note: Annotated[str | None, typer.Option(help="How it went, in words.")] = None,
) -> None:
    """Record that an item was used on a renewal; its outcome counts when the renewal closes.

    Example: renewals library use save_open_honestly RENEWAL_ID --by EMAIL
    """
    from renewals.library import service
    from renewals.user import access

    with opened(ctx) as session:
        access.require_active_user(session, by)
        item = service.get(session, key, language)
        service.use(session, item, renewal_id=renewal_id, by=by, on=parse_as_of(None), note=note)
        console.print(
            _("{key} ({language}) used on {renewal}").format(
                key=item.key, language=item.language, renewal=renewal_id
            )
        )


@app.command()
def objection(
    ctx: typer.Context,
    renewal_id: Annotated[
        str, typer.Argument(autocompletion=completion.renewal_ids, help="R-<contract id>.")
    ],
    heard: Annotated[str, typer.Option(help="What the customer said, in their words.")],
    by: Annotated[str, typer.Option(help="Who heard it (a user's email).")],
    key: Annotated[
        str | None, typer.Option(help="The known objection it is (else a new one is added).")
    ] = None,
    language: Annotated[str, typer.Option(help="en, de, id or ms.")] = "en",
) -> None:
    """Write down an objection heard on a renewal (TIME-4: every objection, with a response):
    a use of a known objection, or a new one that waits for a response.

    Examples:\n
      renewals library objection RENEWAL_ID --heard "Budget is tight next year" --key objection_budget_tight --by EMAIL\n
      renewals library objection RENEWAL_ID --heard "Your mobile app is too slow" --by EMAIL
    """
    from renewals.library import service
    from renewals.user import access

    with opened(ctx) as session:
        access.require_active_user(session, by)
        item, _use, created = service.record_objection(
            session, renewal_id=renewal_id, heard=heard, by=by, on=parse_as_of(None),
            key=key, language=language,
        )  # fmt: skip
        if created:
            console.print(
                _(
                    "new objection {key} recorded on {renewal}; write its response: {command}"
                ).format(
                    key=item.key,
                    renewal=renewal_id,
                    command=f"renewals library respond {item.key} --response ... --by {by}",
                )
            )
        else:
            console.print(
                _("{key} heard on {renewal}. Response:").format(key=item.key, renewal=renewal_id)
            )
            console.print(item.response or _("(none yet)"), markup=False)


@app.command()
def respond(
    ctx: typer.Context,
    key: Annotated[str, typer.Argument(help="The objection's key.")],
    response: Annotated[str, typer.Option(help="The response, in words.")],
    by: Annotated[str, typer.Option(help="Who writes it (a user's email).")],
    language: Annotated[str, typer.Option(help="en, de, id or ms.")] = "en",
) -> None:
    """Write the response to an objection (TIME-4).

    Example: renewals library respond objection_too_early --response "Agree a date now" --by EMAIL
    """
    from renewals.library import service
    from renewals.user import access

    with opened(ctx) as session:
        access.require_active_user(session, by)
        item = service.respond(
            session, service.get(session, key, language), response=response, by=by
        )
        console.print(_("{key}: response recorded").format(key=item.key))
