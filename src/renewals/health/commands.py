"""`renewals health ACCOUNT_ID`: one account's score, explained (HEALTH-5);
`renewals health calibrate`: fit the scorecard to the book's closed renewals (issue 17)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from renewals.errors import RenewalsError
from renewals.health.domain import FEATURES, format_value
from renewals.kit import completion
from renewals.kit.cli import (
    LANGUAGE_HELP,
    console,
    emit_json,
    fail,
    fail_with,
    figure,
    number,
    parse_as_of,
    percent,
    progress_bar,
    state,
    use_language,
)
from renewals.kit.i18n import Text, _, current, lazy, tr, word
from renewals.kit.locale import format_percent


class _HealthGroup(TyperGroup):
    """`renewals health ACCOUNT_ID` explains an account (the `show` command); a known
    sub-command name (`calibrate`) runs that instead."""

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            return "show", self.commands["show"], args
        return super().resolve_command(ctx, args)

    def shell_complete(self, ctx: Any, incomplete: str) -> list[Any]:
        """`renewals health <TAB>`: the sub-commands and the account ids that match."""
        from typer._click.shell_completion import CompletionItem

        found = super().shell_complete(ctx, incomplete)
        if incomplete.startswith("-"):
            return found
        return found + [
            CompletionItem(value, help=name)
            for value, name in completion.account_ids(ctx, incomplete)
        ]


app = typer.Typer(
    cls=_HealthGroup,
    help=(
        "Health (HEALTH-1..5): `renewals health ACCOUNT_ID` explains one account's score; "
        "`renewals health calibrate` fits the scorecard to the book's own closed renewals."
    ),
    no_args_is_help=True,
)

CATEGORY_STYLE = {
    "green": "green",
    "expansion": "bold green",
    "yellow": "yellow",
    "red": "bold red",
}
TREND_MARK = {
    "up": lazy("up"),
    "down": lazy("down"),
    "same": lazy("about the same"),
    "new": lazy("first score"),
}


@app.command("show")
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
    language: Annotated[str | None, typer.Option("--language", help=LANGUAGE_HELP)] = None,
) -> None:
    """Explain one account's health: score, category and trend, the components and the facts
    behind them, the drivers that moved it most, what data is missing, its signals with
    their evidence, and the open tasks. Scores come from `renewals run`.

    Examples:\n
      renewals health acc-00042\n
      renewals health show acc-00042 --as-of 2026-11-01 --json\n
      renewals health acc-00042 --language id
    """
    from renewals.account.models import Account
    from renewals.db import session_scope
    from renewals.health import service
    from renewals.policy.service import PolicyError
    from renewals.signal import service as signal_service
    from renewals.task import service as task_service

    use_language(ctx, language, from_environment=False)  # issue 22; JSON stays as it is
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
            tasks = task_service.open_tasks(session, account_id)
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
    """The explanation in the current language (issue 22): labels from the catalogue,
    reasons (stored in English with their rule IDs) through their templates (kit.i18n.tr);
    customer words (evidence), names and task titles as they are."""
    style = CATEGORY_STYLE.get(r["category"] or "", "dim")
    score = _("no score") if r["score"] is None else f"{r['score']:.0f}/100"
    console.print(
        _("[bold]{name}[/] ({account}, {segment}, owner {owner})").format(
            name=escape(r["name"]),
            account=r["account_id"],
            segment=word("segment", r["segment"]),
            owner=r["owner"] or _("none"),
        )
    )
    trend = str(TREND_MARK.get(r["trend"], r["trend"]))
    if r["previous_score"] is not None:
        trend += " " + _("(was {score:.0f} on {day})").format(
            score=r["previous_score"], day=r["previous_as_of"]
        )
    console.print(
        _("Health on {day}: [{style}]{score} {category}[/]{warning}, trend {trend}").format(
            day=r["as_of"],
            style=style,
            score=score,
            category=word("badge", r["category"]),
            warning=" [yellow]" + _("warning") + "[/]" if r["warning"] else "",
            trend=trend,
        )
    )
    if r["risk"]:
        console.print(
            _("Risk (SIG-0): [bold]{risk}[/]: {reasons}").format(
                risk=word("badge", r["risk"]),
                reasons="; ".join(tr(x) for x in r["risk_reasons"]),
            )
        )
    for reason in r["reasons"]:
        console.print(f"  - {tr(reason)}", highlight=False)

    table = Table(title=_("Components (HEALTH-1)"), title_justify="left")
    columns = (
        (_("component"), "left"),
        (_("score"), "right"),
        (_("share"), "right"),
        (_("measured by (fact -> score)"), "left"),
    )
    for column, justify in columns:
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for c in r["components"]:
        facts = "; ".join(
            f"{tr(FEATURES[m['feature']].label) if m['feature'] in FEATURES else m['feature']} "
            f"{tr(format_value(m['feature'], m['value']))}"
            + ("" if m["score"] is None else f" -> {m['score']:.0f}")
            for m in c["measures"]
        )
        table.add_row(
            word("component", c["name"]),
            "[dim]" + _("missing") + "[/]" if c["score"] is None else f"{c['score']:.0f}",
            format_percent(c["share"], current()),
            facts,
        )
    console.print(table)
    if r["missing"]:
        console.print(
            _("Missing data (re-weighted, not counted as 0): {components}").format(
                components=", ".join(word("component", m) for m in r["missing"])
            ),
            highlight=False,
        )
    if r["drivers"]:
        console.print("[bold]" + _("What moved the score most (HEALTH-5)") + "[/]")
        for d in r["drivers"]:
            mark = "[red]-[/]" if d["impact"] < 0 else "[green]+[/]"
            console.print(f"  {mark} {escape(tr(d['text']))} [{d['rule']}]", highlight=False)
    signals = Table(title=_("Signals in force"), title_justify="left")
    for column in (_("signal"), _("rule"), _("severity"), _("source"), _("evidence")):
        signals.add_column(column)
    for s in r["signals"]:
        source = word("source", s["source"]) + (
            f" {s['source_id']}" if s["source"] in ("ticket", "survey", "interaction") else ""
        )
        signals.add_row(
            word("signal", s["kind"]),
            s["rule"],
            word("severity", s["severity"]),
            f"{source} ({s['date']})",
            escape(tr(s["evidence"])),
        )
    if r["signals"]:
        console.print(signals)
    else:
        console.print(_("No signals in force."))
    for t in r["tasks"]:
        console.print(
            _("Open task: {title} (due {due}, {rule}, {owner})").format(
                title=escape(tr(t["title"])),
                due=t["due"],
                rule=t["rule"],
                owner=t["owner"] or _("no owner"),
            )
        )


@app.command("calibrate")
def calibrate(
    ctx: typer.Context,
    as_of: Annotated[
        str | None,
        typer.Option(help="Learn from renewals closed before this day (default: today)."),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(help="Only renewals dated on or after this day (leave out bad history)."),
    ] = None,
    write: Annotated[
        Path | None,
        typer.Option(
            "--write",
            metavar="POLICY.toml",
            help="Accept the proposal: write its [health] keys into this policy file "
            "(created, or updated keeping its other keys).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Fit the health scorecard to this book (HEALTH-1, LEARN-2): each measure's points
    (thresholds), the component weights and the red/green lines, from the renewals closed
    before --as-of, each as it looked a lead time before its date (no look-ahead: the
    learned likelihood's rows). Reports each component's ROC AUC and the scorecard's
    before and after, on the newest `forecast.holdout_share` (time-based hold-out), and
    the policy change as a diff. Nothing changes until a person accepts it with --write;
    scores then stay explained the same way (facts -> points, rule IDs). See docs/health.md.

    Facts stored with every score that no measure reads yet
    (`health.calibration_candidates`: the contract term, the days of usage history,
    absolute usage levels, negative events) are offered to the fit too, and proposed as
    measures only where this book's renewals give them weight.

    Examples:\n
      renewals health calibrate\n
      renewals health calibrate --as-of 2026-11-24 --write policy.toml\n
      renewals --policy policy.toml run
    """
    from renewals.db import session_scope
    from renewals.health import service

    app_state = state(ctx)
    try:
        policy = app_state.policy()
    except RenewalsError as exc:
        fail_with(exc)
    day = parse_as_of(as_of)
    first = parse_as_of(since, "--since") if since else None
    settings = app_state.settings
    try:
        with (
            session_scope(app_state.engine()) as session,
            progress_bar(not as_json) as progress,
        ):
            proposal, by_term = service.calibrate(
                session,
                policy,
                as_of=day,
                data_dir=settings.data_dir,
                memory_limit=settings.duckdb_memory_limit,
                since=first,
                progress=progress,
            )
    except RenewalsError as exc:
        fail_with(exc)
    table = proposal.health_table(policy.health)
    diff = _policy_diff(policy, table)
    report = _calibration_report(proposal, by_term, diff)
    if write is not None:
        _write_policy(write, table, proposal, day)
        report["written"] = str(write)
    if as_json:
        emit_json(report)
        return
    _print_calibration(report)


def _calibration_report(proposal: Any, by_term: dict[str, int], diff: str) -> dict[str, Any]:
    return {
        "renewals": proposal.n_train + proposal.n_test,
        "rows_by_term": by_term,
        "churn_rate": round(proposal.churn_rate, 4),
        "n_train": proposal.n_train,
        "n_test": proposal.n_test,
        "holdout_from": proposal.split_date,
        "auc_before": _r(proposal.auc_before),
        "auc_after": _r(proposal.auc_after),
        "components": {
            name: {
                "auc_before": _r(proposal.components_before.get(name)),
                "auc_after": _r(proposal.components_after.get(name)),
                "weight": proposal.weights.get(name),
            }
            for name in proposal.weights
        },
        "share_of_fit": proposal.share,
        "inner_auc_by_share": {f"{k:g}": _r(v) for k, v in proposal.inner_aucs.items()},
        "added_measures": proposal.added,
        "dropped_measures": proposal.dropped,
        "unchanged_measures": proposal.kept,
        "notes": proposal.notes,
        "lines": {
            "warning_score": proposal.warning_score,
            "yellow_min_score": proposal.yellow_min_score,
            "green_min_score": proposal.green_min_score,
        },
        "diff": diff,
    }


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _auc(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _print_calibration(r: dict[str, Any]) -> None:
    """The calibration's report in the reader's language: figures the language's way,
    components as words, measure names and the policy diff as they are."""
    from renewals.health import service

    terms = tr(service.terms_text(r["rows_by_term"]))
    console.print(
        _(
            "Calibrated on {n_train} closed renewals; tested on the {n_test} dated {day} or "
            "later (time-based hold-out). Renewals per term: {terms}; churned {churn}."
        ).format(
            n_train=number(r["n_train"]),
            n_test=number(r["n_test"]),
            day=r["holdout_from"],
            terms=terms,
            churn=percent(r["churn_rate"], 1),
        ),
        highlight=False,
    )
    table = Table(title=_("ROC AUC on the hold-out (churned ranked first)"), title_justify="left")
    columns = (_("component"), _("before"), _("after"), _("weight after"))
    for index, column in enumerate(columns):
        table.add_column(column, justify="left" if index == 0 else "right")
    for name, c in r["components"].items():
        table.add_row(
            word("component", name),
            figure(_auc(c["auc_before"])),
            figure(_auc(c["auc_after"])),
            figure(f"{c['weight']:g}"),
        )
    scorecard = _("scorecard")
    table.add_row(
        f"[bold]{scorecard}[/]",
        figure(_auc(r["auc_before"])),
        figure(_auc(r["auc_after"])),
        "100",
    )
    console.print(table)
    if r["added_measures"]:
        console.print(
            _(
                "Added (facts no measure read, which this book's renewals support; "
                "health.calibration_candidates): {measures}"
            ).format(measures=", ".join(r["added_measures"])),
            highlight=False,
        )
    if r["dropped_measures"]:
        console.print(
            _("Dropped (no signal on this book): {measures}").format(
                measures=", ".join(r["dropped_measures"])
            ),
            highlight=False,
        )
    for note in r["notes"]:
        console.print(f"  - {tr(note)}", highlight=False)
    lines = r["lines"]
    console.print(
        _(
            "Red below {yellow} (about twice the book's churn), green from {green} (at most "
            "the book's churn); warning below {warning}."
        ).format(
            yellow=figure(f"{lines['yellow_min_score']:g}"),
            green=figure(f"{lines['green_min_score']:g}"),
            warning=figure(f"{lines['warning_score']:g}"),
        ),
        highlight=False,
    )
    heading = _("Proposed policy change")
    console.print(f"[bold]{heading}[/]")
    console.print(r["diff"] or _("(none)"), markup=False, highlight=False)
    if "written" in r:
        label = _("written:")
        console.print(
            f"[green]{label}[/] "
            + _("{path} (use it with --policy or RENEWALS_POLICY_FILE)").format(
                path=escape(r["written"])
            )
        )
    else:
        console.print(_("Accept it with --write POLICY.toml."))


def _toml_health(table: dict[str, Any]) -> str:
    """The [health] keys as compact TOML: one line per value, points inline."""
    table = _no_none(table)
    out = ["[health]"]
    tables = []
    arrays = []
    for key, value in table.items():
        if isinstance(value, dict):
            tables.append((key, value))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            arrays.append((key, value))
        else:
            out.append(f"{key} = {_literal(value)}")
    for key, value in tables:
        inner = [(k, v) for k, v in value.items() if isinstance(v, dict)]
        flat = [(k, v) for k, v in value.items() if not isinstance(v, dict)]
        if flat or not inner:
            out += ["", f"[health.{key}]", *(f"{k} = {_literal(v)}" for k, v in flat)]
        for name, sub in inner:
            out += ["", f"[health.{key}.{name}]", *(f"{k} = {_literal(v)}" for k, v in sub.items())]
    for key, items in arrays:
        for item in items:
            out += ["", f"[[health.{key}]]", *(f"{k} = {_literal(v)}" for k, v in item.items())]
    return "\n".join(out) + "\n"


def _literal(value: Any) -> str:
    import tomli_w

    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:g}" if value == int(value) and abs(value) < 1e15 else repr(value)
    return tomli_w.dumps({"v": value}).split(" = ", 1)[1].strip()


def _no_none(value: Any) -> Any:
    """TOML has no null: a key without a value is left out (an unset override)."""
    if isinstance(value, dict):
        return {k: _no_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_no_none(v) for v in value]
    return value


def _policy_diff(policy: Any, table: dict[str, Any]) -> str:
    """The effective [health] keys the proposal changes, before and after, as a diff."""
    import difflib

    from renewals.policy.service import plain

    current = plain(policy.health)
    before = {k: current[k] for k in table}
    lines = difflib.unified_diff(
        _toml_health(before).splitlines(),
        _toml_health(table).splitlines(),
        "policy (effective)",
        "policy (calibrated)",
        lineterm="",
        n=1,
    )
    return "\n".join(lines)


def _write_policy(path: Path, table: dict[str, Any], proposal: Any, day: Any) -> None:
    """Merge the proposal's [health] keys into the policy file at `path` (its other keys
    kept), validated before anything is written."""
    import tomllib

    import tomli_w

    from renewals.policy import service as policy_service

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        fail(Text("cannot read {path}: {reason}", path=str(path), reason=str(exc)))
    data.setdefault("health", {}).update(table)
    try:  # the result must load: nothing half-written
        policy_service.load_data(data, str(path))
    except RenewalsError as exc:
        fail_with(exc)
    header = (
        f"# [health] calibrated by `renewals health calibrate --as-of {day}` on "
        f"{proposal.n_train + proposal.n_test:,} closed renewals (HEALTH-1, LEARN-2): "
        f"hold-out AUC {_auc(proposal.auc_before)} -> {_auc(proposal.auc_after)}\n"
    )
    tmp = path.with_name(path.name + ".tmp")
    rest = {k: v for k, v in data.items() if k != "health"}
    text = header + (tomli_w.dumps(rest) + "\n" if rest else "") + _toml_health(data["health"])
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
