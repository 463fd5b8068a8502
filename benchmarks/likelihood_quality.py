"""Benchmark: does the learned likelihood beat the policy prior? (TECH-1, LEARN-2)

Generates a demo book (two years of closed renewals, outcomes driven by a hidden
latent health), imports it and scans its texts, then builds every closed renewal as
it looked `forecast.lead_days` before its date (point in time: no fact dated after
it is read; renewals are grouped by week and each group is scored as of the earliest
cut-off in it, as in health_quality.py). It holds out the newest
`forecast.holdout_share` by renewal date, fits the learned model on the older ones
and reports, for the learned model and the policy prior on the same hold-out: ROC
AUC, Brier score and the calibration table (equal-width bins; a bin needs
`forecast.calibration_min_samples` renewals to be judged, and a judged bin passes
when its mean likelihood is within 0.1 of its observed renewal rate).

This is exactly what `renewals model train` reports (learned.recipe).

  python benchmarks/likelihood_quality.py --accounts 2000
  python benchmarks/likelihood_quality.py --days 300   # only renewals of the last 300 days
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from renewals.db import make_engine, session_scope
from renewals.demo.generator import generate_book
from renewals.forecast import learned
from renewals.ingest.service import run_import
from renewals.migrate import ensure_schema
from renewals.policy import service as policy_service
from renewals.signal import service as signal_service

HERE = Path(__file__).resolve().parent


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--as-of", default="2026-11-24")
    parser.add_argument(
        "--days", type=int, help="only renewals dated in the last N days (default: all)"
    )
    parser.add_argument("--out", type=Path, default=HERE / "results" / "likelihood_quality.json")
    args = parser.parse_args()
    today = date.fromisoformat(args.as_of)
    since = None if args.days is None else today - timedelta(days=args.days)
    policy = policy_service.load()
    f = policy.forecast

    with tempfile.TemporaryDirectory(prefix="renewals-likelihood-") as tmp:
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
        rows_started = time.perf_counter()
        with session_scope(engine) as session:
            rows = learned.rows_before(
                session,
                policy,
                data_dir=root / "data",
                memory_limit="2GB",
                as_of=today,
                since=since,
            )
        building = time.perf_counter() - rows_started
        engine.dispose()

    fit_started = time.perf_counter()
    split, evaluation = learned.recipe(rows, policy)
    fitting = time.perf_counter() - fit_started
    result = evaluation.as_dict()
    a, p = evaluation.learned, evaluation.prior
    judged = [b for b in a.calibration if b.enough]
    calibrated = all(b.within() for b in judged)
    beats_brier = a.brier < p.brier
    beats_auc = a.auc is not None and p.auc is not None and a.auc > p.auc
    result |= {
        "accounts": args.accounts,
        "seed": args.seed,
        "as_of": today.isoformat(),
        "since": None if since is None else since.isoformat(),
        "closed_renewals": len(rows),
        "churned": sum(1 for r in rows if r[1] == 0),
        "lead_days": f.lead_days,
        "holdout_share": f.holdout_share,
        "calibration_tolerance": learned.CALIBRATION_TOLERANCE,
        "prepare_seconds": round(prepared, 1),
        "rows_seconds": round(building, 1),
        "fit_seconds": round(fitting, 2),
        "acceptance": {
            "learned_beats_prior_brier": beats_brier,
            "learned_beats_prior_auc": beats_auc,
            "learned_judged_bins_within_tolerance": calibrated,
            "learned_judged_bins": len(judged),
        },
    }

    print("| figure | value |\n|---|---|")
    print(f"| accounts | {args.accounts:,} |")
    print(f"| closed renewals (since {result['since'] or 'the start'}) | {len(rows):,} |")
    print(f"| churned | {result['churned']:,} |")
    print(f"| train / hold-out | {len(split.train):,} / {len(split.test):,} |")
    print(f"| hold-out renewal dates | {split.split_date} to {result['test_to']} |")
    print(f"| prepare / rows / fit seconds | {prepared:.1f} / {building:.1f} / {fitting:.2f} |")
    print("\n| hold-out | learned | prior |\n|---|---|---|")
    print(f"| ROC AUC | {_fmt(a.auc, '.3f')} | {_fmt(p.auc, '.3f')} |")
    print(f"| Brier score | {a.brier:.4f} | {p.brier:.4f} |")
    print(f"| mean likelihood | {a.mean_likelihood:.1%} | {p.mean_likelihood:.1%} |")
    print(f"| observed renewal rate | {a.observed_rate:.1%} | {p.observed_rate:.1%} |")
    print(
        f"| judged bins within {learned.CALIBRATION_TOLERANCE:g} | "
        f"{a.calibrated_bins}/{a.judged_bins} | {p.calibrated_bins}/{p.judged_bins} |"
    )
    print(
        "\n| likelihood | learned n | predicted | observed | within 0.1 "
        "| prior n | predicted | observed | within 0.1 |\n|---|---|---|---|---|---|---|---|---|"
    )
    for x, y in zip(a.calibration, p.calibration, strict=True):
        if not (x.n or y.n):
            continue
        cells = []
        for b in (x, y):
            verdict = {True: "yes", False: "NO", None: "few"}[b.within()]
            cells += [
                f"{b.n:,}",
                _fmt(b.mean_likelihood, ".1%"),
                _fmt(b.observed_rate, ".1%"),
                verdict if b.n else "-",
            ]
        print(f"| {x.lo:.0%}-{x.hi:.0%} | " + " | ".join(cells) + " |")
    print(f"\nlearned beats prior (Brier): {'PASS' if beats_brier else 'FAIL'}")
    print(f"learned beats prior (AUC): {'PASS' if beats_auc else 'FAIL'}")
    print(
        f"learned calibration within {learned.CALIBRATION_TOLERANCE:g} in every judged bin "
        f"({len(judged)}): {'PASS' if calibrated else 'FAIL'}"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
