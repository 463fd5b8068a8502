"""Usage features per account: exact values on hand-made events, and Ibis against the floor SQL."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from renewals.demo.generator import generate_book
from renewals.usage import features, repository
from renewals.usage.domain import UsageFeatures, change_ratio, days_since, windows

D = date(2026, 11, 24)
KEYS = ("dashboards", "automation", "integrations")
SCHEMA = pa.schema(
    [
        ("account_id", pa.string()),
        ("user_id", pa.string()),
        ("event", pa.string()),
        ("feature", pa.string()),
        ("timestamp", pa.timestamp("us", tz="UTC")),
    ]
)
Event = tuple[str, str, str | None, datetime]  # account, user, feature, timestamp


def at(day: date, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=UTC)


def ago(days: int) -> date:
    return D - timedelta(days=days)


def write_events(data_dir: Path, events: Iterable[Event], part: str = "part-00000") -> None:
    rows = list(events)
    directory = repository.events_dir(data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    table = pa.table(
        {
            "account_id": [r[0] for r in rows],
            "user_id": [r[1] for r in rows],
            "event": ["use" for _ in rows],
            "feature": [r[2] for r in rows],
            "timestamp": [r[3] for r in rows],
        },
        schema=SCHEMA,
    )
    pq.write_table(table, directory / f"{part}.parquet")


def compute(data_dir: Path, as_of: date = D, **kwargs: object) -> dict[str, UsageFeatures]:
    return features.compute(data_dir, as_of=as_of, key_features=KEYS, **kwargs)  # type: ignore[arg-type]


def weekly(counts: list[int], account: str = "acme") -> list[Event]:
    """counts[k] events on the first day of trend week k (week 0 starts at D-90)."""
    start = windows(D).trend_start
    return [
        (account, "u1", "core", start + timedelta(weeks=k, hours=12))
        for k, n in enumerate(counts)
        for _ in range(n)
    ]


def expected_slope(counts: list[int]) -> float:
    slope = np.polyfit(np.arange(len(counts)), np.array(counts, dtype=float), 1)[0]
    return float(slope / np.mean(counts))


def test_windows_end_with_the_as_of_date_in_utc() -> None:
    w = windows(D)
    assert w.end == at(D + timedelta(days=1))
    assert w.last_30_start == at(ago(29))
    assert w.prev_30_start == at(ago(59))
    assert w.trend_start == at(ago(90))


def test_every_feature_at_the_window_boundaries(data_dir: Path) -> None:
    write_events(
        data_dir,
        [
            ("acme", "u1", "dashboards", at(D, 23, 59, 59)),  # last 30 (its last second)
            ("acme", "u2", "automation", at(D + timedelta(days=1))),  # after D: never used
            ("acme", "u3", "reports", at(ago(29))),  # last 30 (its first second)
            ("acme", "u1", "reports", at(ago(29))),
            ("acme", "u1", "integrations", at(ago(30), 23, 59)),  # previous 30
            ("acme", "u4", None, at(ago(59))),  # previous 30 (its first second)
            ("acme", "u5", "alerts", at(ago(60), 23, 59, 59)),  # before both windows
        ],
    )
    result = compute(data_dir)
    assert result == {
        "acme": UsageFeatures(
            account_id="acme",
            as_of=D,
            events_30d=3,
            events_prev_30d=2,
            active_users_30d=2,  # u1, u3
            active_users_prev_30d=2,  # u1, u4
            features_30d=2,  # dashboards, reports
            key_features_30d=1,  # dashboards
            key_features_total=3,
            # weeks from D-90: D-60 and D-59 in week 4, D-30 and D-29 in week 8, D in week 12
            trend_slope_90d=pytest.approx(expected_slope([0, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 1])),
            last_event_at=at(D, 23, 59, 59),
            days_since_last_event=0,
            first_event_at=at(ago(60), 23, 59, 59),
            kinds_30d={"use": 3},  # issue 17: per event kind, for negative kinds
            kinds_prev_30d={"use": 2},
        )
    }


def test_an_event_at_midnight_after_the_date_is_not_counted(data_dir: Path) -> None:
    write_events(data_dir, [("acme", "u1", "core", at(D + timedelta(days=1)))])
    assert compute(data_dir) == {}
    assert compute(data_dir, D + timedelta(days=1))["acme"].events_30d == 1


def test_distinct_users_and_features_count_once_and_ignore_missing_features(
    data_dir: Path,
) -> None:
    write_events(
        data_dir,
        [
            *[("acme", "u1", "dashboards", at(ago(k), 10)) for k in range(5)],
            ("acme", "u2", None, at(ago(3), 11)),
            ("acme", "u2", "dashboards", at(ago(40), 11)),
            ("acme", "u3", "automation", at(ago(41), 11)),
            ("globex", "g1", "core", at(ago(2), 9)),
        ],
    )
    result = compute(data_dir)
    acme, globex = result["acme"], result["globex"]
    assert (acme.events_30d, acme.events_prev_30d) == (6, 2)
    assert (acme.active_users_30d, acme.active_users_prev_30d) == (2, 2)
    assert (acme.features_30d, acme.key_features_30d) == (1, 1)
    assert (globex.events_30d, globex.active_users_30d, globex.features_30d) == (1, 1, 1)
    assert (globex.key_features_30d, globex.days_since_last_event) == (0, 2)


def test_key_features_count_each_key_feature_used(data_dir: Path) -> None:
    write_events(
        data_dir,
        [
            ("acme", "u1", "dashboards", at(ago(1))),
            ("acme", "u1", "dashboards", at(ago(2))),
            ("acme", "u2", "integrations", at(ago(3))),
            ("acme", "u2", "reports", at(ago(3))),
            ("acme", "u2", "automation", at(ago(31))),  # previous window: not counted
        ],
    )
    acme = compute(data_dir)["acme"]
    assert (acme.features_30d, acme.key_features_30d, acme.key_features_total) == (3, 2, 3)
    assert acme.key_feature_adoption == pytest.approx(2 / 3)
    repeated = features.compute(data_dir, as_of=D, key_features=["reports", "reports", "alerts"])[
        "acme"
    ]
    assert (repeated.key_features_30d, repeated.key_features_total) == (1, 2)
    none = features.compute(data_dir, as_of=D, key_features=[])["acme"]
    assert (none.key_features_30d, none.key_features_total, none.key_feature_adoption) == (
        0,
        0,
        None,
    )


@pytest.mark.parametrize(
    "counts",
    [
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13],
        [13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1],
        [20, 20, 18, 19, 15, 16, 12, 10, 11, 6, 5, 3, 1],
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4],
        [5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5],
    ],
    ids=["rising", "falling", "declining", "new", "flat"],
)
def test_trend_is_the_weekly_least_squares_slope_per_mean_week(
    data_dir: Path, counts: list[int]
) -> None:
    write_events(data_dir, weekly(counts))
    slope = compute(data_dir)["acme"].trend_slope_90d
    assert slope == pytest.approx(expected_slope(counts), abs=1e-12)
    assert np.sign(slope) == np.sign(counts[-1] - counts[0])


def test_trend_uses_13_whole_weeks_ending_with_the_date(data_dir: Path) -> None:
    start = windows(D).trend_start
    write_events(
        data_dir,
        [
            ("acme", "u1", "core", start - timedelta(microseconds=1)),  # outside: ignored
            ("acme", "u1", "core", start),  # week 0
            ("acme", "u1", "core", start + timedelta(weeks=1) - timedelta(seconds=1)),  # week 0
            ("acme", "u1", "core", at(D, 23, 59, 59)),  # week 12
        ],
    )
    assert compute(data_dir)["acme"].trend_slope_90d == pytest.approx(
        expected_slope([2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    )


def test_silent_accounts_appear_with_zeros_and_days_since_their_last_event(
    data_dir: Path,
) -> None:
    write_events(
        data_dir,
        [("quiet", "u1", "core", at(ago(120), 15)), ("quiet", "u1", "core", at(ago(400), 15))],
    )
    assert compute(data_dir) == {
        "quiet": UsageFeatures(
            account_id="quiet",
            as_of=D,
            events_30d=0,
            events_prev_30d=0,
            active_users_30d=0,
            active_users_prev_30d=0,
            features_30d=0,
            key_features_30d=0,
            key_features_total=3,
            trend_slope_90d=0.0,
            last_event_at=at(ago(120), 15),
            days_since_last_event=120,
            first_event_at=at(ago(400), 15),
        )
    }


def test_no_events_give_an_empty_result(data_dir: Path) -> None:
    assert compute(data_dir) == {}
    write_events(data_dir, [("acme", "u1", "core", at(ago(1)))])
    assert compute(data_dir, accounts=[]) == {}
    assert compute(data_dir, accounts=["globex"]) == {}
    assert set(compute(data_dir, accounts=["acme", "globex"])) == {"acme"}


def test_a_past_date_ignores_later_events(data_dir: Path, tmp_path: Path) -> None:
    past = ago(100)
    rng = np.random.default_rng(1)
    events: list[Event] = [
        (
            f"a{rng.integers(4)}",
            f"u{rng.integers(6)}",
            str(rng.choice(["core", "dashboards", "automation", "reports"])),
            at(ago(int(rng.integers(0, 250))), int(rng.integers(24)), int(rng.integers(60))),
        )
        for _ in range(600)
    ]
    events.append(("late", "u1", "core", at(past + timedelta(days=1))))  # only after the date
    write_events(data_dir, events[:300], "part-00000")
    write_events(data_dir, events[300:], "part-00001")
    only_before = tmp_path / "only_before"
    write_events(only_before, [e for e in events if e[3] < windows(past).end])

    result = compute(data_dir, past)
    assert result == compute(only_before, past)
    assert "late" not in result and set(result) == {"a0", "a1", "a2", "a3"}
    assert all(
        f.last_event_at is not None and f.last_event_at.date() <= past for f in result.values()
    )
    assert compute(data_dir)["late"].days_since_last_event == 99


def test_the_ibis_expression_equals_the_floor_sql_on_a_demo_book(tmp_path: Path) -> None:
    book = tmp_path / "book"
    generate_book(book, accounts=50, seed=7, as_of=D)
    data_dir = tmp_path / "data"
    repository.events_dir(data_dir).mkdir(parents=True)
    shutil.copy(book / "usage_events.parquet", repository.events_dir(data_dir) / "part-0.parquet")
    source = repository.events_source(data_dir)
    assert source is not None
    for as_of in (D - timedelta(days=1), D - timedelta(days=200)):
        ibis_result = compute(data_dir, as_of)
        sql, params = features.floor_query(source, as_of=as_of, key_features=KEYS)
        con = repository.connect(data_dir, "1GB")
        try:
            floor = con.sql(sql, params=params).to_arrow_table()
        finally:
            con.close()
        # the floor SQL has no per-kind counts (kind_expr is its own small query)
        without_kinds = {
            k: replace(v, kinds_30d={}, kinds_prev_30d={}) for k, v in ibis_result.items()
        }
        assert without_kinds == features.to_features(floor, as_of=as_of, key_features=KEYS)
        assert any(v.kinds_30d for v in ibis_result.values())
        assert len(ibis_result) >= 40
        busy = [f for f in ibis_result.values() if f.events_30d]
        assert busy and all(f.features_30d >= 1 and f.active_users_30d >= 1 for f in busy)


def test_many_days_at_once_equal_each_day_on_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """compute_days (the win/loss reading's and the training rows' hundred weeks in a few
    queries) gives every day exactly what compute gives it, with and without accounts."""
    book = tmp_path / "book"
    generate_book(book, accounts=50, seed=7, as_of=D)
    data_dir = tmp_path / "data"
    repository.events_dir(data_dir).mkdir(parents=True)
    shutil.copy(book / "usage_events.parquet", repository.events_dir(data_dir) / "part-0.parquet")
    monkeypatch.setattr(features, "DAYS_PER_QUERY", 4)  # several groups of days
    days = [D - timedelta(days=n) for n in (0, 1, 29, 30, 59, 60, 90, 91, 200, 400, 900)]
    each = {day: compute(data_dir, day) for day in days}
    assert features.compute_days(data_dir, days, key_features=KEYS) == each
    assert sum(map(len, each.values())) >= 200 and not each[days[-1]]  # before any event
    accounts = {day: sorted(each[days[0]])[k % 3 :: 5] for k, day in enumerate(days)}
    accounts[days[1]] = []  # nobody: nothing read
    some = {day: compute(data_dir, day, accounts=accounts[day]) for day in days}
    assert features.compute_days(data_dir, days, key_features=KEYS, accounts=accounts) == some
    assert 0 < sum(map(len, some.values())) < sum(map(len, each.values()))
    assert features.compute_days(tmp_path / "nothing", days, key_features=KEYS) == {
        day: {} for day in days
    }


def test_events_are_counted_per_kind_in_both_windows(data_dir: Path) -> None:
    """Issue 17: the health policy tells negative kinds from usage by these counts."""
    directory = repository.events_dir(data_dir)
    directory.mkdir(parents=True, exist_ok=True)
    rows = [
        ("acme", "u1", "remove_user", "admin", at(ago(3))),
        ("acme", "u1", "view", "reports", at(ago(3))),
        ("acme", "u2", "view", "reports", at(ago(40))),
        ("acme", "u2", "remove_user", "admin", at(ago(70))),  # before both windows
    ]
    pq.write_table(
        pa.table({n: [r[i] for r in rows] for i, n in enumerate(SCHEMA.names)}, schema=SCHEMA),
        directory / "part-0.parquet",
    )
    acme = compute(data_dir)["acme"]
    assert acme.kinds_30d == {"remove_user": 1, "view": 1}
    assert acme.kinds_prev_30d == {"view": 1}
    assert acme.first_event_at == at(ago(70)) and acme.days_since_first_event == 70


def test_change_ratios_and_days_since() -> None:
    assert change_ratio(60, 100) == pytest.approx(-0.4)
    assert change_ratio(5, 0) == 1.0  # usage that starts from nothing is +100%
    assert change_ratio(0, 0) is None  # no usage in either window is no change, not 0
    base = UsageFeatures("acme", D, 30, 40, 3, 4, 2, 1, 3, 0.0, None, None)
    assert base.events_change == pytest.approx(-0.25)
    assert replace(base, active_users_prev_30d=0).active_users_change == 1.0
    assert replace(base, active_users_30d=0, active_users_prev_30d=0).active_users_change is None
    assert days_since(None, D) is None
    assert days_since(at(D, 23, 59), D) == 0
    local = datetime(2026, 11, 23, 23, 30, tzinfo=UTC).astimezone()  # any zone: UTC date counts
    assert days_since(local, D) == 1
