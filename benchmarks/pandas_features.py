"""The usage features as an analyst would write them in pandas: the baseline of benchmarks/run.py.

Read the events, filter by window, group by account. Same definitions as
`renewals.usage.features` (windows from `renewals.usage.domain`), so the results
must be identical; nothing is tuned beyond reading only the needed columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pandas as pd

from renewals.usage.domain import TREND_DIVISOR, TREND_MID_WEEK, UsageFeatures, days_since, windows


def pandas_features(
    parts: Sequence[Path], *, as_of: date, key_features: Sequence[str]
) -> dict[str, UsageFeatures]:
    w = windows(as_of)
    df = pd.concat(
        [
            pd.read_parquet(p, columns=["account_id", "user_id", "feature", "timestamp"])
            for p in parts
        ]
    )
    df = df[df["timestamp"] < w.end]
    last = df.groupby("account_id")["timestamp"].max()

    trend = df[df["timestamp"] >= w.trend_start]
    week = (trend["timestamp"] - w.trend_start) // pd.Timedelta(weeks=1)
    trend = trend.assign(
        last_30=trend["timestamp"] >= w.last_30_start,
        prev_30=(trend["timestamp"] >= w.prev_30_start) & (trend["timestamp"] < w.last_30_start),
        moment=week - TREND_MID_WEEK,
    )
    counts = trend.groupby("account_id").agg(
        events_30d=("last_30", "sum"),
        events_prev_30d=("prev_30", "sum"),
        events_trend=("moment", "size"),
        week_moment=("moment", "sum"),
    )
    last_30 = trend[trend["last_30"]]
    prev_30 = trend[trend["prev_30"]]
    users_30 = last_30.groupby("account_id")["user_id"].nunique()
    users_prev = prev_30.groupby("account_id")["user_id"].nunique()
    features_30 = last_30.groupby("account_id")["feature"].nunique()
    keys = list(dict.fromkeys(key_features))
    key_30 = last_30[last_30["feature"].isin(keys)].groupby("account_id")["feature"].nunique()

    out = pd.DataFrame({"last_event_at": last})
    out = out.join(counts).join(users_30.rename("active_users_30d"))
    out = out.join(users_prev.rename("active_users_prev_30d"))
    out = out.join(features_30.rename("features_30d")).join(key_30.rename("key_features_30d"))
    ints = [
        "events_30d",
        "events_prev_30d",
        "events_trend",
        "week_moment",
        "active_users_30d",
        "active_users_prev_30d",
        "features_30d",
        "key_features_30d",
    ]
    out[ints] = out[ints].fillna(0).astype("int64")

    result = {}
    for row in out.itertuples():
        slope = row.week_moment / (TREND_DIVISOR * row.events_trend) if row.events_trend else 0.0
        last_at = row.last_event_at.to_pydatetime()
        result[row.Index] = UsageFeatures(
            account_id=row.Index,
            as_of=as_of,
            events_30d=row.events_30d,
            events_prev_30d=row.events_prev_30d,
            active_users_30d=row.active_users_30d,
            active_users_prev_30d=row.active_users_prev_30d,
            features_30d=row.features_30d,
            key_features_30d=row.key_features_30d,
            key_features_total=len(keys),
            trend_slope_90d=float(slope),
            last_event_at=last_at,
            days_since_last_event=days_since(last_at, as_of),
        )
    return result
