"""`renewals health ACCOUNT_ID`: one account's score, explained (HEALTH-5)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from renewals.errors import RenewalsError
from renewals.health.domain import FEATURES, format_value
from renewals.kit import completion
from renewals.kit.cli import console, emit_json, fail, fail_with, parse_as_of, state

CATEGORY_STYLE = {
    "green": "green",
    "expansion": "bold green",
    "yellow": "yellow",
    "red": "bold red",
}
TREND_MARK = {"up": "up", "down": "down", "same": "about the same", "new": "first score"}


def health(
    ctx: typer.Context,
    account_id: Annotated[
        str,
        typer.Argument(
            autocompletion=completion.account_ids, help="The account's id, as in accounts.csv."
        ),
    ],
    as_of: Annotated[
        str | None, typer.Option(help="Explain the score of this day (default: the latest).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the explanation as JSON.")] = False,
) -> None:
    """Explain one account's health: score, category and trend, the components and the facts
    behind them, the drivers that moved it most, what data is missing, its signals with
    their evidence, and the open tasks. Scores come from `renewals run`.

    Examples:\n
      renewals health acc-00042\n
      renewals health acc-00042 --as-of 2026-11-01 --json
    """
    from renewals.account.models import Account
    from renewals.db import session_scope
    from renewals.health import service
    from renewals.playbook import service as playbook_service
    from renewals.policy.service import PolicyError
    from renewals.signal import service as signal_service

    app_state = state(ctx)
    try:
        policy = app_state.policy()
    except PolicyError as exc:
        fail(exc.message)
    day = parse_as_of(as_of) if as_of else None
    try:
        with session_scope(app_state.engine()) as session:
            snap = service.latest_snapshot(session, account_id, day)
            account = session.get(Account, account_id)
            signals = signal_service.active_signals(session, policy, account_id, as_of=snap.as_of)
            tasks = playbook_service.open_tasks(session, account_id)
            report = _report(snap, account, signals, tasks)
    except RenewalsError as exc:
        fail_with(exc)
    if as_json:
        emit_json(report)
        return
    _print(report)


def _report(snap: Any, account: Any, signals: list[Any], tasks: list[Any]) -> dict[str, Any]:
    return {
        "account_id": snap.account_id,
        "name": account.name,
        "owner": account.owner_email,
        "as_of": snap.as_of,
        "segment": snap.segment,
        "score": snap.score,
        "category": snap.category,
        "warning": snap.warning,
        "trend": snap.trend,
        "previous_score": snap.previous_score,
        "previous_as_of": snap.previous_as_of,
        "risk": snap.risk,
        "risk_reasons": snap.risk_reasons or [],
        "reasons": snap.reasons,
        "components": snap.components,
        "drivers": snap.drivers,
        "missing": snap.missing,
        "features": snap.features,
        "signals": [
            {
                "kind": s.kind,
                "rule": s.rule,
                "severity": s.severity,
                "source": s.source,
                "source_id": s.source_id,
                "date": s.source_date,
                "first_seen_on": s.first_seen_on,
                "language": s.language,
                "evidence": s.evidence,
            }
            for s in signals
        ],
        "tasks": [
            {
                "key": t.key,
                "title": t.title,
                "due": t.due_date,
                "rule": t.rule,
                "owner": t.owner_email,
            }
            for t in tasks
        ],
    }


def _print(r: dict[str, Any]) -> None:
    style = CATEGORY_STYLE.get(r["category"] or "", "dim")
    score = "no score" if r["score"] is None else f"{r['score']:.0f}/100"
    console.print(
        f"[bold]{r['name']}[/] ({r['account_id']}, {r['segment']}, owner {r['owner'] or 'none'})"
    )
    trend = TREND_MARK.get(r["trend"], r["trend"])
    if r["previous_score"] is not None:
        trend += f" (was {r['previous_score']:.0f} on {r['previous_as_of']})"
    console.print(
        f"Health on {r['as_of']}: [{style}]{score} {r['category'] or ''}[/]"
        f"{' [yellow]warning[/]' if r['warning'] else ''}, trend {trend}"
    )
    if r["risk"]:
        console.print(f"Risk (SIG-0): [bold]{r['risk']}[/]: {'; '.join(r['risk_reasons'])}")
    for reason in r["reasons"]:
        console.print(f"  - {reason}", highlight=False)

    table = Table(title="Components (HEALTH-1)", title_justify="left")
    for column in ("component", "score", "share", "measured by (fact -> score)"):
        table.add_column(column, justify="right" if column in ("score", "share") else "left")
    for c in r["components"]:
        facts = "; ".join(
            f"{FEATURES[m['feature']].label if m['feature'] in FEATURES else m['feature']} "
            f"{format_value(m['feature'], m['value'])}"
            + ("" if m["score"] is None else f" -> {m['score']:.0f}")
            for m in c["measures"]
        )
        table.add_row(
            c["name"],
            "[dim]missing[/]" if c["score"] is None else f"{c['score']:.0f}",
            f"{c['share']:.0%}",
            facts,
        )
    console.print(table)
    if r["missing"]:
        console.print(
            f"Missing data (re-weighted, not counted as 0): {', '.join(r['missing'])}",
            highlight=False,
        )
    if r["drivers"]:
        console.print("[bold]What moved the score most (HEALTH-5)[/]")
        for d in r["drivers"]:
            mark = "[red]-[/]" if d["impact"] < 0 else "[green]+[/]"
            console.print(f"  {mark} {d['text']} [{d['rule']}]", highlight=False)
    signals = Table(title="Signals in force", title_justify="left")
    for column in ("signal", "rule", "severity", "source", "evidence"):
        signals.add_column(column)
    for s in r["signals"]:
        source = s["source"] + (
            f" {s['source_id']}" if s["source"] in ("ticket", "survey", "interaction") else ""
        )
        signals.add_row(
            s["kind"], s["rule"], s["severity"], f"{source} ({s['date']})", s["evidence"]
        )
    if r["signals"]:
        console.print(signals)
    else:
        console.print("No signals in force.")
    for t in r["tasks"]:
        console.print(
            f"Open task: {t['title']} (due {t['due']}, {t['rule']}, {t['owner'] or 'no owner'})"
        )
