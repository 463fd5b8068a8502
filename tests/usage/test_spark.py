"""The same usage-feature expression on DuckDB, PySpark and a backend chosen by URL.

PySpark tests are marked `spark`: they need the [spark] extra and Java 17 and skip,
saying which is missing, otherwise. One Spark session serves the whole test session
(starting one takes 10-12 s).
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from renewals.config import Settings
from renewals.demo.generator import generate_book
from renewals.usage import backend, features, repository
from renewals.usage.backend import Analytics, AnalyticsError

D = date(2026, 11, 24)
KEYS = ("dashboards", "automation", "integrations")
# The book's last full day, and a day in its past (point in time: later events unseen).
DAYS = (D - timedelta(days=1), D - timedelta(days=200))


@pytest.fixture(scope="module")
def book_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated book's usage events as two stored Parquet parts."""
    root = tmp_path_factory.mktemp("spark-book")
    generate_book(root / "book", accounts=60, seed=11, as_of=D)
    data_dir = root / "data"
    events = repository.events_dir(data_dir)
    events.mkdir(parents=True)
    import pyarrow.parquet as pq

    table = pq.read_table(root / "book" / "usage_events.parquet")
    half = table.num_rows // 2
    pq.write_table(table.slice(0, half), events / "part-0.parquet")
    pq.write_table(table.slice(half), events / "part-1.parquet")
    return data_dir


@pytest.fixture(scope="session")
def spark_analytics() -> Analytics:
    reason = backend.spark_missing()
    if reason:
        pytest.skip(f"PySpark cannot run here: {reason}")
    backend.spark_session("local[2]")  # started once for the session
    return Analytics(backend="pyspark", url="local[2]")


def compute(data_dir: Path, as_of: date, **kwargs: Any) -> dict[str, Any]:
    return features.compute(data_dir, as_of=as_of, key_features=KEYS, **kwargs)


@pytest.mark.spark
def test_pyspark_gives_the_same_features_as_duckdb(
    book_data: Path, spark_analytics: Analytics
) -> None:
    for as_of in DAYS:
        on_duckdb = compute(book_data, as_of)
        on_spark = compute(book_data, as_of, analytics=spark_analytics)
        assert len(on_duckdb) >= 40
        assert on_spark == on_duckdb
        busy = [f for f in on_spark.values() if f.events_30d]
        assert busy and all(f.last_event_at.tzinfo is not None for f in busy)
    # The spark session's time zone is what makes the UTC window bounds mean the same.
    session = backend.spark_session("local[2]")
    assert session.conf.get("spark.sql.session.timeZone") == "UTC"


@pytest.mark.spark
def test_pyspark_limits_to_the_given_accounts(book_data: Path, spark_analytics: Analytics) -> None:
    everyone = compute(book_data, DAYS[0])
    some = sorted(everyone)[:5]
    on_spark = compute(book_data, DAYS[0], accounts=some, analytics=spark_analytics)
    assert on_spark == {a: everyone[a] for a in some}


@pytest.mark.spark
def test_pyspark_reads_many_days_at_once_as_duckdb_reads_each(
    book_data: Path, spark_analytics: Analytics
) -> None:
    """compute_days (the win/loss reading, the training rows) on Spark: each day as
    DuckDB's compute gives it, for the whole book and for some accounts per day."""
    everyone = {day: compute(book_data, day) for day in DAYS}
    many = features.compute_days(book_data, DAYS, key_features=KEYS, analytics=spark_analytics)
    assert many == everyone and all(len(v) >= 20 for v in many.values())
    some = {day: sorted(everyone[day])[k::3] for k, day in enumerate(DAYS)}
    limited = features.compute_days(
        book_data, DAYS, key_features=KEYS, accounts=some, analytics=spark_analytics
    )
    assert limited == {day: {a: everyone[day][a] for a in some[day]} for day in DAYS}


def test_a_backend_by_ibis_connection_string_gives_the_same_features(book_data: Path) -> None:
    by_url = Analytics(backend="ibis", url="duckdb://")
    assert compute(book_data, DAYS[0], analytics=by_url) == compute(book_data, DAYS[0])


def test_an_ibis_backend_can_read_the_events_from_a_named_table(
    book_data: Path, tmp_path: Path
) -> None:
    import duckdb

    warehouse = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    parts = [str(p) for p in repository.parts(book_data)]
    con.execute("CREATE TABLE events AS SELECT * FROM read_parquet(?)", [parts])
    con.close()
    empty = tmp_path / "no-parts"  # the events live in the warehouse, not in Parquet parts
    analytics = Analytics(backend="ibis", url=f"duckdb://{warehouse}", events_table="events")
    assert compute(empty, DAYS[0], analytics=analytics) == compute(book_data, DAYS[0])


def test_an_ibis_backend_without_a_url_is_refused_with_the_setting_to_fix(
    book_data: Path,
) -> None:
    with pytest.raises(AnalyticsError, match="RENEWALS_ANALYTICS_URL"):
        compute(book_data, DAYS[0], analytics=Analytics(backend="ibis"))


def test_the_backend_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RENEWALS_ANALYTICS_BACKEND", "pyspark")
    monkeypatch.setenv("RENEWALS_ANALYTICS_URL", "spark://spark-master:7077")
    analytics = Analytics.from_settings(Settings())
    assert (analytics.backend, analytics.url) == ("pyspark", "spark://spark-master:7077")
    assert analytics.describe() == "pyspark (master spark://spark-master:7077)"
    assert Analytics.from_settings(
        Settings(_env_file=None, analytics_backend="duckdb")
    ).backend == ("duckdb")
    monkeypatch.setenv("RENEWALS_ANALYTICS_BACKEND", "hadoop")
    with pytest.raises(ValidationError, match="duckdb"):
        Settings()


def test_missing_java_is_reported_as_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    reason = backend.spark_missing()
    if reason is not None and "extra" in reason:
        pytest.skip("the [spark] extra is missing, so Java is not checked")
    assert reason is not None and "Java" in reason
