"""`renewals tasks`: the playbook's work for a person: list, complete, snooze."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from renewals.errors import RenewalsError
from renewals.kit.cli import console, emit_json_lines, fail, fail_with, opened, parse_as_of, state
from renewals.kit.i18n import _, tr, word

app = typer.Typer(
    help="Playbook tasks (TIME-1..5, HEALTH-4, SEG-2/3 paths): list, complete, snooze.",
    no_args_is_help=True,
)


@app.command("list")
def list_(
    ctx: typer.Context,
    owner: Annotated[str | None, typer.Option(help="Only this person's tasks (email).")] = None,
    overdue: Annotated[bool, typer.Option(help="Only open tasks past their due date.")] = False,
    all_: Annotated[bool, typer.Option("--all", help="Include done and cancelled tasks.")] = False,
    as_of: Annotated[str | None, typer.Option(help="Day to judge 'overdue' from.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many rows.")] = 200,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List tasks, soonest due first; overdue ones are flagged.

    Examples:\n
      renewals tasks list --owner carl@renewals.example\n
      renewals tasks list --overdue --json
    """
    from renewals.db import session_scope
    from renewals.task import service as task_service

    day = parse_as_of(as_of)
    with session_scope(state(ctx).engine()) as session:
        tasks = task_service.list_tasks(
            session, as_of=day, owner=owner, overdue_only=overdue, include_done=all_, limit=limit
        )
        rows: list[dict[str, Any]] = [
            {
                "task_id": t.task_id,
                "due_date": t.due_date.isoformat(),
                "status": t.status_on(day),
                "rule": t.rule,
                "account_id": t.account_id,
                "renewal_id": t.renewal_id,
                "step": t.step,
                "owner_email": t.owner_email,
                "title": t.title,
                "note": t.status_reason,
            }
            for t in tasks
        ]
    if as_json:
        emit_json_lines(rows)
        return
    if not rows:
        console.print(_("No tasks match. Tasks appear when `renewals run` finds steps coming due."))
        return
    table = Table(title=_("Tasks ({n} shown, as of {day})").format(n=len(rows), day=day))
    for col in (
        _("id"),
        _("due"),
        _("status"),
        _("rule"),
        _("renewal / account"),
        _("owner"),
        _("title"),
    ):
        table.add_column(col)
    for r in rows:
        status = word("badge", r["status"])
        table.add_row(
            str(r["task_id"]),
            r["due_date"],
            f"[bold red]{status}[/]" if r["status"] == "overdue" else status,
            r["rule"],
            r["renewal_id"] or r["account_id"],
            r["owner_email"] or "-",
            escape(tr(r["title"])),
        )
    console.print(table)


@app.command()
def done(
    ctx: typer.Context,
    task_id: Annotated[int, typer.Argument(help="The task's id (see `renewals tasks list`).")],
    by: Annotated[str, typer.Option(help="Who completed it (a user's email).")],
    note: Annotated[str, typer.Option(help="What was done, optionally.")] = "",
) -> None:
    """Mark a task done.

    Example: renewals tasks done 42 --by carl@renewals.example --note "EBR booked for 3 Feb"
    """
    from renewals.task import service as task_service

    with opened(ctx) as session:
        task = task_service.complete_task(session, task_id, by=by, note=note)
        console.print(
            _("task {id} done: {title}").format(id=task.task_id, title=escape(tr(task.title)))
        )


@app.command()
def snooze(
    ctx: typer.Context,
    task_id: Annotated[int, typer.Argument(help="The task's id.")],
    until: Annotated[str, typer.Option(help="Day it comes back (YYYY-MM-DD).")],
    reason: Annotated[str, typer.Option(help="Why it waits.")],
    by: Annotated[str, typer.Option(help="Who snoozes it (a user's email).")],
) -> None:
    """Put a task off until a day, with a reason; `renewals run` reopens it then.

    Example: renewals tasks snooze 42 --until 2026-12-10 --reason "champion on leave" --by carl@renewals.example
    """
    from renewals.db import session_scope
    from renewals.task import service as task_service

    try:
        day = parse_as_of(until)
        with session_scope(state(ctx).engine()) as session:
            task = task_service.snooze_task(session, task_id, by=by, until=day, reason=reason)
            console.print(
                _("task {id} snoozed until {day}").format(id=task.task_id, day=task.due_date)
            )
    except RenewalsError as exc:
        fail_with(exc)
    except ValueError as exc:
        fail(str(exc))
