"""External book A, "seatwise": a per-seat B2B collaboration product (issue 17).

Not the demo generator, and not written with the health score in mind. Its latent
structure, in weeks:

- each account has a static product fit `f` ~ N(0, 1) and an engagement `e` that moves as
  an AR(1) walk (0.97 per week, sd 0.15) with rare bad incidents (-1.2 at once);
- new accounts ramp up: usage starts near zero and grows with an onboarding curve whose
  speed is the account's activation; accounts that never activate churn early
  (tenure effect); about a third are old customers already in steady state;
- plans: monthly (55%), annual (40%), two-year (5%); price per seat per month by plan;
  seats ~ lognormal; ARR = seats x price x 12;
- a week's active users ~ Binomial(seats, sigmoid(0.3 + 0.8 f + e) x ramp); each active
  user's events ~ Poisson by kind; negative kinds (`remove_member`, `reject_suggestion`)
  rise as engagement falls, `export_data` too; the rest fall with it;
- at each contract end the account churns with probability
  sigmoid(-4.0 - 1.4 e - 0.5 f + 1.3 [tenure < 120 days and activation low] - 0.2 [annual+]
  + 0.8 [seat use < 30%]); the probability is written to `_truth.csv` (the ceiling);
- a renewing account may expand (seats +20% when more than 85% are used) or downgrade
  (seats -30% below 30% used).

No tickets, surveys, notes, goals or stakeholders: a usage-only book.

  python benchmarks/books/seatwise.py OUT_DIR --accounts 1500
"""

from __future__ import annotations

import argparse
import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import bookio
import numpy as np
import pyarrow as pa

from renewals.kit.calendar import add_months

KINDS = (
    # event, feature, base rate per active user per week, engagement elasticity
    ("login", "", 0.8, 0.3),
    ("view_board", "boards", 1.0, 0.4),
    ("create_card", "boards", 0.4, 0.6),
    ("comment", "collaboration", 0.3, 0.5),
    ("invite_member", "admin", 0.02, 0.8),
    ("export_data", "export", 0.03, -0.8),
    ("remove_member", "admin", 0.015, -1.2),
    ("reject_suggestion", "assistant", 0.05, -1.0),
)
PLANS = (("monthly", 1, 45.0, 0.55), ("annual", 12, 38.0, 0.40), ("biennial", 24, 34.0, 0.05))
INDUSTRIES = ("software", "agency", "retail", "education", "health", "finance")
WEEK = timedelta(days=7)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def generate(
    out: Path,
    *,
    accounts: int = 1500,
    seed: int = 11,
    as_of: date = date(2026, 11, 24),
    history_days: int = 730,
    events_format: str = "parquet",
    monthly_only: bool = False,
) -> dict[str, int]:
    """Write the book into `out`; return row counts per file (`monthly_only`: every
    account on the monthly plan, for the subscription day-one check)."""
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    start = as_of - timedelta(days=history_days)
    account_rows: list[dict[str, object]] = []
    contract_rows: list[dict[str, object]] = []
    truth_rows: list[dict[str, object]] = []
    events = bookio.EventWriter(out, events_format)
    base_rates = np.array([k[2] for k in KINDS])
    elasticity = np.array([k[3] for k in KINDS])
    names = pa.array([k[0] for k in KINDS])
    features = pa.array([k[1] or None for k in KINDS])
    epoch_us = int(datetime.combine(start, datetime.min.time(), tzinfo=UTC).timestamp()) * 10**6
    for i in range(accounts):
        account_id = f"sw-{i:05d}"
        old = rng.random() < 0.35
        join = start if old else start + timedelta(days=int(rng.integers(0, history_days - 14)))
        since = join - timedelta(days=int(rng.integers(200, 1500))) if old else join
        choice = int(rng.choice(len(PLANS), p=[p[3] for p in PLANS]))
        plan_name, term, price, _ = PLANS[0 if monthly_only else choice]
        seats = int(np.clip(rng.lognormal(math.log(4 if term == 1 else 9), 0.9), 1, 600))
        fit = float(rng.normal())
        activation = 1.0 if old else float(rng.beta(2.0, 1.5))
        engagement = float(rng.normal(0, 0.5))
        account_rows.append(
            {
                "account_id": account_id,
                "name": f"Seatwise customer {i}",
                "industry": INDUSTRIES[int(rng.integers(len(INDUSTRIES)))],
                "customer_since": since,
                "language": "en",
            }
        )
        period_start = join
        k = 0
        alive = True
        week_day = join
        chunks: list[pa.Table] = []
        while alive and period_start <= as_of:
            end = add_months(period_start, term)
            arr = round(seats * price * 12, 2)
            # simulate the weeks of this period (up to as_of)
            util = 0.5
            while week_day < min(end, as_of + timedelta(days=1)):
                engagement = 0.97 * engagement + 0.15 * float(rng.normal())
                if rng.random() < 0.01:
                    engagement -= 1.2
                tenure_weeks = (week_day - since).days / 7
                ramp = 1.0 - math.exp(-(tenure_weeks + 0.5) / (1.0 + 10.0 * (1.0 - activation)))
                util = _sigmoid(0.3 + 0.8 * fit + engagement) * ramp
                active = int(rng.binomial(seats, min(1.0, max(0.0, util))))
                if active:
                    rates = base_rates * np.exp(elasticity * engagement + 0.2 * fit)
                    counts = rng.poisson(rates * active)
                    total = int(counts.sum())
                    if total:
                        kind = np.repeat(np.arange(len(KINDS)), counts)
                        offset = (week_day - start).days * 86_400 + rng.integers(
                            0, 7 * 86_400, total
                        )
                        user = np.floor(active * rng.random(total) ** 1.5).astype(int)
                        chunks.append(
                            pa.Table.from_arrays(
                                [
                                    pa.array([account_id] * total),
                                    pa.array([f"{account_id}-u{u}" for u in user]),
                                    names.take(pa.array(kind)),
                                    features.take(pa.array(kind)),
                                    pa.array(
                                        epoch_us + offset * 1_000_000,
                                        pa.timestamp("us", tz="UTC"),
                                    ),
                                ],
                                schema=bookio.EVENT_SCHEMA,
                            )
                        )
                week_day += WEEK
            contract_id = f"{account_id}-c{k:03d}"
            row: dict[str, object] = {
                "contract_id": contract_id,
                "account_id": account_id,
                "start_date": period_start,
                "end_date": end,
                "arr": arr,
                "currency": "USD",
                "seats": seats,
                "term_months": term,
                "auto_renew": term == 1,
                "payment_on_file": term == 1,
            }
            if end <= as_of:
                new_and_cold = (end - since).days < 120 and activation < 0.5
                p = _sigmoid(
                    -4.0
                    - 1.4 * engagement
                    - 0.5 * fit
                    + 1.3 * new_and_cold
                    - 0.2 * (term >= 12)
                    + 0.8 * (util < 0.3)
                )
                churned = bool(rng.random() < p)
                if churned:
                    outcome, outcome_arr, alive = "churned", 0.0, False
                elif util > 0.85 and rng.random() < 0.5:
                    seats = int(math.ceil(seats * 1.2))
                    outcome, outcome_arr = "expanded", round(seats * price * 12, 2)
                elif util < 0.3 and seats > 1 and rng.random() < 0.4:
                    seats = max(1, int(seats * 0.7))
                    outcome, outcome_arr = "downgraded", round(seats * price * 12, 2)
                else:
                    outcome, outcome_arr = "renewed", arr
                row.update(outcome=outcome, outcome_arr=outcome_arr, closed_at=end)
                truth_rows.append(
                    {
                        "contract_id": contract_id,
                        "account_id": account_id,
                        "end_date": end,
                        "term_months": term,
                        "churned": int(churned),
                        "p_churn": f"{p:.5f}",
                    }
                )
            contract_rows.append(row)
            period_start = end
            k += 1
        for chunk in chunks:
            events.write(chunk)
        del plan_name
    events.close()
    return bookio.write_tables(out, account_rows, contract_rows, truth_rows, events)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--accounts", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--as-of", default="2026-11-24")
    parser.add_argument("--events-format", choices=("parquet", "csv"), default="parquet")
    parser.add_argument("--history-days", type=int, default=730)
    parser.add_argument("--monthly-only", action="store_true", help="every account monthly")
    args = parser.parse_args()
    counts = generate(
        args.out,
        accounts=args.accounts,
        seed=args.seed,
        as_of=date.fromisoformat(args.as_of),
        events_format=args.events_format,
        history_days=args.history_days,
        monthly_only=args.monthly_only,
    )
    for name, n in counts.items():
        print(f"{name}: {n:,} rows")


if __name__ == "__main__":
    main()
