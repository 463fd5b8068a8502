"""Benchmark: does the health score rank the accounts that later churned? (issue 3, 6a)

Generates a demo book (known latent health, two years of closed renewals), imports
it, scans its texts, then for every closed renewal whose date lies in the last
`--days` days computes the account's health *as of 90 days before that date*
(point in time: no fact dated after it is read) and reports the ROC AUC of
(100 - score) against churned-or-downgraded. Renewals are grouped by week; each
group is scored as of the earliest "90 days before" in it, so no group looks ahead.

For reference it also reports the AUC of the generator's hidden latent health on
the same day (the ceiling a perfect score could reach on this book) and the
churn rate per health category.

  python benchmarks/health_quality.py --accounts 10000
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import select

from renewals.contract.models import Contract
from renewals.db import make_engine, session_scope
from renewals.demo.generator import generate_book
from renewals.health import service as health_service
from renewals.health.domain import categorize
from renewals.ingest.service import run_import
from renewals.migrate import ensure_schema
from renewals.policy import service as policy_service
from renewals.signal import service as signal_service

HERE = Path(__file__).resolve().parent
LEAD_DAYS = 90
BAD = ("churned", "downgraded")


def auc(scores: list[float], labels: list[int]) -> float:
    """ROC AUC as the Mann-Whitney probability that a positive outranks a negative."""
    s, y = np.asarray(scores, dtype=float), np.asarray(labels, dtype=int)
    order = s.argsort(kind="mergesort")
    ranks = np.empty(len(s))
    sorted_scores = s[order]
    i = 0
    while i < len(s):  # average ranks over ties
        j = i
        while j + 1 < len(s) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    positives = int(y.sum())
    negatives = len(y) - positives
    return float((ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def _write_features(path: Path, rows: list[dict]) -> None:  # type: ignore[type-arg]
    names = sorted({k for r in rows for k in r["features"]})
    parts = sorted({k for r in rows for k in r["components"]})
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["account_id", "as_of", "outcome", "bad", "score", "latent", *parts, *names])
        for r in rows:
            out.writerow(
                [r["account_id"], r["as_of"], r["outcome"], r["bad"], r["score"], r["latent"]]
                + [r["components"].get(k) for k in parts]
                + [r["features"].get(k) for k in names]
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--as-of", default="2026-11-24")
    parser.add_argument("--days", type=int, default=210, help="closed renewals of the last N days")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "health_quality.json")
    parser.add_argument(
        "--features-csv", type=Path, help="also write every scored renewal's features here"
    )
    args = parser.parse_args()
    today = date.fromisoformat(args.as_of)
    policy = policy_service.load()

    with tempfile.TemporaryDirectory(prefix="renewals-health-") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        generate_book(root / "book", accounts=args.accounts, seed=args.seed, as_of=today)
        engine = make_engine(f"sqlite:///{root / 'bench.db'}")
        ensure_schema(engine)
        run_import(engine, root / "book", data_dir=root / "data")
        with session_scope(engine) as session:
            signal_service.scan_texts(
                session, policy, as_of=today, since=today - timedelta(days=730)
            )
        prepared = time.perf_counter() - started
        truth = {
            row["account_id"]: (float(row["latent_health"]), float(row["health_trend"]))
            for row in csv.DictReader((root / "book" / "_truth.csv").open(encoding="utf-8"))
        }
        with session_scope(engine) as session:
            closed = session.execute(
                select(Contract.account_id, Contract.end_date, Contract.outcome).where(
                    Contract.outcome.is_not(None),
                    Contract.end_date > today - timedelta(days=args.days),
                    Contract.end_date <= today,
                )
            ).all()
        groups: dict[date, list[tuple[str, date, str]]] = defaultdict(list)
        for account_id, end, outcome in closed:
            cut = end - timedelta(days=LEAD_DAYS)
            groups[cut - timedelta(days=cut.weekday())].append((account_id, cut, outcome))

        rows = []
        scoring_started = time.perf_counter()
        for week in sorted(groups):
            members = groups[week]
            as_of = min(cut for _, cut, _ in members)  # never after any member's cut-off
            with session_scope(engine) as session:
                scored = health_service.score_accounts(
                    session,
                    policy,
                    as_of=as_of,
                    data_dir=root / "data",
                    memory_limit="2GB",
                    accounts=[a for a, _, _ in members],
                )
            by_account = {s.account_id: s for s in scored}
            for account_id, _cut, outcome in members:
                s = by_account.get(account_id)
                latent, trend = truth[account_id]
                rows.append(
                    {
                        "account_id": account_id,
                        "as_of": as_of,
                        "score": None if s is None else s.health.score,
                        "latent": latent + trend * (as_of - today).days / 365.0,
                        "bad": int(outcome in BAD),
                        "outcome": outcome,
                        "features": {} if s is None else s.features,
                        "components": {}
                        if s is None
                        else {c.name: c.score for c in s.health.components},
                    }
                )
        scoring = time.perf_counter() - scoring_started

    usable = [r for r in rows if r["score"] is not None]
    if args.features_csv:
        _write_features(args.features_csv, usable)
    labels = [r["bad"] for r in usable]
    health_auc = auc([100 - r["score"] for r in usable], labels)
    latent_auc = auc([100 - r["latent"] for r in usable], labels)
    by_category: dict[str, list[int]] = defaultdict(list)
    for r in usable:
        category = categorize(
            r["score"], policy.health, bottom_cutoff=None, features={}, signals=policy.signals
        ).category
        by_category[category.value].append(r["bad"])
    result = {
        "accounts": args.accounts,
        "closed_renewals": len(rows),
        "scored": len(usable),
        "churned_or_downgraded": sum(labels),
        "health_auc": round(health_auc, 4),
        "latent_health_auc": round(latent_auc, 4),
        "lead_days": LEAD_DAYS,
        "weeks": len(groups),
        "prepare_seconds": round(prepared, 1),
        "scoring_seconds": round(scoring, 1),
        "bad_rate_by_category": {
            k: {"renewals": len(v), "churned_or_downgraded": round(sum(v) / len(v), 3)}
            for k, v in sorted(by_category.items())
        },
    }
    print("| figure | value |\n|---|---|")
    for key in ("accounts", "closed_renewals", "scored", "churned_or_downgraded", "weeks"):
        print(f"| {key} | {result[key]:,} |")
    print(f"| health AUC (100 - score, {LEAD_DAYS} days before) | {health_auc:.3f} |")
    print(f"| latent-health AUC (the generator's ceiling) | {latent_auc:.3f} |")
    print(f"| prepare / scoring seconds | {prepared:.1f} / {scoring:.1f} |")
    print("\n| category | renewals | churned or downgraded |\n|---|---|---|")
    for k, v in result["bad_rate_by_category"].items():
        print(f"| {k} | {v['renewals']:,} | {v['churned_or_downgraded']:.1%} |")
    print(f"\nacceptance (AUC >= 0.80): {'PASS' if health_auc >= 0.80 else 'FAIL'}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
