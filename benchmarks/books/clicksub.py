"""External book B, "clicksub": a self-serve subscription tool billed per plan (issue 17).

HELD OUT: written for the final check only; nothing in the product was tuned on it. It is
built differently from the demo generator and from book A (`seatwise.py`): a day-by-day
simulation of each user's sessions, flat plan prices (no seats), and two latent processes
per account:

- value realised `v(t) = v_max (1 - exp(-t / tau))`: a learning curve from the first day,
  so young accounts always show rising usage, whether they stay or not;
- frustration `phi(t)`: an Ornstein-Uhlenbeck process (daily reversion 2%, sd 0.06) with
  rare jumps (+0.9, a bad release or a broken import).

A user is active on a day with probability sigmoid(-1.2 + 2.2 v - 1.5 phi); an active
day holds 1 + Poisson(0.5) sessions of about two events each; the kind of each event is
drawn from weights where `publish`, `save`, `search` grow with v and `undo`,
`delete_item`, `dismiss_tip` grow with phi. At the end of each billing period (monthly 70%,
quarterly 15%, annual 15%) the account leaves with probability
1 - exp(-months x (0.006 + 0.07 max(0, phi) + 0.05 exp(-3 v))) (in `_truth.csv`).
Events are written as CSV, as an export from a product-analytics tool would be.

  python benchmarks/books/clicksub.py OUT_DIR --accounts 1500
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

EVENTS = ("open", "search", "edit", "save", "publish", "undo", "delete_item", "dismiss_tip")
FEATURE_OF = ("", "search", "editor", "editor", "publishing", "editor", "editor", "assistant")
# weight = base + value_slope * v + frustration_slope * phi (floored at 0.01)
BASE = np.array([1.0, 0.5, 1.2, 0.6, 0.1, 0.15, 0.05, 0.1])
VALUE_SLOPE = np.array([0.0, 0.4, 0.3, 0.5, 0.4, 0.0, 0.0, -0.05])
FRUSTRATION_SLOPE = np.array([0.0, -0.1, 0.0, -0.2, -0.05, 0.5, 0.4, 0.5])
PLANS = (  # name, months, monthly price, share
    ("monthly", 1, 1.0, 0.70),
    ("quarterly", 3, 0.95, 0.15),
    ("annual", 12, 0.8, 0.15),
)
TIERS = ((29.0, 1.2), (79.0, 2.5), (249.0, 6.0))  # monthly list price, mean team size


def simulate_account(
    rng: np.random.Generator, days: int, first: int
) -> tuple[np.ndarray, np.ndarray]:
    """Daily value and frustration from day `first` (index into the history) to the end."""
    n = days - first
    t = np.arange(n, dtype=float) + float(rng.integers(0, 3))
    v_max = float(np.clip(rng.lognormal(-0.3, 0.45), 0.05, 1.5))
    tau = float(rng.uniform(10, 120))
    value = v_max * (1.0 - np.exp(-t / tau))
    phi = np.empty(n)
    x = max(0.0, float(rng.normal(0.1, 0.2)))
    shocks = rng.random(n) < 0.004
    noise = rng.normal(0, 0.06, n)
    for k in range(n):
        x = 0.98 * x + noise[k] + (0.9 if shocks[k] else 0.0)
        phi[k] = x
    return value, phi


def generate(
    out: Path,
    *,
    accounts: int = 1500,
    seed: int = 2027,
    as_of: date = date(2026, 11, 24),
    history_days: int = 700,
    events_format: str = "csv",
) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    first_day = as_of - timedelta(days=history_days - 1)
    day0_us = int(datetime.combine(first_day, datetime.min.time(), tzinfo=UTC).timestamp()) * 10**6
    writer = bookio.EventWriter(out, events_format)
    names, feats = pa.array(EVENTS), pa.array([f or None for f in FEATURE_OF])
    accounts_out, contracts_out, truth_out = [], [], []
    for a in range(accounts):
        aid = f"cs{a:05d}"
        # a third existed before the history starts; the rest sign up during it
        pre = rng.random() < 0.3
        first = 0 if pre else int(rng.integers(0, history_days - 10))
        signup = (
            first_day
            + timedelta(days=first)
            - timedelta(days=int(rng.integers(60, 900)) if pre else 0)
        )
        value, phi = simulate_account(rng, history_days, first)
        if pre:  # already past the learning curve
            value = np.maximum(value, value.max() * 0.9)
        price, team_mean = TIERS[int(rng.choice(3, p=[0.6, 0.3, 0.1]))]
        team = 1 + int(rng.poisson(team_mean - 1))
        plan = PLANS[int(rng.choice(3, p=[p[3] for p in PLANS]))]
        accounts_out.append(
            {
                "account_id": aid,
                "name": f"Clicksub workspace {a}",
                "industry": "services",
                "customer_since": signup,
                "language": "en",
            }
        )
        # billing periods from the first day in the history
        period_start = first_day + timedelta(days=first)
        if pre:  # a renewal anniversary somewhere in the first term
            period_start = add_months(period_start, -int(rng.integers(0, plan[1])))
        last_day = history_days  # index (exclusive) of the last simulated day
        number = 0
        while period_start <= as_of:
            end = add_months(period_start, plan[1])
            row = {
                "contract_id": f"{aid}/{number}",
                "account_id": aid,
                "start_date": period_start,
                "end_date": end,
                "arr": round(price * plan[2] * 12, 2),
                "currency": "USD",
                "seats": None,
                "term_months": plan[1],
                "auto_renew": True,
                "payment_on_file": True,
            }
            if end <= as_of:
                k = min(history_days - 1, (end - first_day).days) - first
                v, f = float(value[max(0, k)]), float(phi[max(0, k)])
                p = 1.0 - math.exp(
                    -plan[1] * (0.006 + 0.07 * max(0.0, f) + 0.05 * math.exp(-3 * v))
                )
                gone = bool(rng.random() < p)
                row.update(
                    outcome="churned" if gone else "renewed",
                    outcome_arr=0.0 if gone else row["arr"],
                    closed_at=end,
                )
                truth_out.append(
                    {
                        "contract_id": row["contract_id"],
                        "account_id": aid,
                        "end_date": end,
                        "term_months": plan[1],
                        "churned": int(gone),
                        "p_churn": f"{p:.5f}",
                    }
                )
                contracts_out.append(row)
                if gone:
                    last_day = (end - first_day).days
                    break
            else:
                contracts_out.append(row)
            period_start = end
            number += 1
        # events, day by day, for the days the account was a customer
        n_days = max(0, min(history_days, last_day) - first)
        if n_days == 0:
            continue
        v, f = value[:n_days], phi[:n_days]
        q = 1.0 / (1.0 + np.exp(-(-1.2 + 2.2 * v - 1.5 * f)))
        active = rng.random((team, n_days)) < q[None, :]
        sessions = np.where(active, 1 + rng.poisson(0.5, (team, n_days)), 0)
        per_day_events = rng.poisson(2.0 * sessions)
        user_idx, day_idx = np.nonzero(per_day_events)
        counts = per_day_events[user_idx, day_idx]
        user = np.repeat(user_idx, counts)
        day = np.repeat(day_idx, counts)
        if day.size == 0:
            continue
        w = np.maximum(
            0.01,
            BASE[None, :]
            + np.outer(v[day], VALUE_SLOPE)
            + np.outer(np.maximum(f[day], 0), FRUSTRATION_SLOPE),
        )
        cdf = np.cumsum(w, axis=1)
        u = rng.random(day.size) * cdf[:, -1]
        kind = (cdf < u[:, None]).sum(axis=1)
        second = rng.integers(8 * 3600, 20 * 3600, day.size)
        ts = day0_us + ((first + day) * 86_400 + second) * 1_000_000
        order = np.argsort(ts, kind="stable")
        writer.write(
            pa.Table.from_arrays(
                [
                    pa.array(np.full(day.size, aid)),
                    pa.array([f"{aid}:{x}" for x in user[order]]),
                    names.take(pa.array(kind[order])),
                    feats.take(pa.array(kind[order])),
                    pa.array(ts[order], pa.timestamp("us", tz="UTC")),
                ],
                schema=bookio.EVENT_SCHEMA,
            )
        )
    writer.close()
    return bookio.write_tables(out, accounts_out, contracts_out, truth_out, writer)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--accounts", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--as-of", default="2026-11-24")
    args = parser.parse_args()
    for name, n in generate(
        args.out, accounts=args.accounts, seed=args.seed, as_of=date.fromisoformat(args.as_of)
    ).items():
        print(f"{name}: {n:,} rows")


if __name__ == "__main__":
    main()
