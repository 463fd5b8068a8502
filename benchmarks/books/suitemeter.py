"""External book C, "suitemeter": a metered multi-module analytics suite (issue 17).

HELD OUT: written before any tuning of the score in this round, and scored once, at the
end. Its latent structure differs from the demo generator's, from `seatwise` (per-seat, an
engagement walk) and from `clicksub` (flat plans, a learning curve and frustration):

- **modules**: each account adopts two to five of five modules (reports, dashboards,
  alerts, pipelines, api), one after the other; one adopted module is its **anchor** (why
  it bought). A module can be **lost** (replaced by another tool: its use fades to almost
  nothing within about three weeks; hazard 1/1,400 a day per module). Losing the anchor is
  what makes an account leave; losing another module matters little. Total usage barely
  moves when a small module goes, and never when the machine traffic stays;
- **champion**: user 0 works three times as much as the others; the champion leaves with a
  hazard of 1/1,100 a day, seen only in the events (no stakeholder data): the champion's
  user id goes quiet and the rest of the team fades towards half its activity; half the
  time a new power user (a new id) takes over 30-120 days later;
- **machine traffic**: `pipelines.run` and `api.call` come from service users
  (`svc-...`), in volumes set by the account's size, not by how happy it is;
- **seasonality**: a yearly cycle (a summer dip, the last fortnight of December at 40%)
  and weekends at 25%, for people; machines do not rest;
- **metered commit**: no seats. The contract's ARR is a committed spend set at signing
  from the expected billable usage times a sales error (lognormal, sd 0.35); billable
  units are report runs, pipeline runs and api calls / 5. At each renewal the commit is
  reset: expanded above 120% of it, downgraded below 60%;
- **tenure**: a churn hazard that falls with age (+1.8 exp(-tenure / 180 days) on the
  log-odds);
- **frustration**: an account-level Ornstein-Uhlenbeck process (reversion 3% a day) with
  rare jumps, lowering people's activity a little and raising the share of
  `alerts.mute` (not matched by the default negative patterns) and `reports.delete`;
- plans: monthly 30%, quarterly 20%, annual 50%.

At each contract end the account churns with probability
sigmoid(-4.7 + 0.45 ln(months) + 1.8 exp(-tenure/180) + 1.9 [anchor lost]
+ 0.35 [another module lost] + 1.2 [champion gone, not replaced] + 0.8 max(0, phi)
+ 1.1 max(0, 0.6 - used/commit) / 0.6 + 0.6 [used/commit > 1.6] + z), z ~ N(0, 0.5) per
account (unobserved); the probability is written to `_truth.csv` (the ceiling).

  python benchmarks/books/suitemeter.py OUT_DIR --accounts 2000
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

import bookio
import numpy as np
import pyarrow as pa

from renewals.kit.calendar import add_months

# module, people's daily events per unit of user weight, kinds (name, share, frustration slope)
MODULES = (
    (
        "reports",
        0.30,
        (("reports.run", 1.0, 0.0), ("reports.share", 0.25, -0.1), ("reports.delete", 0.03, 0.25)),
    ),
    ("dashboards", 0.27, (("dashboards.view", 1.0, 0.0), ("dashboards.edit", 0.2, -0.05))),
    ("alerts", 0.12, (("alerts.ack", 1.0, 0.0), ("alerts.mute", 0.05, 0.6))),
    ("pipelines", 0.06, (("pipelines.edit", 1.0, 0.0),)),
    ("api", 0.03, (("api.key_view", 1.0, 0.0),)),
)
MACHINE = {"pipelines": ("pipelines.run", 1.0), "api": ("api.call", 1.5)}  # per unit of size
BILLABLE = {"reports.run": 1.0, "pipelines.run": 1.0, "api.call": 1 / 5}
PLANS = ((1, 0.30, 1.0), (3, 0.20, 0.97), (12, 0.50, 0.85))  # months, share, price factor
PRICE_PER_UNIT = 0.9  # USD per billable unit at list price
INDUSTRIES = ("retail", "logistics", "media", "finance", "public", "software")


def season(days: list[date]) -> tuple[np.ndarray, np.ndarray]:
    """(people's multiplier, weekday flag) per day."""
    doy = np.array([d.timetuple().tm_yday for d in days], dtype=float)
    people = 1.0 - 0.25 * np.exp(-(((doy - 215) / 25) ** 2))  # summer dip around August
    people = np.where((doy >= 354) | (doy <= 2), 0.4, people)
    weekday = np.array([d.weekday() < 5 for d in days])
    return people * np.where(weekday, 1.0, 0.25), weekday


def fade(n: int, start: int, days: float, floor: float) -> np.ndarray:
    """1 before `start`, then an exponential fade towards `floor` with time scale `days`."""
    t = np.arange(n) - start
    return np.where(t < 0, 1.0, floor + (1 - floor) * np.exp(-np.maximum(t, 0) / days))


def _billable(
    lo: int,
    hi: int,
    n: int,
    weights: list[float],
    spans: list[tuple[int, int]],
    intensity: np.ndarray,
    people: np.ndarray,
    machine_size: np.ndarray,
) -> float:
    """Expected billable units a day over simulated days [lo, hi)."""
    lo, hi = max(0, lo), max(lo + 1, min(n, hi))
    w_people = sum(
        w * max(0, min(hi, e) - max(lo, s)) / (hi - lo)
        for w, (s, e) in zip(weights, spans, strict=True)
    )
    reports = MODULES[0][1] * w_people * float(np.mean(intensity[0, lo:hi] * people[lo:hi]))
    machine = sum(
        rate * machine_size[m] * float(np.mean(intensity[m, lo:hi] > 0.05)) * BILLABLE[kind]
        for m, (kind, rate) in ((3, MACHINE["pipelines"]), (4, MACHINE["api"]))
    )
    return reports + machine


def generate(
    out: Path,
    *,
    accounts: int = 2000,
    seed: int = 3031,
    as_of: date = date(2026, 11, 24),
    history_days: int = 730,
    events_format: str = "parquet",
) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    days, day0_us = bookio.day_grid(as_of, history_days)
    people_season, _ = season(days)
    writer = bookio.EventWriter(out, events_format)
    accounts_out: list[dict[str, object]] = []
    contracts_out: list[dict[str, object]] = []
    truth_out: list[dict[str, object]] = []
    n_mod = len(MODULES)
    for a in range(accounts):
        aid = f"sm-{a:05d}"
        old = rng.random() < 0.4
        first = 0 if old else int(rng.integers(0, history_days - 20))
        since = days[first] - timedelta(days=int(rng.integers(90, 1400)) if old else 0)
        size = float(np.clip(rng.lognormal(0.0, 0.8), 0.1, 30.0))
        n_users = 1 + int(rng.poisson(1.0 + 2.5 * size**0.6))
        months, _, price_factor = PLANS[int(rng.choice(len(PLANS), p=[p[1] for p in PLANS]))]
        z = float(rng.normal(0, 0.5))
        n = history_days - first  # simulated days from the account's first day in the history
        # modules: which, when adopted (ramp), anchor, losses
        k_mod = int(rng.integers(2, n_mod + 1))
        adopted = rng.choice(n_mod, size=k_mod, replace=False, p=[0.3, 0.3, 0.2, 0.12, 0.08])
        anchor = int(adopted[0])
        intensity = np.zeros((n_mod, n))
        lost_day = np.full(n_mod, n + 1)
        planned = np.zeros(n_mod)
        for order, m in enumerate(adopted):
            start = 0 if old else int(order * rng.integers(10, 80))
            ramp = 1.0 - np.exp(-(np.arange(n) - start + 1).clip(0) / (1 if old else 20.0))
            level = float(rng.lognormal(0.0, 0.4)) * (1.6 if m == anchor else 1.0)
            loss = int(rng.geometric(1 / 1400))
            lost_day[m] = start + loss
            planned[m] = level
            intensity[m] = level * ramp * fade(n, start + loss, 8.0, 0.03)
        # frustration: OU with jumps
        phi = np.empty(n)
        x = max(0.0, float(rng.normal(0.0, 0.15)))
        noise = rng.normal(0, 0.05, n)
        jumps = rng.random(n) < 0.003
        for k in range(n):
            x = 0.97 * x + noise[k] + (0.8 if jumps[k] else 0.0)
            phi[k] = x
        # users: weight, first and last day (exclusive); user 0 the champion
        weights = [3.0] + list(rng.gamma(1.5, 0.4, n_users - 1))
        spans = [(0, n)] * n_users
        champ_left = int(rng.geometric(1 / 1100))
        team = np.ones(n)
        replaced_at = n + 1
        if champ_left < n:
            spans[0] = (0, champ_left)
            team = fade(n, champ_left, 45.0, 0.5)
            if rng.random() < 0.5:
                replaced_at = champ_left + int(rng.integers(30, 121))
                if replaced_at < n:
                    weights.append(3.0)
                    spans.append((replaced_at, n))
                    back = np.clip((np.arange(n) - replaced_at) / 30.0, 0, 1)
                    team = np.where(np.arange(n) >= replaced_at, team + (1 - team) * back, team)
        for u in range(1, n_users):  # ordinary turnover: a leaver is replaced by a new id
            gone = int(rng.geometric(1 / 700))
            if gone < n:
                spans[u] = (0, gone)
                weights.append(float(weights[u]))
                spans.append((gone + int(rng.integers(5, 40)), n))
        mood = np.exp(-0.5 * np.maximum(phi, 0))
        people = people_season[first:] * team * mood  # per day
        machine_size = size * np.array([1.0 if m in adopted else 0.0 for m in range(n_mod)])

        # sold at signing on the usage expected once adopted (no loss, an average season)
        steady = MODULES[0][1] * 0.8 * sum(weights[:n_users]) * planned[0] + sum(
            rate * machine_size[m] * BILLABLE[kind]
            for m, (kind, rate) in ((3, MACHINE["pipelines"]), (4, MACHINE["api"]))
        )
        commit = max(steady, 0.05) * float(rng.lognormal(0.0, 0.35))  # units a day, sold at signing
        accounts_out.append(
            {
                "account_id": aid,
                "name": f"Suitemeter customer {a}",
                "industry": INDUSTRIES[int(rng.integers(len(INDUSTRIES)))],
                "customer_since": since,
                "language": "en",
            }
        )
        period_start = days[first]
        if old:  # an anniversary somewhere in the first term
            period_start = add_months(period_start, -int(rng.integers(0, months)))
        last = n  # simulated days the account is a customer
        number = 0
        while period_start <= as_of:
            end = add_months(period_start, months)
            arr = round(commit * 365 * PRICE_PER_UNIT * price_factor, 2)
            row: dict[str, object] = {
                "contract_id": f"{aid}-t{number:03d}",
                "account_id": aid,
                "start_date": period_start,
                "end_date": end,
                "arr": max(arr, 120.0),
                "currency": "USD",
                "seats": None,
                "term_months": months,
                "auto_renew": months < 12,
                "payment_on_file": months < 12,
            }
            if end <= as_of:
                e = (end - days[first]).days  # simulated day index of the renewal
                k = min(n - 1, max(0, e - 1))
                used = _billable(
                    e - 60, e, n, weights, spans, intensity, people, machine_size
                ) / max(commit, 1e-6)
                tenure = (end - since).days
                anchor_lost = lost_day[anchor] <= e
                other_lost = any(lost_day[m] <= e for m in adopted if m != anchor)
                champion_gone = champ_left <= e and replaced_at > e
                p = bookio.sigmoid(
                    -4.7
                    + 0.45 * math.log(months)
                    + 1.8 * math.exp(-tenure / 180)
                    + 1.9 * anchor_lost
                    + 0.35 * other_lost
                    + 1.2 * champion_gone
                    + 0.8 * max(0.0, float(phi[k]))
                    + 1.1 * max(0.0, 0.6 - used) / 0.6
                    + 0.6 * (used > 1.6)
                    + z
                )
                gone = bool(rng.random() < p)
                if gone:
                    outcome, outcome_arr = "churned", 0.0
                elif used > 1.2:
                    commit *= min(used, 2.0)
                    outcome = "expanded"
                    outcome_arr = round(commit * 365 * PRICE_PER_UNIT * price_factor, 2)
                elif used < 0.6:
                    commit *= max(used, 0.3)
                    outcome = "downgraded"
                    outcome_arr = round(commit * 365 * PRICE_PER_UNIT * price_factor, 2)
                else:
                    outcome, outcome_arr = "renewed", row["arr"]
                row.update(outcome=outcome, outcome_arr=outcome_arr, closed_at=end)
                truth_out.append(
                    {
                        "contract_id": row["contract_id"],
                        "account_id": aid,
                        "end_date": end,
                        "term_months": months,
                        "churned": int(gone),
                        "p_churn": f"{p:.5f}",
                    }
                )
                contracts_out.append(row)
                if gone:
                    last = max(0, e)
                    break
            else:
                contracts_out.append(row)
            period_start = end
            number += 1
        if last == 0:
            continue
        writer.write(
            _events(
                rng, aid, first, last, intensity, people, phi, weights, spans, machine_size, day0_us
            )
        )
    writer.close()
    return bookio.write_tables(out, accounts_out, contracts_out, truth_out, writer)


def _events(
    rng: np.random.Generator,
    aid: str,
    first: int,
    last: int,
    intensity: np.ndarray,
    people: np.ndarray,
    phi: np.ndarray,
    weights: list[float],
    spans: list[tuple[int, int]],
    machine_size: np.ndarray,
    day0_us: int,
) -> pa.Table:
    """The account's events over simulated days [0, last): people's, then machines'."""
    users: list[np.ndarray] = []
    kinds: list[np.ndarray] = []
    features: list[str] = []
    stamps: list[np.ndarray] = []
    t = np.arange(last)
    f = np.maximum(phi[:last], 0)
    for u, (w, (s, e)) in enumerate(zip(weights, spans, strict=True)):
        present = (t >= s) & (t < e)
        for m, (module, rate, kind_table) in enumerate(MODULES):
            lam = w * rate * intensity[m, :last] * people[:last] * present
            counts = rng.poisson(lam)
            total = int(counts.sum())
            if not total:
                continue
            day = np.repeat(t, counts)
            share = np.array([k[1] for k in kind_table])
            slope = np.array([k[2] for k in kind_table])
            p = np.maximum(0.005, share[None, :] + np.outer(f[day], slope))
            cdf = np.cumsum(p, axis=1)
            pick = (cdf < (rng.random(total) * cdf[:, -1])[:, None]).sum(axis=1)
            names = np.array([k[0] for k in kind_table])[pick]
            users.append(np.full(total, f"{aid}-u{u}"))
            kinds.append(names)
            features.append(module)
            sec = rng.integers(7 * 3600, 19 * 3600, total)
            stamps.append(day0_us + ((first + day) * 86_400 + sec) * 1_000_000)
    for m, (module, _, _) in enumerate(MODULES):
        if module not in MACHINE or machine_size[m] == 0:
            continue
        kind, rate = MACHINE[module]
        on = intensity[m, :last] > 0.05
        counts = rng.poisson(rate * machine_size[m] * on)
        total = int(counts.sum())
        if not total:
            continue
        day = np.repeat(t, counts)
        users.append(np.full(total, f"svc-{aid}-{module}"))
        kinds.append(np.full(total, kind))
        features.append(module)
        stamps.append(day0_us + ((first + day) * 86_400 + rng.integers(0, 86_400, total)) * 10**6)
    features_ = [np.full(len(st), f) for f, st in zip(features, stamps, strict=True)]
    return bookio.events_table(aid, users, kinds, features_, stamps)


def main() -> None:
    bookio.cli(__doc__, generate, seed=3031)


if __name__ == "__main__":
    main()
