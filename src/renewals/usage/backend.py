"""Where the usage-feature expressions run: DuckDB (embedded), PySpark, or any Ibis backend.

The feature expression (`renewals.usage.features.feature_expr`) is backend-agnostic
Ibis; this module only decides which engine it is handed to and where that engine
finds the events (ARCHITECTURE.md, "How it scales past one machine"):

- `duckdb` (default): an in-memory DuckDB reading the stored Parquet parts, spilling
  to `data_dir/tmp` beyond `RENEWALS_DUCKDB_MEMORY_LIMIT`;
- `pyspark`: a Spark session (`RENEWALS_ANALYTICS_URL` is the master URL, default
  `local[*]`) reading the same Parquet parts, which the cluster must be able to reach
  (a shared file system or object store mounted as the data directory). Needs the
  optional extra `pip install 'renewals[spark]'` and Java 17. The session time zone
  is UTC, so the UTC window bounds mean the same on every engine;
- `ibis`: any other Ibis backend by its connection string (`RENEWALS_ANALYTICS_URL`,
  e.g. `bigquery://project/dataset`, `snowflake://user:pass@account/db/schema`,
  `trino://user@host/catalog/schema`); the events are the table named by
  `RENEWALS_ANALYTICS_EVENTS_TABLE`, or, when that is unset, the Parquet parts read by
  that backend.

A Spark session takes 10-12 s to start, so one session is kept per process and reused.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import ibis

from renewals.config import Settings
from renewals.errors import RenewalsError
from renewals.kit.i18n import Text
from renewals.usage import repository

BackendName = Literal["duckdb", "pyspark", "ibis"]
BACKENDS: tuple[str, ...] = ("duckdb", "pyspark", "ibis")
DEFAULT_SPARK_MASTER = "local[*]"

_spark_lock = threading.Lock()
_spark_sessions: dict[str, Any] = {}


class AnalyticsError(RenewalsError):
    """The configured analytics backend cannot be used (missing extra, bad URL)."""

    def __init__(self, message: Text) -> None:
        super().__init__(message, 500)


@dataclass(frozen=True)
class Analytics:
    """The analytics engine of a deployment (from Settings; DuckDB when nothing is set)."""

    backend: BackendName = "duckdb"
    url: str | None = None
    events_table: str | None = None
    memory_limit: str = "2GB"

    @classmethod
    def from_settings(cls, settings: Settings) -> Analytics:
        return cls(
            backend=settings.analytics_backend,
            url=settings.analytics_url,
            events_table=settings.analytics_events_table,
            memory_limit=settings.duckdb_memory_limit,
        )

    def describe(self) -> str:
        if self.backend == "duckdb":
            return f"duckdb (memory limit {self.memory_limit})"
        if self.backend == "pyspark":
            return f"pyspark (master {self.url or DEFAULT_SPARK_MASTER})"
        return f"ibis ({_scheme(self.url)})"


def _scheme(url: str | None) -> str:
    return (url or "").split("://", 1)[0] or "no URL"


def spark_missing() -> Text | None:
    """Why PySpark cannot run here (no extra, no Java), or None when it can."""
    try:
        import pyspark  # noqa: F401
        from ibis.backends import pyspark as _  # noqa: F401
    except ImportError as exc:
        return Text(
            "the [spark] extra is not installed (pip install 'renewals[spark]'): {error}",
            error=str(exc),
        )
    java_home = os.environ.get("JAVA_HOME")
    java = Path(java_home) / "bin" / "java" if java_home else None
    if not (java and java.exists()) and shutil.which("java") is None:
        return Text(
            "Java is not installed (PySpark needs a Java 17 runtime: apt install openjdk-17-jre)"
        )
    return None


def spark_session(master: str | None = None) -> Any:
    """The process's Spark session for `master` (created once: it takes 10-12 s)."""
    reason = spark_missing()
    if reason:
        raise AnalyticsError(Text("analytics backend pyspark: {reason}", reason=reason))
    master = master or DEFAULT_SPARK_MASTER
    with _spark_lock:
        session = _spark_sessions.get(master)
        if session is None:
            # Local mode binds to this address; without it Spark guesses from the host name.
            os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
            from pyspark.sql import SparkSession

            session = (
                SparkSession.builder.master(master)
                .appName("renewals-usage-features")
                # The UTC window bounds must mean the same instants as on DuckDB.
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.ui.enabled", "false")
                .config("spark.sql.shuffle.partitions", "8")
                .getOrCreate()
            )
            session.sparkContext.setLogLevel("ERROR")
            _spark_sessions[master] = session
        return session


@contextmanager
def events_table(
    analytics: Analytics, data_dir: Path, parts: Sequence[Path]
) -> Iterator[ibis.Table]:
    """The stored usage events as an Ibis table on the configured engine (closed after)."""
    paths = [str(p) for p in parts]
    if analytics.backend == "duckdb":
        con = repository.connect(data_dir, analytics.memory_limit)
        try:
            yield ibis.duckdb.from_connection(con).read_parquet(paths)
        finally:
            con.close()
        return
    if analytics.backend == "pyspark":
        backend = ibis.pyspark.connect(spark_session(analytics.url))
        # Spark takes one path or glob (Ibis would stringify a list): the stored parts'
        # pattern, which leaves out parts still being staged by an import.
        yield backend.read_parquet(str(repository.events_dir(data_dir) / repository.PART_GLOB))
        return
    if analytics.backend == "ibis":
        if not analytics.url:
            raise AnalyticsError(
                Text(
                    "analytics backend ibis needs RENEWALS_ANALYTICS_URL, an Ibis connection "
                    "string such as bigquery://project/dataset"
                )
            )
        try:
            backend = ibis.connect(analytics.url)
        except Exception as exc:  # import errors and driver errors alike
            # the driver's own explanation stays as it gives it
            raise AnalyticsError(
                Text(
                    "cannot connect to the analytics backend {key}: {error}",
                    key=_scheme(analytics.url),
                    error=str(exc),
                )
            ) from exc
        try:
            if analytics.events_table:
                yield backend.table(analytics.events_table)
            else:
                yield backend.read_parquet(paths)
        finally:
            backend.disconnect()
        return
    raise AnalyticsError(
        Text(
            "unknown analytics backend {value}; choose one of {choices}",
            value=repr(analytics.backend),
            choices=", ".join(BACKENDS),
        )
    )
