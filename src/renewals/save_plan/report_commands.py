"""`renewals saves report | exit | debrief | lessons | winback list`: the save metrics
(MET-1), the graceful exit and debrief of a lost cause (LOST-1..3), what a save
taught (POST-3) and the win-back touches (LOST-4). Mounted in the `saves` sub-app:

    app.command("report")(report_commands.report)
    app.command("exit")(report_commands.exit_)
    app.command("debrief")(report_commands.debrief)
    app.command("lessons")(report_commands.lessons)
    app.add_typer(report_commands.winback_app, name="winback")
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from renewals.errors import RenewalsError
from renewals.kit import completion
from renewals.kit.cli import (
    console,
    emit_json,
    emit_json_lines,
    fail,
    fail_with,
    figure,
    opened,
    parse_as_of,
    parse_date,
    state,
)
from renewals.kit.i18n import Text, _, lazy, tr, word
from renewals.save_plan import aftercare as rules
from renewals.save_plan.metrics import SaveFigures, SaveMetricsReport
from renewals.save_plan.plan_commands import AsOf

if TYPE_CHECKING:  # a command imports its slice when it runs (issue 24)
    from renewals.save_plan.models import SaveExit


class MetricsBy(StrEnum):
    segment = "segment"
    owner = "owner"


class Saveable(StrEnum):
    yes = "yes"
    no = "no"
    unknown = "unknown"


# --- MET-1 ----------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    if value is None:
        return "-"
    # 1 in 3,477 is not 0%
    return figure(f"{value:.1%}" if 0 < value < 0.01 else f"{value:.0%}")


def _money(value: Any) -> str:
    return figure(f"{value:,.0f}")


def _days(value: float | None) -> str:
    return "-" if value is None else _("{n} d").format(n=figure(f"{value:g}"))


def _roi(f: SaveFigures) -> str:
    return "-" if f.roi_multiple is None else figure(f"{f.roi_multiple:,.1f}x")


VERDICT_STYLE = {
    "suspicious": ("[bold yellow]{}  {}[/]", lazy("suspicious")),
    "solid": ("[green]{}  {}[/]", lazy("solid")),
    "above_solid": ("[green]{}[/]", None),
    "below_solid": ("[red]{}  {}[/]", lazy("below solid")),
}


def _success(f: SaveFigures) -> str:
    shown = f"{_pct(f.success_rate)} ({f.saved}/{f.plans_closed})"
    style, label = VERDICT_STYLE.get(f.success_verdict or "", ("{}", None))
    return style.format(shown, label)


def _overall_table(r: SaveMetricsReport) -> Table:
    f = r.overall
    title = (
        _("Save metrics (MET-1) as of {day} since {since}").format(day=r.as_of, since=r.since)
        if r.since
        else _("Save metrics (MET-1) as of {day}").format(day=r.as_of)
    )
    table = Table(title=title, show_header=False)
    table.add_column(_("metric"))
    table.add_column(_("value"))
    table.add_column(_("how"), style="dim")
    table.add_row(
        _("Attempt rate"),
        f"{_pct(f.attempt_rate)} ({f.attempted}/{f.at_risk})",
        _("at-risk renewals with a save plan; not all should be attempted (SAVE-5)"),
    )
    table.add_row(
        _("Success rate"),
        _success(f),
        _("plans closed saved / plans closed; {n} still active").format(n=f.active),
    )
    table.add_row(
        _("Save ROI"),
        _("{roi} (saved ARR {saved} / cost {cost} {currency})").format(
            roi=_roi(f),
            saved=_money(f.saved_arr),
            cost=_money(f.effort_cost),
            currency=r.currency,
        ),
        _("{hours} h of closed plans x loaded hourly rate (ROI-1)").format(
            hours=_money(f.effort_hours)
        ),
    )
    table.add_row(
        _("Post-save retention"),
        f"{_pct(f.post_save_retention)} ({f.retained_next}/{f.retained_next + f.lost_next})",
        _("saved accounts whose next renewal was won; {n} not known yet").format(n=f.next_unknown),
    )
    table.add_row(
        _("Time to save"),
        _days(f.time_to_save_days),
        _("median days from plan start to close"),
    )
    table.add_row(
        _("Renewed without a plan"),
        _("{rate} ({won} won, {lost} lost, {open} open)").format(
            rate=_pct(f.renewed_without_plan_rate),
            won=f.no_plan_won,
            lost=f.no_plan_lost,
            open=f.no_plan_open,
        ),
        _("triaged renewals nobody tried to save: did they renew anyway?"),
    )
    return table


def _group_table(r: SaveMetricsReport) -> Table:
    table = Table(title=_("By {what}").format(what=word("by", r.by)))
    for i, col in enumerate(
        (
            word("by", r.by),
            _("at risk"),
            _("attempted"),
            _("success"),
            _("saved ARR"),
            _("cost"),
            "ROI",
            _("retention"),
            _("time to save"),
            _("renewed w/o plan"),
        )
    ):
        table.add_column(col, justify="left" if i == 0 else "right")
    for key, f in r.groups.items():
        table.add_row(
            word("segment", key) if r.by == "segment" else key,
            str(f.at_risk),
            f"{_pct(f.attempt_rate)} ({f.attempted})",
            _success(f),
            _money(f.saved_arr),
            _money(f.effort_cost),
            _roi(f),
            _pct(f.post_save_retention),
            _days(f.time_to_save_days),
            _pct(f.renewed_without_plan_rate),
        )
    return table


def report(
    ctx: typer.Context,
    as_of: Annotated[
        str | None, typer.Option(help="Measure as things stood on this day (default: today).")
    ] = None,
    by: Annotated[
        MetricsBy, typer.Option(help="Break the figures down by segment or by owner.")
    ] = MetricsBy.segment,
    since: Annotated[
        str | None,
        typer.Option(help="Only renewals triaged or plans started on or after this day."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The save desk's results (MET-1): attempt rate, success rate (50-60% is solid;
    above 70% may mean effort goes to accounts that would renew anyway), save ROI,
    post-save retention and time to save, overall and by segment or owner; and how
    triaged renewals without a plan ended. See docs/save-metrics.md.

    Examples:\n
      renewals saves report\n
      renewals saves report --by owner --since 2026-01-01\n
      renewals saves report --as-of 2026-11-24 --json
    """
    from renewals.db import session_scope
    from renewals.policy.service import PolicyError
    from renewals.save_plan import aftercare_service as service

    app_state = state(ctx)
    day = parse_as_of(as_of)
    start = parse_date(since, "--since")
    try:
        policy = app_state.policy()
    except PolicyError as exc:
        fail(exc.message)
    try:
        with session_scope(app_state.engine()) as session:
            result = service.save_metrics(
                session, as_of=day, policy=policy, since=start, by=by.value
            )
    except RenewalsError as exc:
        fail_with(exc)
    if as_json:
        emit_json(result.as_dict())
        return
    if result.overall.at_risk == 0:
        console.print(tr(result.message) if result.message else _("nothing to measure yet"))
        return
    console.print(_overall_table(result))
    if len(result.groups) > 1 or result.overall.attempted:
        console.print(_group_table(result))
    for note in result.overall.notes:
        console.print(f"- {tr(note)}", markup=False, soft_wrap=True)
    for key, figures in result.groups.items():
        if figures.success_verdict == "suspicious" and len(result.groups) > 1:
            group = word("segment", key) if result.by == "segment" else key
            console.print(f"- {group}: {tr(figures.notes[0])}", markup=False, soft_wrap=True)
    if result.message:
        console.print(tr(result.message), markup=False)


# --- LOST-1..3 ------------------------------------------------------------------------------


def _print_exit(row: SaveExit) -> None:
    from renewals.save_plan import aftercare as rules

    console.print(
        _("[bold]{id}[/] exit ({status}), since {day}").format(
            id=row.renewal_id, status=word("exit", row.status), day=row.detected_on
        ),
        soft_wrap=True,
    )
    for reason in row.reasons or []:
        console.print(f"  - {tr(reason)}", markup=False, soft_wrap=True)
    table = Table(title=_("Graceful exit (LOST-2)"))
    for col in ("", _("item"), _("what"), _("done on"), _("by"), _("note")):
        table.add_column(col)
    for item in row.checklist or []:
        table.add_row(
            "[green]x[/]" if item.get("done") else "[dim].[/]",
            item["key"],
            tr(item.get("title", "")),
            item.get("done_on") or "",
            item.get("by") or "",
            item.get("note") or "",
        )
    console.print(table)
    missing = rules.debrief_missing(row.debrief or {})
    if (row.debrief or {}).get("completed_on"):
        console.print(
            _("Debrief (LOST-3) completed on {day}.").format(day=row.debrief["completed_on"])
        )
    else:
        console.print(
            _("Debrief (LOST-3) still needs: {fields} ({command})").format(
                fields=", ".join(missing), command=f"`renewals saves debrief {row.renewal_id}`"
            ),
            markup=False,
            soft_wrap=True,
        )


def exit_(
    ctx: typer.Context,
    renewal_id: Annotated[
        str,
        typer.Argument(
            autocompletion=completion.renewal_ids, help="The renewal (see `renewals saves list`)."
        ),
    ],
    done: Annotated[
        list[str] | None,
        typer.Option(
            "--done",
            metavar="ITEM",
            help=f"Tick an item (repeatable): {', '.join(rules.EXIT_KEYS)}.",
        ),
    ] = None,
    undo: Annotated[
        list[str] | None,
        typer.Option("--undo", metavar="ITEM", help="Untick an item (repeatable)."),
    ] = None,
    because: Annotated[
        list[rules.LostCause] | None,
        typer.Option(
            "--because",
            metavar="CAUSE",
            help="Declare it a lost cause (LOST-1), opening the exit if needed (repeatable): "
            f"{', '.join(c.value for c in rules.LostCause)}.",
        ),
    ] = None,
    note: Annotated[str, typer.Option(help="A note for the items or the lost cause.")] = "",
    by: Annotated[
        str | None, typer.Option(help="Who does it (a user's email); needed for changes.")
    ] = None,
    as_of: AsOf = None,
) -> None:
    """Show or work the graceful exit of a lost cause (LOST-1, LOST-2): data export,
    knowledge transfer, offboarding support, continued service, door left open. The
    daily run opens an exit for detected lost causes and for every lost save; a person
    can declare one. When every item is done, the exit is `exited`.

    Examples:\n
      renewals saves exit R-C-0042\n
      renewals saves exit R-C-0042 --because final_decision --note "CFO: no budget in 2027" --by carl@renewals.example\n
      renewals saves exit R-C-0042 --done data_export --done knowledge_transfer --by carl@renewals.example
    """
    from renewals.save_plan import aftercare_service as service

    changes = bool(done or undo or because)
    if changes and not by:
        fail(Text("--by EMAIL is needed to change an exit"), 2)
    day = parse_as_of(as_of)  # the exit's detected_on and each ticked item's day
    with opened(ctx) as session:
        if because:
            assert by is not None
            service.declare_lost(
                session, renewal_id, [c.value for c in because], note=note, by=by, on=day
            )
        if done or undo:
            assert by is not None
            service.tick_exit(
                session,
                renewal_id,
                done=list(done or []),
                undo=list(undo or []),
                by=by,
                on=day,
                note=note,
            )
        _print_exit(service.get_exit(session, renewal_id))


def _print_debrief(row: SaveExit) -> None:
    table = Table(title=_("Debrief of {id} (LOST-3)").format(id=row.renewal_id), show_header=False)
    table.add_column(_("question"))
    table.add_column(_("answer"))
    debrief = row.debrief or {}
    for key, question in rules.DEBRIEF_QUESTIONS.items():
        value = debrief.get(key)
        if key == "missed_signals":
            shown = "\n".join(
                f"{s['first_seen_on']} {word('signal', s['kind'])} ({s['rule']}, "
                f"{word('severity', s['severity'])}): {tr(s['evidence'])}"
                for s in value or []
            ) or _("none found")
        elif isinstance(value, list):
            shown = "; ".join(str(v) for v in value) or "-"
        else:
            shown = "-" if value in (None, "") else str(value)
        if key == "could_have_been_saved" and value in rules.SAVEABLE:
            shown = word("saveable", value)
        table.add_row(tr(question), shown)
    console.print(table)


def debrief(
    ctx: typer.Context,
    renewal_id: Annotated[
        str, typer.Argument(autocompletion=completion.renewal_ids, help="The renewal of the exit.")
    ],
    real_reason: Annotated[
        list[str] | None,
        typer.Option("--real-reason", help="A real reason for leaving (repeatable)."),
    ] = None,
    really_lost_on: Annotated[
        str | None, typer.Option(help="When it was really lost (YYYY-MM-DD).")
    ] = None,
    saveable: Annotated[
        Saveable | None,
        typer.Option("--could-have-been-saved", help="Could it have been saved?"),
    ] = None,
    how: Annotated[str | None, typer.Option(help="How it could have been saved.")] = None,
    pattern: Annotated[str | None, typer.Option(help="The pattern it matches.")] = None,
    what_to_change: Annotated[
        str | None, typer.Option("--change", help="What to change (team, product, process).")
    ] = None,
    shared_with: Annotated[
        list[str] | None,
        typer.Option("--shared-with", help="Who it was shared with, e.g. team, product."),
    ] = None,
    complete: Annotated[
        bool, typer.Option("--complete", help="Mark the debrief complete (checks the answers).")
    ] = False,
    by: Annotated[str | None, typer.Option(help="Who answers (a user's email).")] = None,
    as_of: AsOf = None,
) -> None:
    """Show or fill the debrief of a lost renewal (LOST-3): real reasons, when it was
    really lost versus when they told us, the signals first seen before the decision,
    whether and how it could have been saved, its pattern, and what to change. The
    daily run prefills what the data knows; share the result with the team and product.

    Examples:\n
      renewals saves debrief R-C-0042\n
      renewals saves debrief R-C-0042 --real-reason "champion left in May" --really-lost-on 2026-05-15 --by carl@renewals.example\n
      renewals saves debrief R-C-0042 --could-have-been-saved yes --how "multi-thread before May" --change "SIG-6 alert to the manager" --shared-with product --complete --by carl@renewals.example
    """
    from renewals.save_plan import aftercare_service as service

    changes: dict[str, Any] = {
        "real_reasons": real_reason or None,
        "really_lost_on": parse_date(really_lost_on, "--really-lost-on"),
        "could_have_been_saved": saveable.value if saveable else None,
        "how": how,
        "pattern": pattern,
        "what_to_change": what_to_change,
        "shared_with": shared_with or None,
    }
    changing = complete or any(v is not None for v in changes.values())
    if changing and not by:
        fail(Text("--by EMAIL is needed to fill a debrief"), 2)
    with opened(ctx) as session:
        if changing:
            assert by is not None
            row = service.fill_debrief(
                session,
                renewal_id,
                {k: v for k, v in changes.items() if v is not None},
                by=by,
                on=parse_as_of(as_of),  # the day a completed debrief is stamped with
                complete=complete,
            )
        else:
            row = service.get_exit(session, renewal_id)
        _print_debrief(row)


def lessons(
    ctx: typer.Context,
    renewal_id: Annotated[
        str, typer.Argument(autocompletion=completion.renewal_ids, help="A saved renewal.")
    ],
    worked: Annotated[str | None, typer.Option(help="Which tactics worked.")] = None,
    differently: Annotated[str | None, typer.Option(help="What to do differently.")] = None,
    systemic_fix: Annotated[
        str | None, typer.Option(help="The systemic cause and its fix.")
    ] = None,
    by: Annotated[str | None, typer.Option(help="Who records it (a user's email).")] = None,
) -> None:
    """Show or record what a save taught (POST-3): the risk, the tactics and concessions
    (prefilled), the time to resolution, what worked, what to do differently and the
    systemic fix.

    Examples:\n
      renewals saves lessons R-C-0042\n
      renewals saves lessons R-C-0042 --worked "fast fix of the export bug" --systemic-fix "export regression tests" --by carl@renewals.example
    """
    from renewals.save_plan import aftercare_service as service

    changes = {
        "tactics_worked": worked,
        "do_differently": differently,
        "systemic_fix": systemic_fix,
    }
    changing = any(changes.values())
    if changing and not by:
        fail(Text("--by EMAIL is needed to record lessons"), 2)
    with opened(ctx) as session:
        if changing:
            assert by is not None
            row = service.record_lessons(session, renewal_id, changes, by=by)
        else:
            row = service.get_post_save(session, renewal_id)
        record = {
            "renewal_id": row.renewal_id,
            "saved_on": row.saved_on.isoformat(),
            "monitor_until": row.monitor_until.isoformat(),
            "status": row.status,
            "lessons": row.lessons,
        }
    emit_json(record)


# --- LOST-4 ---------------------------------------------------------------------------------

winback_app = typer.Typer(
    help="Win-back touches of churned accounts (LOST-4): 3, 6 and 12 months after churn.",
    no_args_is_help=True,
)


@winback_app.command("list")
def winback_list(
    ctx: typer.Context,
    owner: Annotated[str | None, typer.Option(help="Only this person's touches (email).")] = None,
    due_within: Annotated[
        int | None, typer.Option(min=0, help="Only touches due within this many days.")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include done and cancelled ones.")] = False,
    as_of: Annotated[str | None, typer.Option(help="Day to count from (default: today).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List win-back touches (LOST-4), soonest first: a check-in at 3 months, relevant
    updates at 6, the formal win-back conversation at 12. Work them with
    `renewals tasks done ID`.

    Examples:\n
      renewals saves winback list --due-within 30\n
      renewals saves winback list --owner carl@renewals.example --json
    """
    from renewals.db import session_scope
    from renewals.save_plan import aftercare_service as service

    day = parse_as_of(as_of)
    with session_scope(state(ctx).engine()) as session:
        tasks = service.list_winbacks(
            session, as_of=day, owner=owner, due_within=due_within, include_done=all_
        )
        rows: list[dict[str, Any]] = [
            {
                "task_id": t.task_id,
                "due_date": t.due_date.isoformat(),
                "status": t.status_on(day),
                "renewal_id": t.renewal_id,
                "account_id": t.account_id,
                "step": t.step,
                "owner_email": t.owner_email,
                "title": t.title,
                "description": t.description,
            }
            for t in tasks
        ]
    if as_json:
        emit_json_lines(rows)
        return
    if not rows:
        console.print(_("No win-back touches. `renewals run` schedules them for churned renewals."))
        return
    table = Table(title=_("Win-back touches (LOST-4), as of {day}").format(day=day))
    for col in (_("id"), _("due"), _("status"), _("touch"), _("account"), _("owner")):
        table.add_column(col)
    for r in rows:
        shown = word("badge", r["status"])
        status = f"[bold red]{shown}[/]" if r["status"] == "overdue" else shown
        table.add_row(
            str(r["task_id"]),
            r["due_date"],
            status,
            tr(r["title"]),
            r["account_id"],
            r["owner_email"] or "-",
        )
    console.print(table)
