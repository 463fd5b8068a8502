"""Benchmark: health and likelihood on books we did not generate (issue 17).

Generates an external book (`seatwise`, `clicksub`, `suitemeter`, or `seasonseat`, held out
and scored once), imports it as a user would (`run_import`, default policy), builds every closed renewal as
it looked its lead time before its date (the learned model's point-in-time rows: `forecast.lead_days`,
at most half the term), holds out the newest `forecast.holdout_share` by date, and reports
on that hold-out, against who churned at that renewal:

- health AUC with the default policy (100 - score; no score counts as 50);
- the naive baseline: total events in the last 30 days (fewer = riskier);
- the generator's own churn probability (the ceiling), from `_truth.csv`;
- health AUC after `renewals health calibrate` (fitted on the older renewals only, moved
  toward the fit as far as an inner time split of those supports);
- the learned likelihood (the product's recipe) and a plain logistic regression
  (scikit-learn defaults, mean-imputed, standardised) on the same features, fitted on the
  older renewals: AUC, top-decile lift of churn, Brier score;
- the same AUCs within each term length (`by_term`): how much of a ranking is the term.

  python benchmarks/books/evaluate.py seatwise --accounts 1500
  python benchmarks/books/evaluate.py clicksub --accounts 2000
  python benchmarks/books/evaluate.py suitemeter --accounts 2000
  python benchmarks/books/evaluate.py seasonseat --accounts 2000  # held out: run once
"""

from __future__ import annotations

import argparse
import csv
import json
import pickle
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import clicksub  # noqa: E402
import seasonseat  # noqa: E402
import seatwise  # noqa: E402
import suitemeter  # noqa: E402

from renewals.account.domain import Segment  # noqa: E402
from renewals.db import make_engine, session_scope  # noqa: E402
from renewals.forecast import learned, training  # noqa: E402
from renewals.health.calibrate import CalRow, auc, calibrate, scores_of  # noqa: E402
from renewals.ingest.service import run_import  # noqa: E402
from renewals.migrate import ensure_schema  # noqa: E402
from renewals.policy import service as policy_service  # noqa: E402

GENERATORS = {
    "seatwise": seatwise.generate,
    "clicksub": clicksub.generate,
    "suitemeter": suitemeter.generate,
    "seasonseat": seasonseat.generate,
}


def lift(risk: list[float], churned: list[int], share: float = 0.1) -> float | None:
    """Churn rate in the riskiest `share` over the overall churn rate."""
    y = np.asarray(churned, dtype=float)
    if not len(y) or y.mean() == 0:
        return None
    k = max(1, int(round(len(y) * share)))
    top = np.argsort(-np.asarray(risk, dtype=float), kind="stable")[:k]
    return float(y[top].mean() / y.mean())


def by_term(
    test: list,
    churned: list[int],
    events: list[float],
    default_scores: list[float],
    calibrated_scores: list[float],
    p_learned: np.ndarray,
) -> dict[str, dict[str, float | int | None]]:
    """The hold-out's AUCs within each term length: how much of a ranking is the term."""
    out: dict[str, dict[str, float | int | None]] = {}
    terms = sorted({r[0].features.get("term_months") for r in test}, key=lambda t: t or 0)
    for term in terms:
        ix = [i for i, r in enumerate(test) if r[0].features.get("term_months") == term]
        y = [churned[i] for i in ix]
        out[f"{term:g}" if term is not None else "-"] = {
            "renewals": len(ix),
            "churned": sum(y),
            "naive": auc([-events[i] for i in ix], y),
            "health_default": auc([100 - default_scores[i] for i in ix], y),
            "health_calibrated": auc([100 - calibrated_scores[i] for i in ix], y),
            "learned": auc([-float(p_learned[i]) for i in ix], y),
        }
    return out


def plain_logistic(train: list, test: list) -> np.ndarray:
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    names = training.feature_names()
    x_train = np.asarray(training.matrix([r[0] for r in train], names), dtype=float)
    x_test = np.asarray(training.matrix([r[0] for r in test], names), dtype=float)
    model = make_pipeline(
        SimpleImputer(strategy="mean", keep_empty_features=True),
        StandardScaler(),
        LogisticRegression(max_iter=5000),
    )
    model.fit(x_train, [r[1] for r in train])
    return model.predict_proba(x_test)[:, 1]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("book", choices=sorted(GENERATORS))
    parser.add_argument("--accounts", type=int, default=1500)
    parser.add_argument("--seed", type=int)
    parser.add_argument("--as-of", default="2026-11-24")
    parser.add_argument("--policy", type=Path, help="a policy file (default: the defaults)")
    parser.add_argument("--keep", type=Path, help="keep the book, database and events here")
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --keep: reuse the imported book there (and its rows, if the file is there)",
    )
    args = parser.parse_args()
    today = date.fromisoformat(args.as_of)
    policy = policy_service.load(args.policy)
    out = args.out or HERE.parent / "results" / f"book_{args.book}.json"

    with tempfile.TemporaryDirectory(prefix="renewals-book-") as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        kwargs = {"accounts": args.accounts, "as_of": today}
        if args.seed is not None:
            kwargs["seed"] = args.seed
        reuse = args.reuse and (root / "book.db").exists()
        counts = {} if reuse else GENERATORS[args.book](root / "book", **kwargs)
        generated = time.perf_counter() - started
        engine = make_engine(f"sqlite:///{root / 'book.db'}")
        ensure_schema(engine)
        if not reuse:
            run_import(engine, root / "book", data_dir=root / "data")
        imported = time.perf_counter() - started - generated
        cache = root / "rows.pickle"
        if reuse and cache.exists():
            rows = pickle.loads(cache.read_bytes())
        else:
            with session_scope(engine) as session:
                rows = learned.rows_before(
                    session, policy, data_dir=root / "data", memory_limit="1GB", as_of=today
                )
            if args.keep:
                cache.write_bytes(pickle.dumps(rows))
        built = time.perf_counter() - started - generated - imported
        truth = {
            (r["account_id"], r["end_date"]): float(r["p_churn"])
            for r in csv.DictReader((root / "book" / "_truth.csv").open(encoding="utf-8"))
        }

    split = learned.time_split(rows, policy.forecast.holdout_share)
    test = split.test
    churned = [1 - r[1] for r in test]
    cal = [
        CalRow(r.features, Segment(r.segment) if r.segment else None, 1 - y, end)
        for r, y, end in rows
    ]
    proposal = calibrate(cal, policy.health, holdout_share=policy.forecast.holdout_share)
    calibrated = proposal.health(policy.health)
    test_cal = [
        CalRow(r.features, Segment(r.segment) if r.segment else None, 1 - y, end)
        for r, y, end in test
    ]
    default_scores, _ = scores_of(test_cal, policy.health)
    calibrated_scores, _ = scores_of(test_cal, calibrated)
    events = [float(r[0].features.get("events_30d") or 0.0) for r in test]
    ceiling = [truth.get((r[0].account_id, r[2].isoformat())) for r in test]
    engine_ = learned.fit([r[0] for r in split.train], [r[1] for r in split.train], policy=policy)
    p_learned = engine_.likelihoods([r[0] for r in test])
    p_plain = plain_logistic(split.train, test)
    y = np.asarray([r[1] for r in test])

    def brier(p: np.ndarray) -> float:
        return float(np.mean((p - y) ** 2))

    figures = {
        "book": args.book,
        "accounts": args.accounts,
        "files": counts,
        "closed_renewals": len(rows),
        "rows_by_term": training.rows_by_term(rows),
        "train": len(split.train),
        "holdout": len(test),
        "holdout_from": split.split_date.isoformat(),
        "holdout_churned": int(sum(churned)),
        "health_auc_default": auc([100 - s for s in default_scores], churned),
        "health_auc_calibrated": auc([100 - s for s in calibrated_scores], churned),
        "calibrate_report_auc_before": proposal.auc_before,
        "calibrate_report_auc_after": proposal.auc_after,
        "naive_events_30d_auc": auc([-e for e in events], churned),
        "ceiling_auc": auc([c if c is not None else 0.0 for c in ceiling], churned),
        "ceiling_rows_matched": sum(c is not None for c in ceiling),
        "learned_auc": auc(list(-p_learned), churned),
        "plain_logistic_auc": auc(list(-p_plain), churned),
        "learned_brier": brier(p_learned),
        "plain_logistic_brier": brier(p_plain),
        "learned_top_decile_lift": lift(list(-p_learned), churned),
        "health_default_top_decile_lift": lift([100 - s for s in default_scores], churned),
        "health_calibrated_top_decile_lift": lift([100 - s for s in calibrated_scores], churned),
        "component_auc_default": proposal.components_before,
        "component_auc_calibrated": proposal.components_after,
        "calibrated_weights": proposal.weights,
        "calibration_share": proposal.share,
        "calibration_inner_auc": {str(k): v for k, v in proposal.inner_aucs.items()},
        "dropped_measures": proposal.dropped,
        "added_measures": proposal.added,
        "by_term": by_term(test, churned, events, default_scores, calibrated_scores, p_learned),
        "seconds": {
            "generate": round(generated, 1),
            "import": round(imported, 1),
            "rows": round(built, 1),
        },
    }
    print(f"| {args.book} ({args.accounts:,} accounts) | value |\n|---|---|")
    for key, value in figures.items():
        if isinstance(value, float):
            print(f"| {key} | {value:.3f} |")
        elif not isinstance(value, dict | list):
            print(f"| {key} | {value} |")
    print(f"| rows_by_term | {figures['rows_by_term']} |")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2, default=str) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
