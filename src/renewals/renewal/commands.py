"""`renewals renewal ID` and `renewals stage`: one renewal explained, and moving its stage."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from renewals.errors import RenewalsError
from renewals.kit import completion
from renewals.kit.cli import (
    LANGUAGE_HELP,
    console,
    emit_json,
    fail,
    fail_with,
    parse_as_of,
    state,
    use_language,
)
from renewals.kit.i18n import _, current, lazy, ngettext, term, tr, word
from renewals.kit.locale import format_number
from renewals.renewal.domain import Stage

DECISIONS = (
    ("segment", lazy("Segment")),
    ("opportunity", lazy("Opportunity type")),
    ("touch", lazy("Touch model")),
    ("motion", lazy("Motion")),
    ("owner", lazy("Owner")),
    ("sponsor", lazy("Executive sponsor")),  # OWN-2: strategic accounts only
)
# The context of each decision's value (renewals.web.terms): its word in the language.
DECISION_TERMS = {
    "segment": "segment",
    "opportunity": "opportunity",
    "touch": "touch",
    "motion": "motion",
    "owner": "role",
}


def renewal(
    ctx: typer.Context,
    renewal_id: Annotated[
        str,
        typer.Argument(
            autocompletion=completion.renewal_ids,
            help="The renewal's id: R-<contract id>, e.g. R-C000123.",
        ),
    ],
    as_of: Annotated[
        str | None, typer.Option(help="Day to count days, overdue tasks and the timeline from.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print everything as JSON.")] = False,
    language: Annotated[str | None, typer.Option("--language", help=LANGUAGE_HELP)] = None,
) -> None:
    """Explain one renewal: its segment, opportunity type, touch model, motion and owner with
    the reasons and rule IDs behind each, the stage history, the playbook tasks (overdue
    flagged), the campaign's messages, the customer's budget cycle with the budget ask
    date and every planned playbook date (FUND-4), the timeline to share with the
    customer (TIME-6) and the stakeholder map (STK-1/2). Renewals come from `renewals run`.

    Examples:\n
      renewals renewal R-C000123\n
      renewals renewal R-C000123 --json | jq .decisions.owner\n
      renewals renewal R-C000123 --language de
    """
    from renewals.db import session_scope
    from renewals.policy.service import PolicyError
    from renewals.renewal import service

    use_language(ctx, language, from_environment=False)  # issue 22; JSON stays as it is
    app_state = state(ctx)
    try:
        policy = app_state.policy()
    except PolicyError as exc:
        fail(exc.message)
    day = parse_as_of(as_of)
    try:
        with session_scope(app_state.engine()) as session:
            report = _report(session, service.get(session, renewal_id), policy, day, app_state)
    except RenewalsError as exc:
        fail_with(exc)
    if as_json:
        emit_json(report)
        return
    _print(report)


def _report(session: Any, r: Any, policy: Any, day: Any, app_state: Any) -> dict[str, Any]:
    from sqlalchemy import select

    from renewals.account import service as account_service
    from renewals.account.models import Account
    from renewals.outbox.models import OutboxMessage
    from renewals.playbook import messages
    from renewals.renewal import service
    from renewals.task.models import Task

    account = session.get(Account, r.account_id)
    tasks = session.scalars(
        select(Task).where(Task.renewal_id == r.renewal_id).order_by(Task.due_date, Task.task_id)
    ).all()
    outbox = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.renewal_id == r.renewal_id)
        .order_by(OutboxMessage.message_id)
    ).all()
    milestones = [(m.days, m.milestone) for m in policy.campaign.customer_timeline]
    stakeholders = account_service.stakeholder_map_for(
        session, r.account_id, as_of=day, policy=policy
    )
    return {
        "renewal_id": r.renewal_id,
        "account_id": r.account_id,
        "account_name": account.name if account else None,
        "contract_id": r.contract_id,
        "renewal_date": r.renewal_date,
        "days_to_renewal": (r.renewal_date - day).days,
        "arr": float(r.current_arr),
        "target_arr": float(r.target_arr),
        "currency": r.currency,
        "stage": r.stage,
        "stage_since": r.stage_since,
        "expected_stage": _expected(r, day, policy),
        "health_score": r.health_score,
        "health_category": r.health_category,
        "risk": r.risk,
        "signals": r.signals,
        "likelihood": r.likelihood,
        "outcome": r.outcome,
        "owner_email": r.owner_email,
        "decisions": r.decisions,
        "stage_history": [
            {
                "from": c.from_stage,
                "to": c.to_stage,
                "on": c.on,
                "by": c.by,
                "rule": c.rule,
                "reason": c.reason,
            }
            for c in service.stage_history(session, r.renewal_id)
        ],
        "tasks": [
            {
                "task_id": t.task_id,
                "step": t.step,
                "title": t.title,
                "rule": t.rule,
                "due_date": t.due_date,
                "owner_email": t.owner_email,
                "status": t.status_on(day),
                "note": t.status_reason,
            }
            for t in tasks
        ],
        "messages": [
            {
                "message_id": m.message_id,
                "step": m.step,
                "audience": m.audience,
                "to": m.to_address,
                "language": m.language,
                "subject": m.subject,
                "status": m.status,
                "reason": m.status_reason,
            }
            for m in outbox
        ],
        "customer_timeline": messages.timeline_text(
            r.renewal_date,
            milestones,
            (account.language if account else None) or "en",
            day,
            templates_dir=app_state.settings.templates_dir,
        ),
        "stakeholders": _stakeholders(stakeholders),
        **_budget(r, account, policy),
    }


def _budget(r: Any, account: Any, policy: Any) -> dict[str, Any]:
    """FUND-4: the renewal's place in the customer's fiscal year and the planned dates."""
    from renewals.playbook.service import view_of
    from renewals.playbook.timeline import budget_timing, schedule

    view = view_of(r, account.fiscal_year_start_month if account else None)
    t = budget_timing(view, policy)
    planned = schedule(view, policy)
    return {
        "budget": {
            "fiscal_year": t.describe_year(),
            "fiscal_year_start_month": t.fiscal_year_start_month,
            "fiscal_month": t.fiscal_month,
            "phase": t.phase.value,
            "ask_date": t.ask_date,
            "check_due": t.check_due,
            "payment_gap_days": t.payment_gap_days,
            "check_task": any(s.step == "budget_check" for s in planned),
            "reasons": list(t.reasons),
        },
        "schedule": [
            {
                "step": s.step,
                "title": s.title,
                "rule": s.rule,
                "due_date": s.due_date,
                "moved_from": s.moved_from,
            }
            for s in planned
        ],
    }


def _expected(r: Any, day: Any, policy: Any) -> str | None:
    from renewals.renewal.domain import expected_stage

    if Stage(r.stage).is_closed:
        return None
    return expected_stage((r.renewal_date - day).days, policy.stages).value


def _stakeholders(smap: Any) -> dict[str, Any]:
    return smap.as_record()


STAGE_STYLE = {"closed_won": "green", "closed_lost": "red"}


def _print(report: dict[str, Any]) -> None:
    """The explanation in the current language (issue 22): labels from the catalogue,
    decision reasons (stored in English with their rule IDs) through their templates;
    names, notes, task titles and the customer's timeline (their language) as they are."""
    days = report["days_to_renewal"]
    when = (
        ngettext("in {days} day", "in {days} days", days).format(days=days)
        if days >= 0
        else ngettext("{days} day ago", "{days} days ago", -days).format(days=-days)
    )
    console.print(
        _(
            "[bold]{renewal}[/] {account} ({account_id}): renews {date} ({when}), "
            "ARR {arr} {currency} -> target {target}"
        ).format(
            renewal=report["renewal_id"],
            account=escape(report["account_name"]),
            account_id=report["account_id"],
            date=report["renewal_date"],
            when=when,
            arr=format_number(report["arr"], current(), 0),
            currency=report["currency"],
            target=format_number(report["target_arr"], current(), 0),
        )
    )
    stage = report["stage"]
    expected = report["expected_stage"]
    behind = (
        " " + _("(by date it should be in {stage})").format(stage=word("stage", expected))
        if expected and expected != stage
        else ""
    )
    score = report["health_score"]
    console.print(
        _(
            "stage [{style}]{stage}[/] since {since}{behind}; health {score} {category}; "
            "risk {risk}; signals {signals}; owner {owner}"
        ).format(
            style=STAGE_STYLE.get(stage, "cyan"),
            stage=word("stage", stage),
            since=report["stage_since"],
            behind=behind,
            score=score if score is None else round(score),
            category=word("badge", report["health_category"]) or _("unscored"),
            risk=word("badge", report["risk"]) if report["risk"] else "-",
            signals=", ".join(word("signal", s) for s in report["signals"]) or _("none"),
            owner=report["owner_email"] or _("none"),
        )
    )
    table = Table(title=_("Decisions and why"), show_lines=True)
    table.add_column(_("decision"), style="cyan", no_wrap=True)
    table.add_column(_("value"), style="bold")
    table.add_column(_("reasons (rule IDs first)"))
    for key, label in DECISIONS:
        d = report["decisions"].get(key)
        if not d:
            continue
        value = (word(DECISION_TERMS.get(key, key), d["value"]) or _("none")) + (
            f" {d['email']}" if key == "owner" and d.get("email") else ""
        )
        table.add_row(str(label), value, escape("\n".join(tr(x) for x in d["reasons"])))
    console.print(table)

    history = Table(title=_("Stage history (LEARN-2)"))
    for col in (_("on"), _("from"), _("to"), _("by"), _("reason")):
        history.add_column(col)
    for c in report["stage_history"]:
        history.add_row(
            str(c["on"]),
            word("stage", c["from"]) if c["from"] else "-",
            word("stage", c["to"]),
            c["by"],
            escape(tr(c["reason"])),
        )
    console.print(history)

    if report["tasks"]:
        tasks = Table(title=_("Playbook tasks"))
        for col in (_("id"), _("due"), _("step"), _("rule"), _("status"), _("owner"), _("title")):
            tasks.add_column(col)
        for t in report["tasks"]:
            status = t["status"]
            shown_status = word("badge", status)
            shown = f"[bold red]{shown_status}[/]" if status == "overdue" else shown_status
            tasks.add_row(
                str(t["task_id"]),
                str(t["due_date"]),
                t["step"] or "-",
                t["rule"],
                shown,
                t["owner_email"] or "-",
                escape(tr(t["title"])),
            )
        console.print(tasks)
    else:
        console.print(
            "[dim]"
            + _(
                "No playbook tasks yet: steps appear as their dates come within "
                "timelines.lookahead_days (TIME-4)."
            )
            + "[/]"
        )
    if report["messages"]:
        out = Table(title=_("Campaign messages (outbox, TIME-5)"))
        for col in (_("id"), _("step"), _("to"), _("lang"), _("status"), _("why")):
            out.add_column(col)
        for m in report["messages"]:
            out.add_row(
                str(m["message_id"]),
                m["step"],
                m["to"] or "-",
                m["language"],
                word("message", m["status"]),
                escape(tr(m["reason"] or "")),
            )
        console.print(out)
    b = report["budget"]
    check = (
        _("budget check task due {day}").format(day=b["check_due"])
        if b["check_task"]
        else _("no budget task: check at the motion's start ({day})").format(day=b["check_due"])
    )
    gap = (
        "; " + _("payment gap up to {days} days").format(days=b["payment_gap_days"])
        if b["payment_gap_days"]
        else ""
    )
    console.print(
        _(
            "[bold]Budget cycle (FUND-4)[/]: {fiscal_year}, renewal in fiscal month "
            "{month} ({phase}); budget ask {ask}, {check}{gap}"
        ).format(
            fiscal_year=tr(b["fiscal_year"]),
            month=b["fiscal_month"],
            phase=term("budget", b["phase"]),
            ask=b["ask_date"],
            check=check,
            gap=gap,
        )
    )
    for reason in b["reasons"]:
        console.print(f"  {tr(reason)}", markup=False)
    plan = Table(title=_("Planned playbook dates (TIME-1..3, FUND-4)"))
    for col in (_("due"), _("step"), _("rule"), _("title")):
        plan.add_column(col)
    for s in report["schedule"]:
        moved = " " + _("(was {day})").format(day=s["moved_from"]) if s["moved_from"] else ""
        plan.add_row(f"{s['due_date']}{moved}", s["step"], s["rule"], escape(tr(s["title"])))
    console.print(plan)
    console.print("[bold]" + _("Timeline to share with the customer (TIME-6)") + "[/]")
    console.print(report["customer_timeline"], markup=False)
    gaps = report["stakeholders"].get("gaps") or []
    if gaps:
        console.print("[bold]" + _("Stakeholder gaps (STK-1/2)") + "[/]")
        for g in gaps:
            console.print(f"  [yellow]{g['rule']}[/] {escape(tr(g['text']))}", markup=True)


def stage(
    ctx: typer.Context,
    renewal_id: Annotated[
        str,
        typer.Argument(
            autocompletion=completion.renewal_ids, help="The renewal's id (R-<contract id>)."
        ),
    ],
    to: Annotated[
        Stage,
        typer.Argument(
            help="assessment, preparation, engagement, closing or execution "
            "(closed_won/closed_lost follow the contract's outcome)."
        ),
    ],
    by: Annotated[str, typer.Option(help="Who moves it (a user's email; audited).")],
    reason: Annotated[str, typer.Option(help="Why, in words (LEARN-2 uses it to find stalls).")],
    as_of: Annotated[str | None, typer.Option(help="The business day of the change.")] = None,
) -> None:
    """Move a renewal to another stage by hand, with a reason (TIME-4; audited).

    The daily run moves stages forward by date only up to `stages.auto_advance_to`;
    closing and execution mean the deal really is there (proposal out, signature
    under way), which is what the T-14 escalation checks (TIME-5).

    Example:\n
      renewals stage R-C000123 closing --by carl@renewals.example --reason "proposal sent"
    """
    from renewals.db import session_scope
    from renewals.renewal import service
    from renewals.user import access

    app_state = state(ctx)
    try:
        with session_scope(app_state.engine()) as session:
            access.require_active_user(session, by)
            r = service.set_stage(
                session, renewal_id, to, by=by, reason=reason, on=parse_as_of(as_of)
            )
            console.print(
                _("{renewal} is now in [bold]{stage}[/] (since {day})").format(
                    renewal=r.renewal_id, stage=word("stage", r.stage), day=r.stage_since
                )
            )
    except RenewalsError as exc:
        fail_with(exc)
