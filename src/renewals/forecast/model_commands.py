"""`renewals model ...`: train the learned likelihood, compare it with the policy prior on
the time-based hold-out, show the active model (TECH-1, LEARN-2).

Mounted in the root app:

    app.add_typer(model_commands.app, name="model")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from renewals.errors import RenewalsError
from renewals.kit.cli import (
    console,
    emit_json,
    fail,
    fail_with,
    figure,
    parse_as_of,
    parse_date,
    progress_bar,
    state,
)
from renewals.kit.i18n import _, pgettext, tr, word
from renewals.policy.domain import Policy

if TYPE_CHECKING:  # a command imports its slice when it runs (issue 24)
    from renewals.forecast.models import ModelRun

app = typer.Typer(
    help="The learned renewal likelihood (TECH-1): train it on your closed renewals, compare "
    "it with the policy prior on the newest ones, and see which engine the forecast uses.",
    no_args_is_help=True,
)

AsOf = Annotated[
    str | None,
    typer.Option(help="Learn from the renewals closed before this day (default: today)."),
]
Since = Annotated[
    str | None,
    typer.Option(
        help="Only renewals dated on or after this day (leave out a period whose data is "
        "incomplete, e.g. before usage was connected)."
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _policy(ctx: typer.Context) -> Policy:
    from renewals.policy.service import PolicyError

    try:
        return state(ctx).policy()
    except PolicyError as exc:
        fail(exc.message)


def _num(value: Any, spec: str) -> str:
    """A figure written the reader's way (kit.cli.figure): `0.812`, `0,812` in German."""
    return "-" if value is None else figure(format(value, spec))


def _model_word(value: str) -> str:
    """The stored model's kind and state (`logistic`, `active`, `retired`) as words of the
    reader's language; as stored in English (issue 22)."""
    words = {
        "logistic": pgettext("learned model", "logistic"),
        "active": pgettext("learned model", "active"),
        "retired": pgettext("learned model", "retired"),
    }
    return words.get(value, value)


def _scores_table(title: str, metrics: dict[str, Any]) -> Table:
    """AUC, Brier and rates of the learned model and the prior, side by side."""
    from renewals.forecast import learned

    table = Table(title=title)
    for col, justify in (("", "left"), (_("learned"), "right"), (_("prior"), "right")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    a, b = metrics["learned"], metrics["prior"]
    table.add_row(_("ROC AUC (higher is better)"), _num(a["auc"], ".3f"), _num(b["auc"], ".3f"))
    table.add_row(
        _("Brier score (lower is better)"), _num(a["brier"], ".4f"), _num(b["brier"], ".4f")
    )
    table.add_row(
        _("mean likelihood"), _num(a["mean_likelihood"], ".1%"), _num(b["mean_likelihood"], ".1%")
    )
    table.add_row(
        _("observed renewal rate"),
        _num(a["observed_rate"], ".1%"),
        _num(b["observed_rate"], ".1%"),
    )
    table.add_row(
        _("bins within {tolerance} (of judged)").format(
            tolerance=_num(learned.CALIBRATION_TOLERANCE, "g")
        ),
        f"{a['calibrated_bins']}/{a['judged_bins']}",
        f"{b['calibrated_bins']}/{b['judged_bins']}",
    )
    table.add_row(
        _("top-decile lift (churn in the least likely 10% / all)"),
        _num(a.get("top_decile_lift"), ".1f"),
        _num(b.get("top_decile_lift"), ".1f"),
    )
    return table


def _health_table(health: dict[str, Any]) -> Table:
    """HEALTH-2/3 on the same renewals: AUC, lift, churn per category (its calibration)."""
    table = Table(
        min_width=80,  # wide enough for the title on one line: it is what people look for
        title=_(
            "Health as it was before each renewal ({scored} of {n} scored): ROC AUC {auc}, "
            "top-decile lift {lift}"
        ).format(
            scored=_num(health["scored"], ","),
            n=_num(health["n"], ","),
            auc=_num(health["auc"], ".3f"),
            lift=_num(health["top_decile_lift"], ".1f"),
        ),
    )
    for col, justify in (
        (_("category"), "left"),
        (_("renewals"), "right"),
        (_("churned"), "right"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for name, c in health["by_category"].items():
        table.add_row(word("badge", name), _num(c["renewals"], ","), _num(c["churn_rate"], ".1%"))
    return table


def _bin_cells(b: dict[str, Any]) -> list[str]:
    if not b["n"]:
        return ["0", "-", "-"]
    mark = "" if b["enough"] else " " + _("(few)")
    if b["within_tolerance"] is False:
        mark = " " + _("off")
    return [
        _num(b["n"], ",") + mark,
        _num(b["mean_likelihood"], ".0%"),
        _num(b["observed_rate"], ".0%"),
    ]


def _calibration_table(metrics: dict[str, Any], min_samples: int) -> Table:
    from renewals.forecast import learned

    table = Table(
        title=_(
            "Calibration on the hold-out: predicted likelihood vs observed renewal rate "
            "(few: under {min_samples} renewals, not judged; off: more than {tolerance} apart)"
        ).format(min_samples=min_samples, tolerance=_num(learned.CALIBRATION_TOLERANCE, ".0%"))
    )
    for i, col in enumerate(
        (
            _("likelihood"),
            _("learned n"),
            _("predicted"),
            _("observed"),
            _("prior n"),
            _("predicted"),
            _("observed"),
        )
    ):
        table.add_column(col, justify="left" if i == 0 else "right")
    for a, b in zip(
        metrics["learned"]["calibration"], metrics["prior"]["calibration"], strict=True
    ):
        if a["n"] or b["n"]:
            span = _num(a["lo"], ".0%") + "-" + _num(a["hi"], ".0%")
            table.add_row(span, *_bin_cells(a), *_bin_cells(b))
    return table


def _print_evaluation(title: str, metrics: dict[str, Any], policy: Policy) -> None:
    console.print(_scores_table(title, metrics))
    console.print(_calibration_table(metrics, policy.forecast.calibration_min_samples))
    if metrics.get("health"):
        console.print(_health_table(metrics["health"]))
    if metrics.get("rows_by_term"):
        from renewals.forecast import training

        terms = tr(training.terms_text(metrics["rows_by_term"]))
        console.print(_("Training rows per term length: {terms}").format(terms=terms), markup=False)
    for note in metrics.get("notes", []):
        console.print(f"- {tr(note)}", markup=False)


def _split_line(metrics: dict[str, Any]) -> str:
    return _(
        "learned from {n_train} renewals dated {train_from} to before {split}; tested on the "
        "{n_test} dated {split} to {test_to} (time-based hold-out)"
    ).format(
        n_train=_num(metrics["n_train"], ","),
        train_from=metrics.get("train_from"),
        split=metrics["split_date"],
        n_test=_num(metrics["n_test"], ","),
        test_to=metrics.get("test_to"),
    )


@app.command("train")
def train(
    ctx: typer.Context,
    as_of: AsOf = None,
    since: Since = None,
    as_json: AsJson = False,
) -> None:
    """Train the likelihood model on every renewal closed before --as-of, each as it looked
    `forecast.lead_days` before its date (no look-ahead); compare it with the policy prior
    on the newest `forecast.holdout_share` (AUC, Brier score, calibration); store it and
    make it the active model. The forecast uses it only if its hold-out Brier score beats
    the prior's (see `renewals model show`).

    Examples:\n
      renewals model train\n
      renewals model train --since 2026-01-01 --json
    """
    from renewals.db import session_scope
    from renewals.forecast import learned

    app_state = state(ctx)
    policy = _policy(ctx)
    day = parse_as_of(as_of)
    settings = app_state.settings
    try:
        with (
            session_scope(app_state.engine()) as session,
            progress_bar(not as_json) as progress,
        ):
            run = learned.train(
                session,
                policy,
                data_dir=settings.data_dir,
                memory_limit=settings.duckdb_memory_limit,
                as_of=day,
                since=parse_date(since, "--since"),
                progress=progress,
            )
            resolved = learned.resolve(session, policy, data_dir=settings.data_dir)
            report = _run_dict(run, settings.data_dir) | {"used": resolved.engine is not None}
            report["reason"] = resolved.reason
    except RenewalsError as exc:
        fail_with(exc)
    if as_json:
        emit_json(report)
        return
    metrics = run.metrics
    _print_evaluation(
        _("Model #{id} vs the policy prior (hold-out)").format(id=run.model_id), metrics, policy
    )
    console.print(_split_line(metrics))
    console.print(
        _("Stored model #{id} ({kind}, refitted on all {n} renewals) in {file}").format(
            id=run.model_id,
            kind=_model_word(run.kind),
            n=_num(metrics["n_fitted"], ","),
            file=report["file"],
        ),
        markup=False,
    )
    _print_used(report["used"], resolved.reason)


def _print_used(used: bool, reason: str) -> None:
    """Whether the forecast uses the model, and why (TECH-1)."""
    style, label = ("green", _("used:")) if used else ("yellow", _("not used:"))
    console.print(f"[{style}]{label}[/] {tr(reason)}", soft_wrap=True)


def _run_dict(run: ModelRun, data_dir: Any) -> dict[str, Any]:
    from renewals.forecast import learned

    return {
        "model_id": run.model_id,
        "trained_at": run.trained_at.isoformat() if run.trained_at else None,
        "as_of": run.as_of.isoformat(),
        "kind": run.kind,
        "status": run.status,
        "lead_days": run.lead_days,
        "n_train": run.n_train,
        "n_test": run.n_test,
        "file": str(learned.model_path(data_dir, run.path)),
        "checksum": run.checksum,
        "features": list(run.features or []),
        "metrics": run.metrics,
    }


@app.command("evaluate")
def evaluate(
    ctx: typer.Context,
    as_of: AsOf = None,
    since: Since = None,
    stored: Annotated[
        bool,
        typer.Option(
            "--stored", help="Print the last trained model's recorded figures; compute nothing."
        ),
    ] = False,
    as_json: AsJson = False,
) -> None:
    """Compare the learned model with the policy prior without storing a model: the same
    time-based hold-out as `train` (as of --as-of), and the active model on the renewals
    that closed since it was trained (which it never saw). --stored prints the last
    model's recorded figures instead.

    Examples:\n
      renewals model evaluate\n
      renewals model evaluate --stored --json
    """
    from renewals.db import session_scope
    from renewals.forecast import learned

    app_state = state(ctx)
    policy = _policy(ctx)
    settings = app_state.settings
    if stored:
        with session_scope(app_state.engine()) as session:
            run = learned.last_run(session)
            report = None if run is None else _run_dict(run, settings.data_dir)
        if report is None:
            fail(_("no model has been trained yet: run `renewals model train`"))
        if as_json:
            emit_json(report)
            return
        _print_evaluation(
            _(
                "Model #{id} ({status}, trained {day}) vs the policy prior (hold-out, as recorded)"
            ).format(
                id=report["model_id"], status=_model_word(report["status"]), day=report["as_of"]
            ),
            report["metrics"],
            policy,
        )
        console.print(_split_line(report["metrics"]))
        return
    day = parse_as_of(as_of)
    try:
        with (
            session_scope(app_state.engine()) as session,
            progress_bar(not as_json) as progress,
        ):
            result = learned.reevaluate(
                session,
                policy,
                data_dir=settings.data_dir,
                memory_limit=settings.duckdb_memory_limit,
                as_of=day,
                since=parse_date(since, "--since"),
                progress=progress,
            )
            data = result.as_dict()
    except RenewalsError as exc:
        fail_with(exc)
    if as_json:
        emit_json(data)
        return
    if result.recipe is None:
        label = _("no hold-out comparison:")
        console.print(f"[yellow]{label}[/] {tr(result.reason)}", soft_wrap=True)
    else:
        _print_evaluation(
            _("Learned (fitted on the older renewals) vs the policy prior, as of {day}").format(
                day=day
            ),
            data["holdout"],
            policy,
        )
        console.print(_split_line(data["holdout"]))
    if result.since_training is not None:
        console.print(
            _scores_table(
                _("Active model #{id} on renewals it never saw").format(id=data["active_model"]),
                data["since_training"],
            )
        )
    console.print(
        _("active model: {note}").format(note=tr(result.since_note)), markup=False, soft_wrap=True
    )


@app.command("show")
def show(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="How many coefficients to list.")] = 10,
    as_json: AsJson = False,
) -> None:
    """The active model: when and on what it was trained, its hold-out figures against the
    prior, whether the forecast uses it (and why not), its features and largest
    coefficients.

    Examples:\n
      renewals model show\n
      renewals model show --limit 20 --json
    """
    from renewals.db import session_scope
    from renewals.forecast import learned, training

    app_state = state(ctx)
    policy = _policy(ctx)
    settings = app_state.settings
    with session_scope(app_state.engine()) as session:
        resolved = learned.resolve(session, policy, data_dir=settings.data_dir)
        run = resolved.run or learned.active_run(session)
        report = None if run is None else _run_dict(run, settings.data_dir)
    if report is None:
        if as_json:
            emit_json({"model": None, "reason": resolved.reason})
            return
        console.print(
            _("No trained model. {reason}").format(reason=tr(resolved.reason)),
            markup=False,
            soft_wrap=True,
        )
        return
    coefficients = sorted(
        (report["metrics"].get("coefficients") or {}).items(),
        key=lambda kv: (-abs(kv[1]), kv[0]),
    )[:limit]
    report |= {
        "used": resolved.engine is not None,
        "reason": resolved.reason,
        "top_coefficients": [{"feature": k, "coefficient": v} for k, v in coefficients],
        "excluded_features": training.EXCLUDED,
    }
    if as_json:
        emit_json(report)
        return
    m = report["metrics"]
    model = _("Model #{id}").format(id=report["model_id"])
    console.print(
        f"[bold]{model}[/] "
        + _(
            "({kind}, {status}), trained {at} as of {day}: features {days} days before each renewal"
        ).format(
            kind=_model_word(report["kind"]),
            status=_model_word(report["status"]),
            at=report["trained_at"][:16].replace("T", " "),
            day=report["as_of"],
            days=report["lead_days"],
        )
    )
    console.print(_split_line(m), markup=False)
    console.print(
        _(
            "hold-out: learned AUC {auc}, Brier {brier}; prior AUC {prior_auc}, Brier {prior_brier}"
        ).format(
            auc=_num(m["learned"]["auc"], ".3f"),
            brier=_num(m["learned"]["brier"], ".4f"),
            prior_auc=_num(m["prior"]["auc"], ".3f"),
            prior_brier=_num(m["prior"]["brier"], ".4f"),
        ),
        markup=False,
    )
    console.print(
        _("file: {file} (sha256 {checksum}...)").format(
            file=report["file"], checksum=report["checksum"][:12]
        ),
        markup=False,
    )
    _print_used(report["used"], resolved.reason)
    table = Table(
        title=_(
            "Largest coefficients (log-odds per standard deviation of a measure, per "
            "log-count unit or per flag; {n} features)"
        ).format(n=len(report["features"]))
    )
    table.add_column(_("feature"))
    table.add_column(_("coefficient"), justify="right")
    table.add_column(_("effect"))
    for k, v in coefficients:
        effect = _("raises the likelihood") if v > 0 else _("lowers it")
        table.add_row(k, _num(v, "+.3f"), effect)
    console.print(table)
    console.print(
        _("not used by the model: {features}").format(
            features="; ".join(f"{k} ({tr(why)})" for k, why in training.EXCLUDED.items())
        ),
        markup=False,
        soft_wrap=True,
    )
