"""`renewals renewal ID` and `renewals stage`: one renewal explained, and moving its stage."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from renewals.errors import RenewalsError
from renewals.kit import completion
from renewals.kit.cli import console, emit_json, fail, fail_with, parse_as_of, state
from renewals.renewal.domain import Stage

DECISIONS = (
    ("segment", "Segment"),
    ("opportunity", "Opportunity type"),
    ("touch", "Touch model"),
    ("motion", "Motion"),
    ("owner", "Owner"),
    ("sponsor", "Executive sponsor"),  # OWN-2: strategic accounts only
)


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
) -> None:
    """Explain one renewal: its segment, opportunity type, touch model, motion and owner with
    the reasons and rule IDs behind each, the stage history, the playbook tasks (overdue
    flagged), the campaign's messages, the customer's budget cycle with the budget ask
    date and every planned playbook date (FUND-4), the timeline to share with the
    customer (TIME-6) and the stakeholder map (STK-1/2). Renewals come from `renewals run`.

    Examples:\n
      renewals renewal R-C000123\n
      renewals renewal R-C000123 --json | jq .decisions.owner
    """
    from renewals.db import session_scope
    from renewals.policy.service import PolicyError
    from renewals.renewal import service

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
    days = report["days_to_renewal"]
    when = f"in {days} days" if days >= 0 else f"{-days} days ago"
    console.print(
        f"[bold]{report['renewal_id']}[/] {report['account_name']} ({report['account_id']}): "
        f"renews {report['renewal_date']} ({when}), ARR {report['arr']:,.0f} {report['currency']}"
        f" -> target {report['target_arr']:,.0f}"
    )
    stage = report["stage"]
    expected = report["expected_stage"]
    behind = f" (by date it should be in {expected})" if expected and expected != stage else ""
    console.print(
        f"stage [{STAGE_STYLE.get(stage, 'cyan')}]{stage}[/] since {report['stage_since']}{behind}; "
        f"health {report['health_score'] if report['health_score'] is None else round(report['health_score'])}"
        f" {report['health_category'] or 'unscored'}; risk {report['risk'] or '-'}; "
        f"signals {', '.join(report['signals']) or 'none'}; owner {report['owner_email'] or 'none'}"
    )
    table = Table(title="Decisions and why", show_lines=True)
    table.add_column("decision", style="cyan", no_wrap=True)
    table.add_column("value", style="bold")
    table.add_column("reasons (rule IDs first)")
    for key, label in DECISIONS:
        d = report["decisions"].get(key)
        if not d:
            continue
        value = (d["value"] or "none") + (
            f" {d['email']}" if key == "owner" and d.get("email") else ""
        )
        table.add_row(label, value, "\n".join(d["reasons"]))
    console.print(table)

    history = Table(title="Stage history (LEARN-2)")
    for col in ("on", "from", "to", "by", "reason"):
        history.add_column(col)
    for c in report["stage_history"]:
        history.add_row(str(c["on"]), c["from"] or "-", c["to"], c["by"], c["reason"])
    console.print(history)

    if report["tasks"]:
        tasks = Table(title="Playbook tasks")
        for col in ("id", "due", "step", "rule", "status", "owner", "title"):
            tasks.add_column(col)
        for t in report["tasks"]:
            status = t["status"]
            shown = f"[bold red]{status}[/]" if status == "overdue" else status
            tasks.add_row(
                str(t["task_id"]),
                str(t["due_date"]),
                t["step"] or "-",
                t["rule"],
                shown,
                t["owner_email"] or "-",
                t["title"],
            )
        console.print(tasks)
    else:
        console.print(
            "[dim]No playbook tasks yet: steps appear as their dates come within "
            "timelines.lookahead_days (TIME-4).[/]"
        )
    if report["messages"]:
        out = Table(title="Campaign messages (outbox, TIME-5)")
        for col in ("id", "step", "to", "lang", "status", "why"):
            out.add_column(col)
        for m in report["messages"]:
            out.add_row(
                str(m["message_id"]),
                m["step"],
                m["to"] or "-",
                m["language"],
                m["status"],
                m["reason"],
            )
        console.print(out)
    b = report["budget"]
    console.print(
        f"[bold]Budget cycle (FUND-4)[/]: {b['fiscal_year']}, renewal in fiscal month "
        f"{b['fiscal_month']} ({b['phase'].replace('_', ' ')}); budget ask {b['ask_date']}, "
        + (
            f"budget check task due {b['check_due']}"
            if b["check_task"]
            else f"no budget task: check at the motion's start ({b['check_due']})"
        )
        + (f"; payment gap up to {b['payment_gap_days']} days" if b["payment_gap_days"] else "")
    )
    for reason in b["reasons"]:
        console.print(f"  {reason}", markup=False)
    plan = Table(title="Planned playbook dates (TIME-1..3, FUND-4)")
    for col in ("due", "step", "rule", "title"):
        plan.add_column(col)
    for s in report["schedule"]:
        moved = f" (was {s['moved_from']})" if s["moved_from"] else ""
        plan.add_row(f"{s['due_date']}{moved}", s["step"], s["rule"], s["title"])
    console.print(plan)
    console.print("[bold]Timeline to share with the customer (TIME-6)[/]")
    console.print(report["customer_timeline"], markup=False)
    gaps = report["stakeholders"].get("gaps") or []
    if gaps:
        console.print("[bold]Stakeholder gaps (STK-1/2)[/]")
        for g in gaps:
            console.print(f"  [yellow]{g['rule']}[/] {g['text']}", markup=True)


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
            console.print(f"{r.renewal_id} is now in [bold]{r.stage}[/] (since {r.stage_since})")
    except RenewalsError as exc:
        fail_with(exc)
