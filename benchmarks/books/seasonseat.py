"""External book D, "seasonseat": a product-led, per-seat workspace tool (issue 17).

HELD OUT: written before any change to the health calibration in this round, committed
untouched and scored once, at the end. Its latent structure differs from the demo
generator's, from `seatwise` (an engagement walk), `clicksub` (flat plans, a learning curve
and frustration) and `suitemeter` (metered modules, an anchor module, machine traffic):

- **free before paid**: every workspace starts on a free plan (events, no contract) and
  converts to a paid per-seat plan 0-180 days later; `customer_since` is the day it first
  paid, so the usage history is longer than the tenure. A long free trial means the team
  knew what it bought (lower churn at the first renewals);
- **habits, not volume**: each user has a habit (the chance of working on a working day,
  Beta(1.6, 2.2)) and, apart from it, a volume per active day (lognormal): a few power
  users make most of the events, but what keeps an account is how many of its users have
  the habit. Churn reads the seat-weighted habit share, never the event count;
- **seasons by industry**: schools (30%) nearly stop in July and August and over the
  winter break; retailers (25%) work weekends and peak in November and December; the rest
  are flat with quiet weekends. Churn does not follow the season: a school renewing in
  August is no riskier for its empty month;
- **a drifting state**: each workspace is engaged or drifting (a two-state chain: daily
  hazard of drifting 1/700, doubled when its admin has gone and by low habit; recovering
  1/120 a day). While it drifts, every user's habit fades (to 35% within about two months),
  work shifts from `doc.create`/`comment.add` to `doc.view`, and the team takes its data
  out: `data.takeout`, a kind of its own name that no default pattern matches;
- **the admin**: user 0 invites and offboards members (`member.invite`, `seat.offboard`,
  neither matched by the default patterns) and views billing; the admin leaves with a hazard
  of 1/900 a day, and a new admin takes over within 20-150 days in 60% of workspaces;
- **seats**: sold per seat; at each renewal the seats are trued up to the users active in
  the last 30 days plus 10% (expanded or downgraded); seats unused matter a little;
- **a price rise**: the list price per seat goes from 12 to 15 USD a month 300 days before
  the book's day; price-sensitive workspaces (40%) are more likely to leave at their first
  renewal after it;
- plans: quarterly 50%, monthly 20%, annual 30% (annual 15% cheaper per month).

At each contract end the workspace leaves with probability
sigmoid(-3.9 + 2.4 min(1, drifting days / 60) - 2.6 (habit share - 0.4)
+ 1.0 [admin gone, no new admin] + 1.1 [first renewal after the rise, price-sensitive]
+ 0.9 exp(-paid tenure / 90) - 0.5 [free trial over 60 days] + 0.5 [seats used < 40%]
- 0.25 ln(term months) + z), z ~ N(0, 0.4) per workspace (unobserved); the probability is
written to `_truth.csv` (the ceiling).

  python benchmarks/books/seasonseat.py OUT_DIR --accounts 2000
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

import bookio
import numpy as np
import pyarrow as pa

from renewals.kit.calendar import add_months

# people's kinds: (event, feature, share when engaged, share when drifting)
KINDS = (
    ("doc.view", "docs", 0.40, 0.62),
    ("doc.create", "docs", 0.18, 0.07),
    ("doc.edit", "docs", 0.22, 0.16),
    ("comment.add", "collab", 0.12, 0.05),
    ("task.complete", "tasks", 0.08, 0.05),
    ("data.takeout", "admin", 0.0, 0.05),
)
ADMIN_KINDS = (("member.invite", "admin"), ("seat.offboard", "admin"), ("billing.view", "billing"))
PLANS = ((1, 0.20, 1.0), (3, 0.50, 1.0), (12, 0.30, 0.85))  # months, share, price factor
PRICE_BEFORE, PRICE_AFTER, RISE_DAYS_BEFORE = 12.0, 15.0, 300
INDUSTRIES = (("education", 0.30), ("retail", 0.25), ("software", 0.2), ("services", 0.25))


def seasons(days: list[date]) -> dict[str, np.ndarray]:
    """People's working multiplier per day, by industry."""
    doy = np.array([d.timetuple().tm_yday for d in days])
    weekday = np.array([d.weekday() < 5 for d in days])
    quiet = np.where(weekday, 1.0, 0.15)
    school = np.where((doy >= 182) & (doy <= 243), 0.08, 1.0)
    school = np.where((doy >= 355) | (doy <= 4), 0.12, school)
    retail = np.where(doy >= 305, 1.6, np.where(doy <= 31, 0.75, 1.0))
    return {
        "education": school * quiet,
        "retail": retail * np.where(weekday, 1.0, 0.8),
        "software": quiet,
        "services": quiet,
    }


def generate(
    out: Path,
    *,
    accounts: int = 2000,
    seed: int = 4242,
    as_of: date = date(2026, 11, 24),
    history_days: int = 640,
    events_format: str = "parquet",
) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    days, day0_us = bookio.day_grid(as_of, history_days)
    season = seasons(days)
    rise_day = as_of - timedelta(days=RISE_DAYS_BEFORE)
    writer = bookio.EventWriter(out, events_format)
    accounts_out: list[dict[str, object]] = []
    contracts_out: list[dict[str, object]] = []
    truth_out: list[dict[str, object]] = []
    for a in range(accounts):
        aid = f"ss-{a:05d}"
        industry = INDUSTRIES[int(rng.choice(len(INDUSTRIES), p=[i[1] for i in INDUSTRIES]))][0]
        old = rng.random() < 0.35
        signup = 0 if old else int(rng.integers(0, history_days - 30))
        free_days = int(rng.integers(0, 181))
        # the first paid day (before the history's start for an old customer)
        paid_day = -int(rng.integers(30, 900)) if old else signup + free_days
        if paid_day >= history_days - 1:
            continue  # still free on the book's day: not a customer
        months, _, factor = PLANS[int(rng.choice(len(PLANS), p=[p[1] for p in PLANS]))]
        sensitive = rng.random() < 0.4
        z = float(rng.normal(0, 0.4))
        n = history_days - signup  # simulated days from signup (or the history's start)
        local = season[industry][signup:]
        start = max(0, paid_day - signup)  # the first paid day, in simulated days

        # users: habit, volume, first and last simulated day; user 0 is the admin
        size = float(np.clip(rng.lognormal(1.3, 0.7), 1.0, 60.0))
        n_users = max(1, int(round(size)))
        habit = [0.85] + list(rng.beta(1.6, 2.2, n_users - 1))
        volume = [1.5] + list(rng.lognormal(0.5, 0.7, n_users - 1))
        joined = [0] + [int(rng.integers(0, 60)) for _ in range(n_users - 1)]
        left = [n] * n_users
        admin_left = int(rng.geometric(1 / 900))
        admin_back = n + 1
        if admin_left < n:
            left[0] = admin_left
            if rng.random() < 0.6:
                admin_back = admin_left + int(rng.integers(20, 151))
                if admin_back < n:
                    habit.append(0.85)
                    volume.append(1.5)
                    joined.append(admin_back)
                    left.append(n)
        base_users = len(habit)
        for u in range(1, base_users):  # turnover: a leaver, a newcomer invited later
            gone = joined[u] + int(rng.geometric(1 / 500))
            if gone < n:
                left[u] = gone
                habit.append(float(rng.beta(1.6, 2.2)))
                volume.append(float(rng.lognormal(0.5, 0.7)))
                joined.append(gone + int(rng.integers(3, 45)))
                left.append(n)

        # the drifting chain (per day), once the team has settled in
        drifting = np.zeros(n, dtype=bool)
        state = False
        admin_out = np.zeros(n, dtype=bool)
        for u in range(n):
            admin_out[u] = admin_left <= u < admin_back
        mean_habit = float(np.mean(habit[:n_users]))
        hazard = (1 / 700) * (1.6 if mean_habit < 0.35 else 1.0)
        draws = rng.random(n)
        for k in range(n):
            if state:
                state = draws[k] >= 1 / 120
            else:
                state = draws[k] < hazard * (2.0 if admin_out[k] else 1.0)
            drifting[k] = state
        run = np.zeros(n)  # consecutive drifting days
        for k in range(n):
            run[k] = (run[k - 1] + 1) if (drifting[k] and k) else float(drifting[k])
        fade = 0.35 + 0.65 * np.exp(-run / 35.0)

        # contracts (simulated day indices), churn decisions
        since = days[0] + timedelta(days=paid_day)  # the first paid day
        accounts_out.append(
            {
                "account_id": aid,
                "name": f"Seasonseat workspace {a}",
                "industry": industry,
                "customer_since": since,
                "language": "en",
            }
        )
        period_start = since
        if old:  # roll forward to the term in force at the history's start
            while add_months(period_start, months) <= days[0]:
                period_start = add_months(period_start, months)
        seats = max(1, int(round(n_users * float(rng.uniform(1.0, 1.4)))))
        last = n
        number = 0
        rose = False
        while period_start <= as_of:
            end = add_months(period_start, months)
            price = PRICE_AFTER if period_start >= rise_day else PRICE_BEFORE
            row: dict[str, object] = {
                "contract_id": f"{aid}-q{number:03d}",
                "account_id": aid,
                "start_date": period_start,
                "end_date": end,
                "arr": round(seats * price * factor * 12, 2),
                "currency": "USD",
                "seats": seats,
                "term_months": months,
                "auto_renew": months < 12,
                "payment_on_file": months < 12,
            }
            if end > as_of:
                contracts_out.append(row)
                break
            e = (end - days[0]).days - signup  # simulated day of the renewal
            k = min(n - 1, max(0, e - 1))
            present = [u for u in range(len(habit)) if joined[u] <= k < left[u]]
            share = float(np.mean([habit[u] for u in present])) if present else 0.0
            share *= float(fade[k])
            active = sum(1 for u in present if habit[u] * float(fade[k]) > 0.15)
            first_after_rise = end >= rise_day and not rose
            rose = rose or end >= rise_day
            p = bookio.sigmoid(
                -3.9
                + 2.4 * min(1.0, float(run[k]) / 60.0)
                - 2.6 * (share - 0.4)
                + 1.0 * bool(admin_out[k] and admin_back > k)
                + 1.1 * (first_after_rise and sensitive)
                + 0.9 * math.exp(-(end - since).days / 90.0)
                - 0.5 * (not old and free_days > 60)
                + 0.5 * (active / seats < 0.4)
                - 0.25 * math.log(months)
                + z
            )
            gone = bool(rng.random() < p)
            target = max(1, int(math.ceil(active * 1.1)))
            if gone:
                outcome, outcome_arr = "churned", 0.0
            elif target != seats:
                outcome = "expanded" if target > seats else "downgraded"
                seats = target
                next_price = PRICE_AFTER if end >= rise_day else PRICE_BEFORE
                outcome_arr = round(seats * next_price * factor * 12, 2)
            else:
                outcome, outcome_arr = "renewed", row["arr"]
            row.update(outcome=outcome, outcome_arr=outcome_arr, closed_at=end)
            contracts_out.append(row)
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
            if gone:
                last = max(1, e)
                break
            period_start = end
            number += 1
        writer.write(
            _events(
                rng,
                aid,
                signup,
                min(last, n),
                local,
                habit,
                volume,
                joined,
                left,
                drifting,
                fade,
                start,
                day0_us,
            )
        )
    writer.close()
    return bookio.write_tables(out, accounts_out, contracts_out, truth_out, writer)


def _events(
    rng: np.random.Generator,
    aid: str,
    signup: int,
    last: int,
    local: np.ndarray,
    habit: list[float],
    volume: list[float],
    joined: list[int],
    left: list[int],
    drifting: np.ndarray,
    fade: np.ndarray,
    paid: int,
    day0_us: int,
) -> pa.Table:
    """The workspace's events over simulated days [0, last)."""
    t = np.arange(last)
    names = np.array([k[0] for k in KINDS])
    feats = np.array([k[1] for k in KINDS])
    engaged_p = np.array([k[2] for k in KINDS])
    drift_p = np.array([k[3] for k in KINDS])
    users: list[np.ndarray] = []
    kinds: list[np.ndarray] = []
    features: list[np.ndarray] = []
    stamps: list[np.ndarray] = []
    for u, (h, v) in enumerate(zip(habit, volume, strict=True)):
        present = (t >= joined[u]) & (t < left[u])
        p_active = np.clip(h * fade[:last] * local[:last], 0, 1) * present
        active = rng.random(last) < p_active
        counts = np.where(active, 1 + rng.poisson(v, last), 0)
        total = int(counts.sum())
        if not total:
            continue
        day = np.repeat(t, counts)
        drift = drifting[day]
        pick = np.where(
            drift,
            rng.choice(len(KINDS), size=total, p=drift_p / drift_p.sum()),
            rng.choice(len(KINDS), size=total, p=engaged_p / engaged_p.sum()),
        )
        users.append(np.full(total, f"{aid}-u{u}"))
        kinds.append(names[pick])
        features.append(feats[pick])
        sec = rng.integers(7 * 3600, 20 * 3600, total)
        stamps.append(day0_us + ((signup + day) * 86_400 + sec) * 1_000_000)
    # the admins' work: invites when someone joins, offboarding when someone leaves, billing
    admin_days: list[int] = []
    admin_kinds: list[int] = []
    for u in range(1, len(habit)):
        if 0 < joined[u] < last:
            admin_days.append(joined[u])
            admin_kinds.append(0)
        if left[u] < last:
            admin_days.append(left[u])
            admin_kinds.append(1)
    billing = t[(t >= paid) & (rng.random(last) < 0.03)]
    admin_days += billing.tolist()
    admin_kinds += [2] * len(billing)
    if admin_days:
        total = len(admin_days)
        day = np.asarray(admin_days)
        pick = np.asarray(admin_kinds)
        users.append(np.full(total, f"{aid}-u0"))
        kinds.append(np.array([k[0] for k in ADMIN_KINDS])[pick])
        features.append(np.array([k[1] for k in ADMIN_KINDS])[pick])
        sec = rng.integers(8 * 3600, 18 * 3600, total)
        stamps.append(day0_us + ((signup + day) * 86_400 + sec) * 1_000_000)
    return bookio.events_table(aid, users, kinds, features, stamps)


def main() -> None:
    bookio.cli(__doc__, generate, seed=4242)


if __name__ == "__main__":
    main()
