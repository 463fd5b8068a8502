"""Per-account usage features as of a date: one Ibis expression, run on DuckDB or PySpark.

Windows as of a date D, in UTC, every one ending with the end of D (events at or
after D+1 00:00 are never read, so features as of a past date see no later events):

- **last 30 days**: [D-29 00:00, D+1 00:00), the 30 days ending with D inclusive:
  `events_30d`, `active_users_30d`, `features_30d`, `key_features_30d`;
- **previous 30 days**: [D-59 00:00, D-29 00:00): `events_prev_30d`, `active_users_prev_30d`;
- **trend**: 13 whole weeks, [D-90 00:00, D+1 00:00), week 0 the oldest and week 12
  ending with D: `trend_slope_90d`, the least-squares slope of the weekly event counts
  as a fraction of the mean week (see `renewals.usage.domain`);
- **all history before D+1**: `first_event_at`, `last_event_at`, `days_since_last_event`;
- **per event kind** (`kind_expr`): events of each `event` value in the last 30 days and
  the previous 30, so that the health policy can tell negative kinds (a user removing or
  rejecting something) from usage (issue 17).

One row per account with at least one event before D+1 00:00, however old: an
account silent for four months still appears (zero counts, `days_since_last_event`
120), since that silence is the signal. Accounts with no events at all don't appear.

The expression is backend-agnostic Ibis (no raw SQL, no engine-only functions) so
that it runs unchanged on PySpark or any Ibis backend (`renewals.usage.backend`,
chosen by `RENEWALS_ANALYTICS_BACKEND`; docs/analytics-backends.md). Exact distinct counts dominate the cost, so they
are computed as separate steps: distinct (account, user, window) rows, then a count
per account; distinct (account, feature) rows, then a count per account; the pieces
are joined to the per-account event counts.

`FLOOR_SQL` is the same computation hand-written for DuckDB: the engine's floor,
used by `benchmarks/usage_features.py` and by the tests to check the expression.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa

from renewals.usage import backend, repository
from renewals.usage.backend import Analytics
from renewals.usage.domain import (
    TREND_DIVISOR,
    TREND_MID_WEEK,
    TREND_WEEKS,
    WEEK_SECONDS,
    UsageFeatures,
    days_since,
    windows,
)

COLUMNS = (
    "account_id",
    "events_30d",
    "events_prev_30d",
    "active_users_30d",
    "active_users_prev_30d",
    "features_30d",
    "key_features_30d",
    "trend_slope_90d",
    "last_event_at",
    "first_event_at",
)
KIND_COLUMNS = ("account_id", "event", "events_30d", "events_prev_30d")
# Many days in one query (`compute_days`): the days table's day column, its bounds are
# DAY_end, DAY_last_30, ...; how many days one query reads the events for.
DAY = "usage_day"
DAYS_PER_QUERY = 16


def _distinct_keys(key_features: Sequence[str]) -> list[str]:
    """The key features once each, in the given order."""
    return list(dict.fromkeys(key_features))


@dataclass(frozen=True)
class _Bounds:
    """The window bounds of `windows` (and the trend's 12 inner week starts): literals for
    one day, or columns of the days table for many (`feature_days_expr`)."""

    end: Any
    last_30_start: Any
    prev_30_start: Any
    trend_start: Any
    weeks: tuple[Any, ...]  # trend_start + k weeks, k = 1..12

    @classmethod
    def of(cls, as_of: date) -> _Bounds:
        w = windows(as_of)
        weeks = tuple(w.trend_start + timedelta(weeks=k) for k in range(1, TREND_WEEKS))
        return cls(w.end, w.last_30_start, w.prev_30_start, w.trend_start, weeks)

    @classmethod
    def columns(cls, table: ibis.Table) -> _Bounds:
        weeks = tuple(table[f"{DAY}_week_{k}"] for k in range(1, TREND_WEEKS))
        return cls(
            table[f"{DAY}_end"],
            table[f"{DAY}_last_30"],
            table[f"{DAY}_prev_30"],
            table[f"{DAY}_trend"],
            weeks,
        )


def feature_expr(events: ibis.Table, *, as_of: date, key_features: Sequence[str]) -> ibis.Table:
    """One row per account with events before the end of `as_of`: the columns in `COLUMNS`.

    `events` needs `account_id`, `user_id`, `feature` (strings) and `timestamp` (UTC).
    """
    return _features(events, _Bounds.of(as_of), ["account_id"], key_features)


def _features(
    events: ibis.Table, fixed: _Bounds | None, by: list[str], key_features: Sequence[str]
) -> ibis.Table:
    """`feature_expr` per `by` (the account, or the day and the account): the windows
    `fixed` for every row, or (None) each row's own, in the columns of the days table."""
    keys = _distinct_keys(key_features)
    carried = [] if fixed else [c for c in events.columns if c.startswith(f"{DAY}_")]

    def bounds(table: ibis.Table) -> _Bounds:
        return fixed or _Bounds.columns(table)

    # Point in time: nothing at or after D+1 00:00 is read. `alias` makes this one named
    # subquery (a CTE) shared by the aggregations below, so that the engine reads the
    # events once; without it Ibis fuses each filter into its own scan of the source.
    past = (
        events.filter(events["timestamp"] < bounds(events).end)
        .select(*by, "user_id", "feature", "timestamp", *carried)
        .alias("usage_events_past")
    )
    latest = past.group_by(by).aggregate(
        last_event_at=past["timestamp"].max(), first_event_at=past["timestamp"].min()
    )

    # Event counts only need the 13 trend weeks, which hold both 30-day windows.
    trend = past.filter(past["timestamp"] >= bounds(past).trend_start)
    w = bounds(trend)
    ts = trend["timestamp"]
    # The week (0..12) as a sum of comparisons: exact and portable. (epoch_seconds() would
    # make DuckDB convert every TIMESTAMPTZ to a local TIMESTAMP first, which costs more.)
    week = functools.reduce(operator.add, [(ts >= start).cast("int64") for start in w.weeks])
    counts = trend.group_by(by).aggregate(
        events_30d=trend.count(where=ts >= w.last_30_start),
        events_prev_30d=trend.count(where=(ts >= w.prev_30_start) & (ts < w.last_30_start)),
        events_trend=trend.count(),
        week_moment=(week - TREND_MID_WEEK).sum(),
    )

    # Distinct counts as separate steps: distinct rows first, then plain counts.
    recent = past.filter(past["timestamp"] >= bounds(past).prev_30_start, past["user_id"].notnull())
    pairs = recent.select(
        *by, "user_id", last_30=recent["timestamp"] >= bounds(recent).last_30_start
    ).distinct()
    users = pairs.group_by(by).aggregate(
        active_users_30d=pairs.count(where=pairs["last_30"]),
        active_users_prev_30d=pairs.count(where=~pairs["last_30"]),
    )
    used = (
        past.filter(past["timestamp"] >= bounds(past).last_30_start, past["feature"].notnull())
        .select(*by, "feature")
        .distinct()
    )
    key_used = used.count(where=used["feature"].isin(keys)) if keys else ibis.literal(0)
    features = used.group_by(by).aggregate(features_30d=used.count(), key_features_30d=key_used)

    joined = latest.left_join(counts, by).left_join(users, by).left_join(features, by)
    events_trend = joined["events_trend"].fill_null(0)
    return joined.select(
        *by,
        events_30d=joined["events_30d"].fill_null(0),
        events_prev_30d=joined["events_prev_30d"].fill_null(0),
        active_users_30d=joined["active_users_30d"].fill_null(0),
        active_users_prev_30d=joined["active_users_prev_30d"].fill_null(0),
        features_30d=joined["features_30d"].fill_null(0),
        key_features_30d=joined["key_features_30d"].fill_null(0),
        trend_slope_90d=ibis.ifelse(
            events_trend > 0, joined["week_moment"] / (TREND_DIVISOR * events_trend), 0.0
        ),
        last_event_at=joined["last_event_at"],
        first_event_at=joined["first_event_at"],
    )


def kind_expr(events: ibis.Table, *, as_of: date) -> ibis.Table:
    """Events per (account, event kind) in the last 30 days and the previous 30: one row per
    pair seen in the 60 days (a few rows per account: kinds are few)."""
    return _kinds(events, _Bounds.of(as_of), ["account_id"])


def _kinds(events: ibis.Table, fixed: _Bounds | None, by: list[str]) -> ibis.Table:
    """`kind_expr` per `by`, windows as in `_features`."""
    w = fixed or _Bounds.columns(events)
    ts = events["timestamp"]
    recent = events.filter(ts >= w.prev_30_start, ts < w.end, events["event"].notnull())
    rts, rw = recent["timestamp"], fixed or _Bounds.columns(recent)
    return recent.group_by([*by, "event"]).aggregate(
        events_30d=recent.count(where=rts >= rw.last_30_start),
        events_prev_30d=recent.count(where=rts < rw.last_30_start),
    )


# The engine's floor: the same features hand-written for DuckDB (benchmark and tests only).
FLOOR_SQL = """
WITH ev AS (
    SELECT account_id, user_id, feature, "timestamp" AS ts FROM {source} WHERE "timestamp" < $end
),
latest AS (
    SELECT account_id, max(ts) AS last_event_at, min(ts) AS first_event_at
    FROM ev GROUP BY account_id
),
counts AS (
    SELECT account_id,
           count(*) FILTER (WHERE ts >= $last_30) AS events_30d,
           count(*) FILTER (WHERE ts >= $prev_30 AND ts < $last_30) AS events_prev_30d,
           count(*) AS events_trend,
           sum(CAST(floor((epoch(ts) - $trend_epoch) / $week) AS BIGINT) - $mid_week)
               AS week_moment
    FROM ev WHERE ts >= $trend GROUP BY account_id
),
users AS (
    SELECT account_id,
           count(*) FILTER (WHERE recent) AS active_users_30d,
           count(*) FILTER (WHERE NOT recent) AS active_users_prev_30d
    FROM (
        SELECT DISTINCT account_id, user_id, ts >= $last_30 AS recent
        FROM ev WHERE ts >= $prev_30 AND user_id IS NOT NULL
    )
    GROUP BY account_id
),
features AS (
    SELECT account_id,
           count(*) AS features_30d,
           count(*) FILTER (WHERE list_contains(CAST($keys AS VARCHAR[]), feature))
               AS key_features_30d
    FROM (SELECT DISTINCT account_id, feature FROM ev WHERE ts >= $last_30 AND feature IS NOT NULL)
    GROUP BY account_id
)
SELECT l.account_id,
       coalesce(c.events_30d, 0) AS events_30d,
       coalesce(c.events_prev_30d, 0) AS events_prev_30d,
       coalesce(u.active_users_30d, 0) AS active_users_30d,
       coalesce(u.active_users_prev_30d, 0) AS active_users_prev_30d,
       coalesce(f.features_30d, 0) AS features_30d,
       coalesce(f.key_features_30d, 0) AS key_features_30d,
       CASE WHEN c.events_trend > 0 THEN c.week_moment / ($divisor * c.events_trend) ELSE 0.0 END
           AS trend_slope_90d,
       l.last_event_at,
       l.first_event_at
FROM latest l
LEFT JOIN counts c USING (account_id)
LEFT JOIN users u USING (account_id)
LEFT JOIN features f USING (account_id)
"""


def floor_query(
    source: str, *, as_of: date, key_features: Sequence[str]
) -> tuple[str, dict[str, Any]]:
    """`FLOOR_SQL` over a DuckDB relation (e.g. `read_parquet(...)`) and its parameters."""
    w = windows(as_of)
    params = {
        "end": w.end,
        "last_30": w.last_30_start,
        "prev_30": w.prev_30_start,
        "trend": w.trend_start,
        "trend_epoch": int(w.trend_start.timestamp()),
        "week": WEEK_SECONDS,
        "mid_week": TREND_MID_WEEK,
        "divisor": TREND_DIVISOR,
        "keys": _distinct_keys(key_features),
    }
    return FLOOR_SQL.format(source=source), params


def compute(
    data_dir: Path,
    *,
    as_of: date,
    key_features: Sequence[str],
    memory_limit: str = "2GB",
    accounts: Collection[str] | None = None,
    analytics: Analytics | None = None,
) -> dict[str, UsageFeatures]:
    """Usage features per account as of the end of `as_of`, from the stored events.

    Only accounts with events before the end of `as_of` appear; `accounts`, if given,
    limits the result to those accounts. Empty when no events are stored. `analytics`
    picks the engine (`renewals.usage.backend`; default: DuckDB with `memory_limit`).
    """
    analytics = analytics or Analytics(memory_limit=memory_limit)
    stored = repository.parts(data_dir)
    in_warehouse = analytics.backend == "ibis" and analytics.events_table
    if (not stored and not in_warehouse) or (accounts is not None and not accounts):
        return {}
    with backend.events_table(analytics, data_dir, stored) as events:
        if accounts is not None:
            wanted = pa.table({"account_id": pa.array(sorted(set(accounts)), pa.string())})
            events = events.semi_join(ibis.memtable(wanted), "account_id")
        table = feature_expr(events, as_of=as_of, key_features=key_features).to_pyarrow()
        kinds = kind_expr(events, as_of=as_of).to_pyarrow()
    return to_features(table, as_of=as_of, key_features=key_features, kinds=kinds)


def days_table(days: Sequence[date], accounts: Mapping[date, Collection[str]] | None) -> pa.Table:
    """One row per day (per day and account, if `accounts`): the day and its window bounds."""
    rows = []
    for day in days:
        b = _Bounds.of(day)
        bounds = {
            f"{DAY}_end": b.end,
            f"{DAY}_last_30": b.last_30_start,
            f"{DAY}_prev_30": b.prev_30_start,
            f"{DAY}_trend": b.trend_start,
            **{f"{DAY}_week_{k}": start for k, start in enumerate(b.weeks, start=1)},
        }
        if accounts is None:
            rows.append({DAY: day, **bounds})
        else:
            rows.extend({"account_id": a, DAY: day, **bounds} for a in sorted(set(accounts[day])))
    instant = pa.timestamp("us", tz="UTC")
    fields = [pa.field(DAY, pa.date32())]
    fields += [pa.field(name, instant) for name in rows[0] if name.startswith(f"{DAY}_")]
    if accounts is not None:
        fields.insert(0, pa.field("account_id", pa.string()))
    return pa.Table.from_pylist(rows, schema=pa.schema(fields))


def compute_days(
    data_dir: Path,
    days: Sequence[date],
    *,
    key_features: Sequence[str],
    accounts: Mapping[date, Collection[str]] | None = None,
    memory_limit: str = "2GB",
    analytics: Analytics | None = None,
) -> dict[date, dict[str, UsageFeatures]]:
    """`compute` for many days at once: per day, what `compute(as_of=day, accounts=...)`
    returns, with `accounts[day]` when `accounts` is given (else every account).

    The days go DAYS_PER_QUERY to a query: the events are paired with each day (with each
    (day, account) when `accounts` is given) and every window is the row's own, so the
    expression is built, compiled and run once per group of days, not once per day (the
    win/loss reading and the model's training rows ask for a hundred weeks)."""
    analytics = analytics or Analytics(memory_limit=memory_limit)
    result: dict[date, dict[str, UsageFeatures]] = {day: {} for day in days}
    stored = repository.parts(data_dir)
    in_warehouse = analytics.backend == "ibis" and analytics.events_table
    wanted = sorted(d for d in set(days) if accounts is None or accounts.get(d))
    if (not stored and not in_warehouse) or not wanted:
        return result
    by = [DAY, "account_id"]
    with backend.events_table(analytics, data_dir, stored) as events:
        for start in range(0, len(wanted), DAYS_PER_QUERY):
            chunk = wanted[start : start + DAYS_PER_QUERY]
            table = ibis.memtable(days_table(chunk, accounts))
            paired = (
                events.cross_join(table) if accounts is None else events.join(table, "account_id")
            )
            found = _by_day(_features(paired, None, by, key_features).to_pyarrow())
            kinds = _by_day(_kinds(paired, None, by).to_pyarrow())
            for day in chunk:
                if day in found:
                    result[day] = to_features(
                        found[day], as_of=day, key_features=key_features, kinds=kinds.get(day)
                    )
    return result


def _by_day(table: pa.Table) -> dict[date, pa.Table]:
    """The rows of a many-day result, per day."""
    rows: dict[date, list[int]] = {}
    for i, value in enumerate(table.column(DAY).to_pylist()):
        day = value.date() if isinstance(value, datetime) else value
        rows.setdefault(day, []).append(i)
    return {day: table.take(pa.array(ix, pa.int64())) for day, ix in rows.items()}


def to_features(
    table: pa.Table,
    *,
    as_of: date,
    key_features: Sequence[str],
    kinds: pa.Table | None = None,
) -> dict[str, UsageFeatures]:
    """UsageFeatures per account from the rows of `feature_expr` (or `FLOOR_SQL`), and the
    per-kind counts of `kind_expr` if given."""
    total = len(_distinct_keys(key_features))
    table = table.select(list(COLUMNS))
    # Engines differ in how they hand back the instant: DuckDB as UTC-aware, Spark as
    # naive values in its session time zone (set to UTC). Both are read as UTC.
    for name in ("last_event_at", "first_event_at"):
        kind = table.schema.field(name).type
        if pa.types.is_timestamp(kind) and kind.tz is None:
            index = table.schema.get_field_index(name)
            cast = table.column(index).cast(pa.timestamp(kind.unit, tz="UTC"))
            table = table.set_column(index, name, cast)
    recent: dict[str, dict[str, int]] = {}
    before: dict[str, dict[str, int]] = {}
    if kinds is not None:
        for k in kinds.select(list(KIND_COLUMNS)).to_pylist():
            if k["events_30d"]:
                recent.setdefault(k["account_id"], {})[k["event"]] = int(k["events_30d"])
            if k["events_prev_30d"]:
                before.setdefault(k["account_id"], {})[k["event"]] = int(k["events_prev_30d"])
    result = {}
    for row in table.to_pylist():
        last = row["last_event_at"]
        result[row["account_id"]] = UsageFeatures(
            account_id=row["account_id"],
            as_of=as_of,
            events_30d=int(row["events_30d"]),
            events_prev_30d=int(row["events_prev_30d"]),
            active_users_30d=int(row["active_users_30d"]),
            active_users_prev_30d=int(row["active_users_prev_30d"]),
            features_30d=int(row["features_30d"]),
            key_features_30d=int(row["key_features_30d"]),
            key_features_total=total,
            trend_slope_90d=float(row["trend_slope_90d"]),
            last_event_at=last,
            days_since_last_event=days_since(last, as_of),
            first_event_at=row["first_event_at"],
            kinds_30d=recent.get(row["account_id"], {}),
            kinds_prev_30d=before.get(row["account_id"], {}),
        )
    return result
